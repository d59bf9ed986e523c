"""Pin-risk widening: only near expiry, only where the desk's own gamma concentrates."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.desk.pin import PinWideningConfig, pin_widening_ticks
from mmdesk.pricing import bs_greeks

CFG = PinWideningConfig(max_widen_ticks=2.0, window_days=1.0, min_gamma_shares=100.0)
STRIKES = np.array([99.0, 100.0, 101.0])


def _book(days: float, contracts: np.ndarray) -> np.ndarray:
    """Calls and puts on one expiry; cells are the strikes; spot 100."""
    k = np.tile(STRIKES, 2)
    is_call = np.repeat([True, False], 3)
    gamma = bs_greeks(100.0, k, max(days, 1e-4) / 365.0, 0.2, 0.0, 0.0, is_call).gamma
    cell = np.tile(np.arange(3), 2)
    return pin_widening_ticks(cell, contracts, gamma, np.full(6, days), 100.0, CFG)


def test_no_widening_outside_the_pin_window() -> None:
    short_atm = np.array([0.0, -50.0, 0.0, 0.0, -50.0, 0.0])
    assert np.all(_book(2.0, short_atm) == 0.0)


def test_widening_grows_as_expiry_approaches_at_the_concentrated_strike() -> None:
    short_atm = np.array([0.0, -50.0, 0.0, 0.0, -50.0, 0.0])
    half_day = _book(0.5, short_atm)
    hour = _book(1.0 / 24.0, short_atm)
    # all of the book's gamma sits at 100: both the call and the put of that strike widen
    assert half_day[1] == pytest.approx(2.0 * 0.5) and half_day[4] == half_day[1]
    assert hour[1] > half_day[1]
    assert half_day[[0, 2, 3, 5]].sum() == 0.0


def test_widening_is_shared_by_strikes_in_proportion_to_their_gamma() -> None:
    book = np.array([-40.0, -40.0, 0.0, 0.0, 0.0, 0.0])
    gamma = bs_greeks(100.0, STRIKES, 0.25 / 365.0, 0.2, 0.0, 0.0, True).gamma
    share = 40 * gamma[:2] / (40 * gamma[:2]).sum()
    out = _book(0.25, book)
    np.testing.assert_allclose(out[:2], 2.0 * 0.75 * share, rtol=1e-12)


def test_a_flat_book_or_a_small_position_is_not_widened() -> None:
    assert np.all(_book(0.1, np.zeros(6)) == 0.0)
    tiny = np.array([0.0, 0.0, -0.01, 0.0, 0.0, 0.0])
    assert np.all(_book(0.1, tiny) == 0.0)


def test_pin_kernel_agrees_with_its_python_twin() -> None:
    from mmdesk.desk.pin import pin_widening_kernel, pin_widening_python

    rng = np.random.default_rng(3)
    n, n_cells = 60, 25
    cell = rng.integers(0, n_cells, n)
    contracts = np.where(rng.random(n) < 0.5, 0.0, rng.normal(0.0, 40.0, n))
    args = (cell, contracts, rng.uniform(0.0, 0.2, n), rng.uniform(0.0, 2.0, n), 100.0,
            2.0, 1.0, 100.0)  # fmt: skip
    out_py, out_nb = np.empty(n), np.empty(n)
    pin_widening_python(*args, np.zeros(n_cells), out_py)
    pin_widening_kernel(*args, np.zeros(n_cells), out_nb)
    np.testing.assert_array_equal(out_py, out_nb)
    assert np.any(out_nb > 0.0)

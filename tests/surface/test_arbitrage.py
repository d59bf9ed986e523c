"""Static no-arbitrage: Durrleman's g, calendar checks, and the repairs."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.surface.arbitrage import (
    butterfly_free,
    check_grid,
    check_slices,
    durrleman_g,
    lift_to_floor,
    min_g,
    repair_butterfly,
)
from mmdesk.surface.svi import SVIParams, svi_from_ssvi_slice, svi_total_variance

#: Axel Vogt's raw SVI slice with butterfly arbitrage (Gatheral & Jacquier 2014, Example 3.1).
VOGT = SVIParams(a=-0.0410, b=0.1331, rho=0.3060, m=0.3586, sigma=0.4153)
GOOD = SVIParams(a=0.02, b=0.15, rho=-0.6, m=0.02, sigma=0.12)
GRID = np.linspace(-1.5, 1.5, 601)


def _density_sign_by_finite_differences(p: SVIParams, k: np.ndarray) -> np.ndarray:
    """Undiscounted Black call second strike-derivative (F = 1) by finite differences."""
    from scipy.stats import norm

    def call(kk: np.ndarray) -> np.ndarray:
        w = svi_total_variance(kk, p)
        s = np.sqrt(w)
        d1 = -kk / s + s / 2
        return norm.cdf(d1) - np.exp(kk) * norm.cdf(d1 - s)

    K = np.exp(k)
    h = 1e-4
    c2 = (call(np.log(K + h)) - 2 * call(np.log(K)) + call(np.log(K - h))) / h**2
    return np.sign(c2)


def test_g_is_positive_for_a_regular_equity_smile() -> None:
    assert np.all(durrleman_g(GRID, GOOD) > 0)
    assert butterfly_free(GOOD, GRID)


def test_g_is_negative_for_vogts_example_and_matches_the_density_sign() -> None:
    g = durrleman_g(GRID, VOGT)
    assert g.min() < 0
    assert min_g(VOGT, GRID) == pytest.approx(g.min(), rel=1e-12)
    k = GRID[(np.abs(g) > 1e-3) & (np.abs(GRID) < 1.2)]
    np.testing.assert_array_equal(
        np.sign(durrleman_g(k, VOGT)), _density_sign_by_finite_differences(VOGT, k)
    )


def test_g_is_minus_infinity_where_total_variance_is_not_positive() -> None:
    bad = SVIParams(a=-0.1, b=0.1, rho=0.0, m=0.0, sigma=0.1)
    assert durrleman_g(0.0, bad) == -np.inf
    assert not butterfly_free(bad, GRID)


def test_repair_butterfly_lands_between_anchor_and_fit_and_is_free() -> None:
    anchor = svi_from_ssvi_slice(0.1, 1.0, 0.3)
    assert butterfly_free(anchor, GRID)
    fixed, lam = repair_butterfly(VOGT, anchor, GRID)
    assert 0.0 < lam < 1.0
    assert butterfly_free(fixed, GRID)
    assert min(anchor.b, VOGT.b) <= fixed.b <= max(anchor.b, VOGT.b)


def test_repair_leaves_a_free_slice_unchanged() -> None:
    assert repair_butterfly(GOOD, GOOD, GRID) == (GOOD, 1.0)


def test_calendar_check_flags_a_crossing_and_lift_repairs_it() -> None:
    short = GOOD
    long_ = GOOD._replace(a=0.03, rho=0.2)  # higher ATM, but lower on the left wing
    report = check_slices([short, long_], GRID)
    assert report.calendar_gap[0] > 0 and not report.calendar_ok[1] and not report.ok
    lifted = lift_to_floor(long_, GRID, svi_total_variance(GRID, short))
    assert lifted.a > long_.a
    assert check_slices([short, lifted], GRID).calendar_ok.all()


def test_check_grid_covers_the_quotes_with_a_margin() -> None:
    g = check_grid(-0.4, 0.2, 101, 0.25)
    assert g[0] == pytest.approx(-0.55) and g[-1] == pytest.approx(0.35) and g.size == 101
    with pytest.raises(ValueError, match="k_min"):
        check_grid(0.2, -0.4)

"""Positions, cash and the exposures the risk gate sees."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.risk.positions import ChainLayout, Positions, bucket_sums, bucket_sums_python

DAY = 86_400 * 10**9


def _layout() -> ChainLayout:
    expiry_ns = np.array([30, 30, 30, 30, 60, 60]) * DAY
    strike = np.array([95.0, 95.0, 100.0, 100.0, 100.0, 100.0])
    return ChainLayout.from_arrays(expiry_ns, strike, multiplier=100.0)


def test_layout_groups_calls_and_puts_of_a_strike_into_one_cell() -> None:
    lay = _layout()
    assert lay.n_expiries == 2
    assert lay.n_strike_cells == 3
    assert lay.strike_cell[0] == lay.strike_cell[1] != lay.strike_cell[2]


def test_fills_move_cash_and_value_marks_to_the_given_prices() -> None:
    book = Positions(_layout())
    book.fill_option(0, 2.0, 1.50, fee=0.5)
    book.fill_underlying(-100.0, 100.0, fee=0.1)
    assert book.cash == pytest.approx(-2 * 1.5 * 100 - 0.5 + 100 * 100.0 - 0.1)
    values = np.array([1.60, 0, 0, 0, 0, 0])
    assert book.value(values, 101.0) == pytest.approx(book.cash - 100.0 * 101.0 + 2 * 100 * 1.60)
    assert book.fees == pytest.approx(0.6)


def test_exposure_aggregates_per_name_expiry_and_strike() -> None:
    book = Positions(_layout())
    book.fill_option(0, 3.0, 1.0, 0.0)  # 30d 95
    book.fill_option(1, -2.0, 1.0, 0.0)  # 30d 95
    book.fill_option(5, 4.0, 1.0, 0.0)  # 60d 100
    book.fill_underlying(-50.0, 100.0, 0.0)
    delta = np.array([0.6, -0.4, 0.5, -0.5, 0.55, -0.45])
    gamma = np.full(6, 0.02)
    vega = np.array([10.0, 10.0, 12.0, 12.0, 16.0, 16.0])
    risk = book.contract_risk(delta, gamma, vega, 100.0, np.full(3, 400.0))
    exp = book.exposure(risk, 100.0)
    assert exp.delta == pytest.approx(100 * (3 * 0.6 + 2 * 0.4 - 4 * 0.45) - 50.0)
    assert exp.vega == pytest.approx(100 * (3 * 10 - 2 * 10 + 4 * 16))
    np.testing.assert_allclose(exp.expiry_vega, [100 * 10.0, 100 * 64.0])
    np.testing.assert_allclose(exp.expiry_contracts, [5.0, 4.0])
    assert exp.strike_contracts[book.layout.strike_cell[0]] == 5.0
    assert exp.notional == pytest.approx(9 * 100 * 100.0 + 50 * 100.0)


def test_cash_settlement_pays_intrinsic_and_closes_the_position() -> None:
    book = Positions(_layout())
    book.fill_option(2, -3.0, 2.0, 0.0)
    book.settle_option(2, 4.0)
    assert book.contracts[2] == 0.0
    assert book.cash == pytest.approx(3 * 2.0 * 100 - 3 * 4.0 * 100)


def test_bucket_sums_kernel_and_twin_match_numpy_bincount(rng: np.random.Generator) -> None:
    n, n_exp, n_cells = 150, 3, 40
    q = np.where(rng.random(n) < 0.5, rng.integers(-30, 30, n), 0).astype(np.float64)
    vega, gamma = rng.normal(0.0, 20.0, n), rng.normal(0.0, 3.0, n)
    expiry, cell = rng.integers(0, n_exp, n), rng.integers(0, n_cells, n)
    gross = np.abs(q)
    want = (
        gross,
        np.bincount(expiry, q * vega, n_exp),
        np.bincount(expiry, q * gamma, n_exp),
        np.bincount(expiry, gross, n_exp),
        np.bincount(cell, gross, n_cells),
    )
    for fn in (bucket_sums_python, bucket_sums):
        out = [np.empty(n)] + [np.zeros(n_exp) for _ in range(3)] + [np.zeros(n_cells)]
        fn(q, vega, gamma, expiry, cell, *out)
        for got, ref in zip(out, want, strict=True):
            assert np.array_equal(got, ref)


def test_risk_and_exposure_in_one_pass_equal_contract_risk_then_exposure(
    rng: np.random.Generator,
) -> None:
    from mmdesk.risk.positions import risk_rows, risk_rows_python

    n_exp, n_strikes = 3, 7
    expiry_ns = np.repeat(np.arange(1, n_exp + 1) * 30 * DAY, 2 * n_strikes)
    strike = np.tile(np.repeat(np.linspace(90.0, 110.0, n_strikes), 2), n_exp)
    lay = ChainLayout.from_arrays(expiry_ns, strike, multiplier=100.0)
    n = expiry_ns.size
    for _ in range(5):
        book = Positions(lay)
        book.contracts[:] = np.where(rng.random(n) < 0.4, rng.integers(-20, 21, n), 0)
        book.shares = float(rng.integers(-500, 500))
        delta, gamma, vega = rng.uniform(-1, 1, n), rng.uniform(0, 0.1, n), rng.uniform(0, 30, n)
        spot = float(rng.uniform(90, 110))
        limit = rng.uniform(50, 500, lay.n_strike_cells)
        risk, exp = book.risk_and_exposure(delta, gamma, vega, spot, limit)
        ref_risk = book.contract_risk(delta, gamma, vega, spot, limit)
        ref = book.exposure(ref_risk, spot)
        for name in ("delta", "gamma", "vega", "notional", "expiry", "strike_cell", "strike_limit"):
            np.testing.assert_array_equal(getattr(risk, name), getattr(ref_risk, name))
        for name in ("delta", "gamma", "vega", "notional"):
            assert getattr(exp, name) == getattr(ref, name)
        for name in ("expiry_vega", "expiry_gamma", "expiry_contracts", "strike_contracts"):
            np.testing.assert_array_equal(getattr(exp, name), getattr(ref, name))
        np.testing.assert_array_equal(exp.position, book.contracts)
        assert exp.position is not book.contracts
        kernel, twin = (
            [np.empty(n) for _ in range(6)]
            + [np.zeros(n_exp) for _ in range(3)]
            + [np.zeros(lay.n_strike_cells)]
            for _ in range(2)
        )
        args = (book.contracts, delta, gamma, vega, 100.0, spot, limit, lay.expiry, lay.strike_cell)
        risk_rows(*args, *kernel)
        risk_rows_python(*args, *twin)
        for a, b in zip(kernel, twin, strict=True):
            np.testing.assert_array_equal(a, b)

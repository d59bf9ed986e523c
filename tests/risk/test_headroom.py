"""Quote headroom: a full fill of any quote sized at its headroom cannot breach a limit."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.risk.gate import utilisation
from mmdesk.risk.headroom import (
    BookExposure,
    ContractRisk,
    gross_headroom,
    linear_headroom,
    quote_headroom,
    quote_reach,
)
from mmdesk.risk.limits import LimitsConfig


def test_linear_headroom_stops_at_the_limit_on_either_side() -> None:
    assert linear_headroom(np.array(100.0), np.array(10.0), 500.0) == pytest.approx(40.0)
    assert linear_headroom(np.array(100.0), np.array(-10.0), 500.0) == pytest.approx(60.0)
    assert linear_headroom(np.array(600.0), np.array(10.0), 500.0) == 0.0
    # Breached, but the trade reduces: it may go down to the opposite limit.
    assert linear_headroom(np.array(600.0), np.array(-10.0), 500.0) == pytest.approx(110.0)


def test_gross_headroom_counts_closing_a_short_before_opening_a_long() -> None:
    # Gross 90 of limit 100, the option is short 30: buy 30 to close, then 10 more to fill.
    assert float(gross_headroom(np.array(90.0), np.array(-30.0), 100.0)) == pytest.approx(70.0)
    assert float(gross_headroom(np.array(90.0), np.array(30.0), 100.0)) == pytest.approx(10.0)
    # Over the limit and long: buying more is not allowed.
    assert float(gross_headroom(np.array(120.0), np.array(30.0), 100.0)) == 0.0


def _random_book(rng: np.random.Generator, n: int) -> tuple[BookExposure, ContractRisk]:
    expiry = rng.integers(0, 3, n)
    strike_cell = expiry * 100 + rng.integers(0, 10, n)
    risk = ContractRisk(
        delta=rng.uniform(-100, 100, n),
        gamma=rng.uniform(0, 5, n),
        vega=rng.uniform(0, 40, n),
        notional=np.full(n, 10_000.0),
        expiry=expiry,
        strike_cell=strike_cell,
        strike_limit=np.full(n, 400.0),
    )
    position = rng.integers(-50, 50, n).astype(float)
    book = BookExposure(
        delta=float(rng.uniform(-3000, 3000)),
        gamma=float(rng.uniform(-1000, 1000)),
        vega=float(rng.uniform(-20000, 20000)),
        notional=float(np.abs(position).sum() * 10_000.0),
        expiry_vega=rng.uniform(-10000, 10000, 3),
        expiry_gamma=rng.uniform(-500, 500, 3),
        expiry_contracts=np.array([np.abs(position[expiry == b]).sum() for b in range(3)]),
        strike_contracts=np.zeros(300),
        position=position,
    )
    cells = np.zeros(300)
    np.add.at(cells, strike_cell, np.abs(position))
    return BookExposure(**{**_asdict(book), "strike_contracts": cells}), risk


def _asdict(book: BookExposure) -> dict[str, object]:
    return {f: getattr(book, f) for f in BookExposure.__slots__}


def _fill(book: BookExposure, risk: ContractRisk, i: int, qty: float) -> BookExposure:
    e, c = risk.expiry[i], risk.strike_cell[i]
    pos = book.position.copy()
    old = pos[i]
    pos[i] += qty
    dgross = abs(pos[i]) - abs(old)
    ev, eg, ec, sc = (
        book.expiry_vega.copy(),
        book.expiry_gamma.copy(),
        book.expiry_contracts.copy(),
        book.strike_contracts.copy(),
    )
    ev[e] += qty * risk.vega[i]
    eg[e] += qty * risk.gamma[i]
    ec[e] += dgross
    sc[c] += dgross
    return BookExposure(
        delta=book.delta + qty * risk.delta[i],
        gamma=book.gamma + qty * risk.gamma[i],
        vega=book.vega + qty * risk.vega[i],
        notional=book.notional + dgross * risk.notional[i],
        expiry_vega=ev,
        expiry_gamma=eg,
        expiry_contracts=ec,
        strike_contracts=sc,
        position=pos,
    )


def test_a_full_fill_of_any_quote_at_its_headroom_stays_inside_every_limit(
    rng: np.random.Generator,
) -> None:
    limits = LimitsConfig()
    for _ in range(20):
        book, risk = _random_book(rng, 60)
        if max(utilisation(book, limits, np.full(300, 400.0)).values()) > 1.0:
            continue
        max_bid, max_ask = quote_headroom(book, risk, limits)
        for i in range(60):
            for qty in (max_bid[i], -max_ask[i]):
                after = _fill(book, risk, i, qty)
                use = utilisation(after, limits, np.full(300, 400.0))
                assert max(use.values()) <= 1.0 + 1e-12, (i, qty, use)


def test_reducing_state_keeps_only_quotes_that_shrink_the_breach() -> None:
    limits = LimitsConfig(vega=1_000.0)
    risk = ContractRisk(
        delta=np.array([50.0, -50.0]),
        gamma=np.array([1.0, 1.0]),
        vega=np.array([20.0, 20.0]),
        notional=np.array([10_000.0, 10_000.0]),
        expiry=np.array([0, 0]),
        strike_cell=np.array([0, 1]),
        strike_limit=np.array([400.0, 400.0]),
    )
    book = BookExposure(
        delta=0.0,
        gamma=10.0,
        vega=1_200.0,  # long vega, over the 1,000 limit
        notional=600_000.0,
        expiry_vega=np.array([1_200.0]),
        expiry_gamma=np.array([10.0]),
        expiry_contracts=np.array([60.0]),
        strike_contracts=np.array([30.0, 30.0]),
        position=np.array([30.0, 30.0]),
    )
    max_bid, max_ask = quote_headroom(book, risk, limits, reducing=True)
    assert np.all(max_bid == 0.0)  # buying options adds vega
    assert np.all(max_ask > 0.0)  # selling them reduces it


def _random_book_for_kernels(rng: np.random.Generator, n: int, n_exp: int, scale: float):  # type: ignore[no-untyped-def]
    from mmdesk.risk.headroom import BookExposure, ContractRisk

    expiry = rng.integers(0, n_exp, n)
    cell = rng.integers(0, 2 * n_exp, n)
    risk = ContractRisk(
        delta=rng.normal(0, 50, n),
        gamma=np.abs(rng.normal(0, 5, n)) * rng.choice([-1, 1], n),
        vega=np.abs(rng.normal(0, 500, n)),
        notional=np.full(n, 10_000.0),
        expiry=expiry,
        strike_cell=cell,
        strike_limit=np.full(n, 400.0),
    )
    book = BookExposure(
        delta=rng.normal(0, 3_000 * scale),
        gamma=rng.normal(0, 1_000 * scale),
        vega=rng.normal(0, 30_000 * scale),
        notional=abs(rng.normal(0, 2e7 * scale)),
        expiry_vega=rng.normal(0, 20_000 * scale, n_exp),
        expiry_gamma=rng.normal(0, 1_000 * scale, n_exp),
        expiry_contracts=np.abs(rng.normal(0, 1_500 * scale, n_exp)),
        strike_contracts=np.abs(rng.normal(0, 300 * scale, 2 * n_exp)),
        position=np.round(rng.normal(0, 150 * scale, n)),
    )
    return book, risk


@pytest.mark.parametrize("scale", [0.3, 1.5])
def test_headroom_kernels_agree_with_their_numpy_rules_and_python_twins(scale: float) -> None:
    from mmdesk.risk.headroom import (
        quote_headroom,
        quote_headroom_numpy,
        sweep_scale,
        sweep_scale_numpy,
    )
    from mmdesk.risk.headroom_kernels import (
        quote_headroom_kernel,
        quote_headroom_kernel_python,
        sweep_scale_kernel,
        sweep_scale_kernel_python,
    )

    rng = np.random.default_rng(5)
    limits = LimitsConfig()
    for _ in range(20):
        book, risk = _random_book_for_kernels(rng, 60, 3, scale)
        for reducing in (False, True):
            kb, ka = quote_headroom(book, risk, limits, reducing)
            nb, na = quote_headroom_numpy(book, risk, limits, reducing)
            np.testing.assert_array_equal(kb, nb)
            np.testing.assert_array_equal(ka, na)
        bid = np.minimum(kb, 10.0)
        ask = np.minimum(ka, 10.0)
        sb, sa = sweep_scale(book, risk, limits, bid, ask, 0.3)
        tb, ta = sweep_scale_numpy(book, risk, limits, bid, ask, 0.3)
        np.testing.assert_array_equal(sb, tb)
        np.testing.assert_array_equal(sa, ta)
        shares_b = np.where(rng.random(60) < 0.3, 1.0, 0.3)
        shares_a = np.where(rng.random(60) < 0.3, 1.0, 0.3)
        sb, sa = sweep_scale(book, risk, limits, bid, ask, 0.3, shares_b, shares_a)
        tb, ta = sweep_scale_numpy(book, risk, limits, bid, ask, 0.3, shares_b, shares_a)
        np.testing.assert_array_equal(sb, tb)
        np.testing.assert_array_equal(sa, ta)
    # the python twins are the kernels' readable spec
    args = (
        np.array([book.delta, book.gamma, book.vega, book.notional]),
        book.expiry_vega,
        book.expiry_gamma,
        book.expiry_contracts,
    )
    lim = np.array(
        [
            limits.delta,
            limits.gamma,
            limits.vega,
            limits.notional,
            limits.expiry_vega,
            limits.expiry_gamma,
            limits.expiry_contracts,
            limits.option_position,
        ]
    )
    outs = []
    for fn in (quote_headroom_kernel, quote_headroom_kernel_python):
        b, a = np.empty(60), np.empty(60)
        fn(
            *args,
            book.strike_contracts,
            book.position,
            risk.delta,
            risk.gamma,
            risk.vega,
            risk.notional,
            risk.expiry,
            risk.strike_cell,
            risk.strike_limit,
            lim,
            True,
            b,
            a,
        )
        outs.append((b, a))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    outs = []
    for fn in (sweep_scale_kernel, sweep_scale_kernel_python):
        b, a = np.empty(60), np.empty(60)
        fn(
            *args,
            risk.delta,
            risk.gamma,
            risk.vega,
            risk.notional,
            risk.expiry,
            lim,
            shares_b,
            shares_a,
            np.full(60, 10.0),
            np.full(60, 10.0),
            b,
            a,
        )
        outs.append((b, a))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])


def test_quote_reach_sums_what_every_resting_quote_would_add_each_way() -> None:
    rng = np.random.default_rng(3)
    e = rng.normal(0.0, 60.0, 50)
    bid, ask = rng.integers(0, 10, 50).astype(float), rng.integers(0, 10, 50).astype(float)
    up = sum(b * x for b, x in zip(bid, e, strict=True) if x > 0) + sum(
        a * -x for a, x in zip(ask, e, strict=True) if x < 0
    )
    down = sum(b * -x for b, x in zip(bid, e, strict=True) if x < 0) + sum(
        a * x for a, x in zip(ask, e, strict=True) if x > 0
    )
    assert quote_reach(e, bid, ask) == pytest.approx((up, down))

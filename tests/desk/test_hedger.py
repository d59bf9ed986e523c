"""The delta hedger: marketable IOCs to the band's edge, cooldown, fixed-interval clock."""

from __future__ import annotations

from mmdesk.desk.hedger import DeltaHedger, HedgerConfig
from mmdesk.hedging import FixedBandConfig, FixedIntervalConfig, HedgeInputs


def _state(delta: float, now_ns: int = 10**12) -> HedgeInputs:
    return HedgeInputs(
        now_ns=now_ns,
        spot=100.0,
        delta=delta,
        gamma=50.0,
        vanna=0.0,
        vol=0.2,
        t=0.05,
        rate=0.0,
        cost=0.0005,
        last_hedge_ns=0,
    )


def test_long_delta_outside_the_band_sells_to_the_band_edge_through_the_bid() -> None:
    h = DeltaHedger(HedgerConfig(policy=FixedBandConfig(half_width=500.0), slippage_ticks=2))
    order = h.decide(_state(1_234.0), 9_999, 10_001, 1)
    assert order is not None
    assert order.shares == -734
    assert order.price_units == 9_997


def test_short_delta_buys_through_the_ask() -> None:
    h = DeltaHedger(HedgerConfig(policy=FixedBandConfig(half_width=100.0), slippage_ticks=1))
    order = h.decide(_state(-350.0), 9_999, 10_001, 1)
    assert order is not None and order.shares == 250 and order.price_units == 10_002


def test_inside_the_band_no_hedge() -> None:
    h = DeltaHedger(HedgerConfig(policy=FixedBandConfig(half_width=500.0)))
    assert h.decide(_state(499.0), 9_999, 10_001, 1) is None


def test_no_second_hedge_while_cooling_down() -> None:
    h = DeltaHedger(HedgerConfig(policy=FixedBandConfig(half_width=100.0), cooldown_ms=50.0))
    t = 10**12
    assert h.decide(_state(1_000.0, t), 9_999, 10_001, 1) is not None
    h.sent(t)
    assert h.decide(_state(1_000.0, t + 10_000_000), 9_999, 10_001, 1) is None
    assert h.decide(_state(1_000.0, t + 60_000_000), 9_999, 10_001, 1) is not None


def test_no_market_no_hedge() -> None:
    h = DeltaHedger(HedgerConfig(policy=FixedBandConfig(half_width=100.0)))
    assert h.decide(_state(1_000.0), -1, -1, 1) is None


def test_fixed_interval_hedges_to_zero_on_its_clock() -> None:
    h = DeltaHedger(HedgerConfig(policy=FixedIntervalConfig(interval_s=60.0)))
    t = 10**12
    order = h.decide(_state(321.0, t), 9_999, 10_001, 1)
    assert order is not None and order.shares == -321
    h.sent(t)
    assert h.decide(_state(321.0, t + 30 * 10**9), 9_999, 10_001, 1) is None
    assert h.decide(_state(321.0, t + 61 * 10**9), 9_999, 10_001, 1) is not None


def test_cost_fraction_is_half_spread_fee_and_impact_over_spot() -> None:
    h = DeltaHedger(HedgerConfig(taker_fee=0.003, impact_bps=1.0))
    assert abs(h.cost_fraction(100.0, 99.99, 100.01) - (0.013 / 100.0 + 1e-4)) < 1e-15

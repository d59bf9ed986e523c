"""Each agent's decision rule, on a fixed book and a fake oracle."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.flow.agents.base import AgentContext
from mmdesk.flow.agents.informed import InformedAgents, InformedConfig
from mmdesk.flow.agents.institutional import InstitutionalAgents, InstitutionalConfig
from mmdesk.flow.agents.liquidity import LiquidityProviderConfig, LiquidityProviders
from mmdesk.flow.agents.market_makers import MarketMakerConfig, MarketMakers
from mmdesk.flow.agents.noise import NoiseAgents, NoiseConfig
from mmdesk.flow.agents.vol_informed import VolInformedAgents, VolInformedConfig
from mmdesk.pricing import bs_price
from mmdesk.venue.config import DEFAULT_OPTION_TICKS, DEFAULT_UNDERLYING_TICKS
from mmdesk.venue.listing import build_listing
from mmdesk.venue.participant import TIF_IOC, MarketView, RfqQuotes, RfqRequest
from mmdesk.venue.ticks import TickTable

NS = 1_000_000_000
DAY = 86_400 * NS


class FakeOracle:
    """Fair value 100, a chosen future return and realised vol."""

    def __init__(self, future_return: float = 0.0, vol: float = 0.2, fair: float = 100.0) -> None:
        self.r, self.vol, self.fair = future_return, vol, fair

    def fair_value(self, ts_ns: int) -> float:
        return self.fair

    def future_log_return(self, ts_ns: int, horizon_ns: int) -> float:
        return self.r

    def realised_vol(self, ts_ns: int, horizon_ns: int) -> float:
        return self.vol

    def variance_years(self, t0_ns: int, t1_ns: int) -> float:
        return (t1_ns - t0_ns) / NS / (252 * 23_400)

    def activity(self, ts_ns: int) -> float:
        return 1.0


def context(oracle: FakeOracle) -> AgentContext:
    listing = build_listing(
        [7 * DAY, 30 * DAY], [np.arange(90.0, 111.0), np.arange(80.0, 121.0, 2.0)]
    )
    return AgentContext(
        listing=listing,
        option_ticks=TickTable(DEFAULT_OPTION_TICKS),
        underlying_ticks=TickTable(DEFAULT_UNDERLYING_TICKS),
        price_unit=0.01,
        rate=0.0,
        div_yield=0.0,
        oracle=oracle,
    )


def book(ctx: AgentContext, vol: float, half_spread: float = 0.05) -> MarketView:
    """Every option quoted at BS(vol) ± half_spread; the underlying at 99.99 / 100.01."""
    lst = ctx.listing
    theo = np.asarray(bs_price(100.0, lst.strike, lst.tau(0), vol, 0.0, 0.0, lst.is_call))
    bid = np.concatenate([[9999], np.floor((theo - half_spread) / 0.01).astype(np.int64)])
    ask = np.concatenate([[10001], np.ceil((theo + half_spread) / 0.01).astype(np.int64)])
    bid = np.where(bid > 0, bid, -1)
    n = bid.size
    qty = np.full(n, 100, dtype=np.int64)
    return MarketView(0, 0, bid, ask, qty, qty, np.full(n, -1), 0.01)


def test_noise_sends_small_ioc_orders_at_the_touch_on_both_sides() -> None:
    ctx = context(FakeOracle())
    cfg = NoiseConfig(rate_per_s=50.0, max_size=5, underlying_share=0.0)
    agents = NoiseAgents(cfg, ctx, tuple(range(10, 15)), np.random.default_rng(1))
    view = book(ctx, 0.2)
    agents.on_market_data(view)
    orders = agents.on_timer(0).orders
    assert orders.size > 500
    assert np.all(orders["tif"] == TIF_IOC)
    assert orders["qty"].max() <= 5
    buy = orders["side"] > 0
    np.testing.assert_array_equal(orders["price"][buy], view.ask[orders["instrument"][buy]])
    np.testing.assert_array_equal(orders["price"][~buy], view.bid[orders["instrument"][~buy]])
    assert 0.4 < buy.mean() < 0.6
    # mostly the short expiry, mostly near the money
    strike = ctx.listing.strike[orders["instrument"] - 1]
    assert (ctx.listing.expiry_index[orders["instrument"] - 1] == 0).mean() > 0.6
    assert np.mean(np.abs(strike - 100) <= 5) > 0.6


@pytest.mark.parametrize("future_return", [0.01, -0.01])
def test_informed_trade_in_the_direction_of_the_future_move(future_return: float) -> None:
    ctx = context(FakeOracle(future_return=future_return))
    cfg = InformedConfig(rate_per_s=50.0, quality=1.0, underlying_share=0.5)
    agents = InformedAgents(cfg, ctx, (20, 21, 22), np.random.default_rng(2))
    agents.on_market_data(book(ctx, 0.2))
    orders = agents.on_timer(0).orders
    assert orders.size > 100
    und = orders["instrument"] == 0
    assert np.all(orders["side"][und] == np.sign(future_return))
    opt = orders["instrument"][~und] - 1
    assert np.all(orders["side"][~und] == 1)  # buys options
    assert np.all(ctx.listing.is_call[opt] == (future_return > 0))  # calls if up, puts if down


@pytest.mark.parametrize(("true_vol", "side"), [(0.35, 1), (0.10, -1)])
def test_vol_informed_buy_when_implied_is_below_realised_and_sell_when_above(
    true_vol: float, side: int
) -> None:
    ctx = context(FakeOracle(vol=true_vol))
    cfg = VolInformedConfig(rate_per_s=50.0, vol_error=0.0)
    agents = VolInformedAgents(cfg, ctx, (30, 31, 32), np.random.default_rng(3))
    agents.on_market_data(book(ctx, 0.2))
    orders = agents.on_timer(0).orders
    assert orders.size > 50
    assert np.all(orders["side"] == side)


def test_vol_informed_stay_out_when_the_book_is_at_their_vol() -> None:
    ctx = context(FakeOracle(vol=0.2))
    cfg = VolInformedConfig(rate_per_s=50.0, vol_error=0.0, min_edge_vega=0.01)
    agents = VolInformedAgents(cfg, ctx, (30, 31, 32), np.random.default_rng(3))
    agents.on_market_data(book(ctx, 0.2, half_spread=0.0))
    assert agents.on_timer(0) is None


def test_market_makers_quote_every_option_around_theo_on_the_grid_without_crossing() -> None:
    ctx = context(FakeOracle())
    cfg = MarketMakerConfig(n_makers=4)
    mm = MarketMakers(cfg, ctx, (40, 41, 42, 43), np.random.default_rng(4))
    q = mm.on_timer(0).quotes
    n = ctx.listing.n_options
    assert q.size == 4 * n
    theo, _ = mm.theo(0, 100.0)
    ticks = ctx.option_ticks
    has_bid = q["bid_qty"] > 0
    assert np.all(ticks.is_valid(q["bid"][has_bid]))
    assert np.all(ticks.is_valid(q["ask"]))
    assert np.all(q["bid"][has_bid] * 0.01 < theo.ravel()[has_bid])
    assert np.all(q["ask"] * 0.01 > theo.ravel())
    best_bid = np.where(has_bid, q["bid"], 0).reshape(4, n).max(axis=0)
    best_ask = q["ask"].reshape(4, n).min(axis=0)
    assert np.all(best_bid < best_ask)


def test_market_makers_only_resend_legs_that_moved() -> None:
    ctx = context(FakeOracle())
    mm = MarketMakers(MarketMakerConfig(n_makers=2), ctx, (40, 41), np.random.default_rng(5))
    assert mm.on_timer(0) is not None
    assert mm.on_timer(NS) is None  # nothing moved, no full refresh due


def test_market_makers_answer_rfqs_wider_for_bigger_size() -> None:
    ctx = context(FakeOracle())
    mm = MarketMakers(MarketMakerConfig(n_makers=2), ctx, (40, 41), np.random.default_rng(6))
    small = mm.on_rfq(RfqRequest(1, 0, 11, 10, 400))
    big = mm.on_rfq(RfqRequest(2, 0, 11, 500, 400))
    assert [a.participant for a in small] == [40, 41]
    assert all(b.ask - b.bid > s.ask - s.bid for s, b in zip(small, big, strict=True))


def test_liquidity_providers_ladder_around_fair_value() -> None:
    ctx = context(FakeOracle(fair=100.003))
    lp = LiquidityProviders(LiquidityProviderConfig(n_providers=3, size=100), ctx, (50, 51, 52))
    q = lp.on_timer(0).quotes
    assert q["bid"].tolist() == [9999, 9998, 9997]
    assert q["ask"].tolist() == [10002, 10003, 10004]
    assert q["bid_qty"].tolist() == [100, 200, 300]


def test_institutions_trade_on_their_private_side_or_walk_when_too_expensive() -> None:
    ctx = context(FakeOracle())
    cfg = InstitutionalConfig(rate_per_s=5.0, max_cost_frac=0.05, min_cost=0.05)
    inst = InstitutionalAgents(cfg, ctx, (60, 61), np.random.default_rng(7))
    view = book(ctx, 0.2)
    inst.on_market_data(view)
    rfqs = inst.on_timer(0).rfqs
    assert rfqs.size > 0
    r = rfqs[0]
    i = int(r["instrument"])
    mid = (view.bid[i] + view.ask[i]) // 2
    fair = RfqQuotes(1, int(r["owner"]), i, int(r["qty"]), mid - 1, 40, mid + 1, 41, 2)
    side = inst.on_rfq_quotes(fair)
    assert side in (1, -1)
    r2 = rfqs[1]
    i2 = int(r2["instrument"])
    mid2 = (view.bid[i2] + view.ask[i2]) // 2
    dear = RfqQuotes(2, int(r2["owner"]), i2, int(r2["qty"]), mid2 - 500, 40, mid2 + 500, 41, 2)
    assert inst.on_rfq_quotes(dear) == 0


def test_weighted_choice_draws_exactly_what_generator_choice_draws() -> None:
    from mmdesk.flow.agents.base import weighted_choice

    meta = np.random.default_rng(0)
    for _ in range(500):
        m = int(meta.integers(1, 150))
        w = meta.random(m) ** 3 * (meta.random(m) < 0.7)
        w[0] += 1e-3
        w /= w.sum()
        n = int(meta.integers(1, 6))
        seed = int(meta.integers(0, 2**32))
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        np.testing.assert_array_equal(weighted_choice(a, w, n), b.choice(m, size=n, p=w))
        assert a.random() == b.random()  # the generators moved alike


def test_shared_choice_weights_equal_moneyness_weights() -> None:
    from mmdesk.flow.agents.base import moneyness_weights

    ctx = context(FakeOracle())
    lst = ctx.listing
    for now in (0, 10 * DAY):  # later, the first expiry is gone
        for scale in (7 / 365, -30 / 365, 0.0):
            live = lst.live(now) & lst.is_call
            got = ctx.choice_weights(now, 101.0, 0.2, 1.0, scale, live)
            want = moneyness_weights(lst.strike, 101.0, lst.tau(now), 0.2, 1.0, scale, live)
            np.testing.assert_array_equal(got, want)
    tau, live, sqrt_tau = ctx.tau_live(now)
    assert not tau.flags.writeable and not live.flags.writeable
    np.testing.assert_array_equal(sqrt_tau, np.sqrt(lst.tau(now)))

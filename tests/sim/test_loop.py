"""The event loop: determinism, the desk slot, latency, impact through the book, settlement."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from mmdesk.flow.agents.tags import TAG_DESK, AgentKind, kind_of_tag
from mmdesk.market.events import EventKind
from mmdesk.market.sessions import SessionConfig
from mmdesk.sim.clock import TradingCalendarConfig
from mmdesk.sim.config import LoopConfig, ScenarioConfig
from mmdesk.sim.loop import DESK_OWNER, SimulationLoop, first_free_owner, run_scenario
from mmdesk.venue.participant import (
    TIF_IOC,
    Commands,
    MarketView,
    ParticipantBase,
    VenueInfo,
    make_orders,
)

NS = 1_000_000_000


def short(**kw: Any) -> ScenarioConfig:
    """A 30-minute session carrying 30 minutes' worth of variance, for fast tests."""
    data: dict[str, Any] = {
        "calendar": TradingCalendarConfig(session_s=1800),
        "session": SessionConfig(trading_days_per_year=252 * 23_400 / 1800),
    }
    data.update(kw)
    return ScenarioConfig(**data)


class BuyerDesk(ParticipantBase):
    """A desk stand-in: buys ``qty`` shares aggressively once, at ``at_s`` into the session."""

    market_data_push = True

    def __init__(self, qty: int, at_s: float) -> None:
        self.participant_ids = (DESK_OWNER,)
        self.tags = (TAG_DESK,)
        self.timer_ns = NS
        self.qty, self.at_s = qty, at_s
        self.views: list[MarketView] = []
        self.fills: list[npt.NDArray[np.void]] = []
        self.trades: list[npt.NDArray[np.void]] = []
        self.sent_at = -1
        self.info: VenueInfo | None = None
        self.open_ns = -1

    def on_start(self, info: VenueInfo) -> None:
        self.info = info
        self.open_ns = info.sessions_ns[0][0]

    def on_market_data(self, view: MarketView) -> Commands | None:
        self.views.append(view)
        return None

    def on_fill(self, fills: npt.NDArray[np.void]) -> Commands | None:
        self.fills.append(fills)
        return None

    def on_trades(self, rows: npt.NDArray[np.void]) -> Commands | None:
        self.trades.append(rows)
        return None

    def on_timer(self, now_ns: int) -> Commands | None:
        if self.sent_at >= 0 or now_ns < self.open_ns + self.at_s * NS or not self.views:
            return None
        self.sent_at = now_ns
        ask = int(self.views[-1].ask[0])
        return Commands(orders=make_orders(0, 1, ask + 100, self.qty, TIF_IOC))


def test_same_config_and_seed_give_the_same_event_stream_byte_for_byte() -> None:
    a = run_scenario(short(seed=5))
    b = run_scenario(short(seed=5))
    c = run_scenario(short(seed=6))
    assert a.n_events > 10_000
    assert a.digest == b.digest
    assert a.digest != c.digest
    np.testing.assert_array_equal(a.journal, b.journal)


def test_the_desk_plugs_in_sees_stale_data_and_trades_with_tagged_counterparties() -> None:
    desk = BuyerDesk(qty=300, at_s=60)
    loop = SimulationLoop(short(seed=3), desk)
    loop.run()
    assert desk.info is not None and desk.info.listing.n_options >= 100
    assert desk.views and all(v.ts_local > v.ts_exchange for v in desk.views)
    lat = loop.config.desk_latency.market_data.mean_ns
    assert all(v.ts_local - v.ts_exchange == lat for v in desk.views)
    fills = np.concatenate(desk.fills)
    assert fills["qty"].sum() == 300
    assert np.all(fills["side"] == 1)
    assert {kind_of_tag(int(t)) for t in fills["tag"]} == {AgentKind.LIQUIDITY_PROVIDER}
    entry = loop.config.desk_latency.order_entry.mean_ns
    assert np.all(fills["ts_exchange"] == desk.sent_at + entry)  # order-entry latency
    # the public tape: every trade, aggressor side, including the desk's own buy
    tape = np.concatenate(desk.trades)
    assert np.all((tape["flags"] & int(EventKind.TRADE)) != 0)
    own = tape[tape["match_id"] == fills["match_id"][0]]
    assert own.size == 1 and own["side"][0] == 1 and own["instrument"][0] == 0
    assert desk.views[-1].last[0] > 0


def test_aggressive_buying_moves_the_price_up_and_the_permanent_part_persists() -> None:
    cfg = short(seed=11, loop={"mark_interval_ms": 1000})
    base_res = SimulationLoop(cfg).run()
    desk = BuyerDesk(qty=5000, at_s=300)
    hit_res = SimulationLoop(cfg, desk).run()
    fills = np.concatenate(desk.fills)
    t_fill = int(fills["ts_exchange"][0])
    lam, phi = cfg.impact.lam, cfg.impact.permanent_fraction
    half_life = cfg.impact.half_life_s
    bought = int(fills["qty"].sum())
    assert bought == 5000
    assert lam * bought == 0.1  # the configured impact of this buy, currency

    def moved(k: int) -> tuple[float, float]:
        """(fair value, underlying mid) of the run with the buy minus the run without."""
        return (
            hit_res.mark_fair[k] - base_res.mark_fair[k],
            hit_res.mark_mid[k, 0] - base_res.mark_mid[k, 0],
        )

    def expected(k: int) -> float:
        dt = (hit_res.mark_ts[k] - t_fill) / 1e9
        return lam * bought * (phi + (1 - phi) * 0.5 ** (dt / half_life))

    np.testing.assert_array_equal(hit_res.mark_ts, base_res.mark_ts)
    k = int(np.searchsorted(hit_res.mark_ts, t_fill))
    before_fair, before_mid = moved(k - 1)
    assert before_fair == 0.0 and before_mid == 0.0
    # just after: the fair value jumps by lam * qty (the exogenous paths are identical)
    fair_now, _ = moved(k)
    assert math.isclose(fair_now, expected(k), abs_tol=0.005)
    # once the providers have requoted (their timer is 5 s) the mid has moved up with it
    k5 = int(np.searchsorted(hit_res.mark_ts, t_fill + 6 * NS))
    assert moved(k5)[1] > 0.5 * expected(k5)
    # ten half-lives later only the permanent part is left, in fair value and in the mid
    k10 = int(np.searchsorted(hit_res.mark_ts, t_fill + int(10 * half_life * NS)))
    fair_late, mid_late = moved(k10)
    assert math.isclose(fair_late, phi * lam * bought, abs_tol=0.01)
    assert abs(mid_late - phi * lam * bought) <= 0.02
    print(
        f"impact of buying {bought} shares: fair +{fair_now:.4f} just after, "
        f"mid +{moved(k5)[1]:.4f} after 6 s, fair +{fair_late:.4f} / mid +{mid_late:.4f} "
        f"after {10 * half_life:.0f} s (configured permanent {phi * lam * bought:.4f})"
    )


def test_options_expire_and_settle_on_schedule_in_a_multi_day_run() -> None:
    cfg = short(seed=2, days=2)
    loop = SimulationLoop(cfg)
    res = loop.run()
    settle = res.journal[(res.journal["flags"] & int(EventKind.SETTLE)) != 0]
    first_expiry = loop.listing.expiries_ns[0]
    assert settle.size > 0
    assert np.all(settle["ts_exchange"] == first_expiry)
    expired = loop.listing.expiry_index == 0
    assert not loop.oi.positions[:, expired].any()
    assert loop.oi.open_interest[~expired].sum() > 0


def test_extra_participants_take_the_next_free_owner_ids_and_trade_under_their_tags() -> None:
    cfg = short(seed=4)

    class Hedger(BuyerDesk):
        def __init__(self) -> None:
            super().__init__(qty=200, at_s=30)
            self.participant_ids = (first_free_owner(cfg),)
            self.tags = (700,)

    h = Hedger()
    loop = SimulationLoop(cfg, extra=[h])
    loop.run()
    assert h.participant_ids[0] == 2 + sum(len(p.tags) for p in loop.participants[:-1])
    assert np.concatenate(h.fills)["qty"].sum() == 200
    assert loop.oi.participant_ids[-1] == h.participant_ids[0]
    with pytest.raises(ValueError, match="owner id"):
        SimulationLoop(cfg, extra=[Hedger(), Hedger()])


def test_a_loop_runs_once() -> None:
    loop = SimulationLoop(short(seed=1))
    loop.run()
    with pytest.raises(RuntimeError, match="already run"):
        loop.run()


@pytest.mark.parametrize("process", [{"kind": "heston"}, {"kind": "merton"}])
def test_stochastic_vol_and_jump_processes_drive_the_same_market(process: dict[str, str]) -> None:
    res = run_scenario(short(seed=8, process=process, settlement="physical"))
    assert res.n_events > 1_000
    assert np.all(np.isfinite(res.mark_fair)) and np.all(res.mark_fair > 0)
    fills = res.journal[(res.journal["flags"] & int(EventKind.FILL)) != 0]
    assert fills.size > 0


def test_new_commands_never_settle_in_the_step_that_produced_them() -> None:
    zero = {"order_entry": {"mean_ns": 0}, "ack": {"mean_ns": 0}, "market_data": {"mean_ns": 0}}
    desk = BuyerDesk(qty=100, at_s=20)
    SimulationLoop(short(seed=9, desk_latency=zero), desk).run()
    fills = np.concatenate(desk.fills)
    assert np.all(fills["ts_exchange"] == desk.sent_at + 1)  # one nanosecond later at least


def test_marks_can_be_switched_off() -> None:
    cfg = ScenarioConfig(
        calendar=TradingCalendarConfig(session_s=60), loop=LoopConfig(mark_interval_ms=0)
    )
    res = run_scenario(cfg)
    assert res.n_events > 0
    assert res.mark_ts.size == 0
    assert res.mark_mid.shape == (0, SimulationLoop(cfg).listing.n_instruments)

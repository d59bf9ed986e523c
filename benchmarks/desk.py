"""Central-book benchmarks: tick-to-quote on a 1,000-option chain, and a simulated day.

Run: ``uv run python benchmarks/desk.py [--day] [--seeds 1,2,3,4,5] [--session-s S]``

1. **Tick-to-quote**: a 1,000-option chain (5 expiries × 100 strikes × call/put)
   with a competing market on every option; the underlying moves one tick, the
   book reprices every option (one ``bs_greeks`` call), aggregates its risk,
   prices and sizes every quote through the risk gate and builds the mass quote.
   Median and p99 of the handler's wall time over many moves.
2. **A simulated day** (``--day``): the default scenario with the desk, per seed:
   wall and CPU time of the whole run (uninstrumented), the CPU time spent inside
   the desk's handlers per handler (and their wall time, from a second run of the
   same day with a clock around each handler call), and the acceptance figures
   (limits recomputed from the journal). The first day run in a process also
   loads every numba kernel from the on-disk cache (0.2–1.4 s measured); a
   30-minute session of the first seed runs first, timed and printed apart, so
   that each day's figure is the simulation's own cost.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from mmdesk.desk.audit import audit_journal
from mmdesk.desk.central import CentralBook
from mmdesk.desk.config import CentralBookConfig
from mmdesk.pricing import bs_price
from mmdesk.risk.limits import LimitsConfig
from mmdesk.venue.config import DEFAULT_OPTION_TICKS, DEFAULT_UNDERLYING_TICKS
from mmdesk.venue.listing import build_listing
from mmdesk.venue.participant import MarketView, VenueInfo
from mmdesk.venue.ticks import TickTable

NS_DAY = 86_400 * 1_000_000_000


def _chain_info(n_expiries: int = 5, n_strikes: int = 100) -> VenueInfo:
    open_ns = 10 * NS_DAY
    expiries = [open_ns + d * NS_DAY for d in (2, 7, 21, 45, 90)[:n_expiries]]
    strikes = [np.round(np.linspace(60.0, 140.0, n_strikes), 2) for _ in expiries]
    listing = build_listing(expiries, strikes, 100.0)
    return VenueInfo(
        listing=listing,
        option_ticks=TickTable(DEFAULT_OPTION_TICKS),
        underlying_ticks=TickTable(DEFAULT_UNDERLYING_TICKS),
        price_unit=0.01,
        sessions_ns=((open_ns, open_ns + 23_400 * 1_000_000_000),),
        rate=0.02,
        div_yield=0.0,
    )


def _view(info: VenueInfo, ts: int, spot_units: int) -> MarketView:
    lst = info.listing
    tau = (lst.expiry_ns - ts) / (365 * NS_DAY)
    theo = bs_price(spot_units * 0.01, lst.strike, tau, 0.2, info.rate, 0.0, lst.is_call)
    bid = np.floor(theo / 0.01).astype(np.int64) - 3
    ask = np.ceil(theo / 0.01).astype(np.int64) + 3
    bid = np.where(bid > 0, bid, -1)
    n = lst.n_instruments
    return MarketView(
        ts_exchange=ts,
        ts_local=ts,
        bid=np.concatenate([[spot_units - 1], bid]),
        ask=np.concatenate([[spot_units + 1], ask]),
        bid_qty=np.full(n, 500),
        ask_qty=np.full(n, 500),
        last=np.full(n, -1),
        price_unit=0.01,
    )


def tick_to_quote(n_moves: int = 1_000) -> dict[str, float]:
    """Median and p99 (µs) of reprice + risk + requote after an underlying move, 1,000 options."""
    info = _chain_info()
    # limits sized for a 1,000-option chain (the defaults suit the ~100-option default market)
    limits = (
        LimitsConfig()
        .scaled(50.0)
        .model_copy(update={"order_rate": 100_000.0, "order_burst": 100_000.0})
    )
    cfg = CentralBookConfig(limits=limits, min_requote_ms=0.0)  # every move requotes
    now = [info.sessions_ns[0][0] + int((cfg.open_delay_s + 1.0) * 1e9)]  # past the opening delay
    desk = CentralBook(cfg, clock=lambda: now[0])
    desk.on_start(info)
    spot = 10_000
    desk.on_market_data(_view(info, now[0], spot))
    desk.on_timer(now[0])  # first calibration: the book quotes every option
    quoted = int((desk.sent_bq > 0).sum() + (desk.sent_aq > 0).sum())
    if quoted == 0:
        raise RuntimeError("the book quotes nothing: no tick-to-quote to measure")
    rng = np.random.default_rng(0)
    times = []
    legs = []
    for _ in range(n_moves):
        now[0] += 50_000_000
        spot += int(rng.choice([-1, 1]))
        view = _view(info, now[0], spot)
        t0 = time.perf_counter()
        out = desk.on_market_data(view)
        times.append(time.perf_counter() - t0)
        legs.append(0 if out is None else out.quotes.size)
    us = np.array(times) * 1e6
    return {
        "options": float(info.listing.n_options),
        "median_us": float(np.median(us)),
        "p99_us": float(np.percentile(us, 99)),
        "mean_legs": float(np.mean(legs)),
    }


def _timed(desk: CentralBook, totals: dict[str, float], wall: dict[str, float]) -> None:
    """Accumulate the CPU time (``totals``) and wall time (``wall``) of each handler."""
    for name in ("on_market_data", "on_fill", "on_timer", "on_rfq", "on_settlement"):
        fn = getattr(desk, name)

        def wrapper(*a: Any, _fn: Any = fn, _name: str = name) -> Any:
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return _fn(*a)
            finally:
                totals[_name] = totals.get(_name, 0.0) + time.process_time() - c0
                wall[_name] = wall.get(_name, 0.0) + time.perf_counter() - t0

        setattr(desk, name, wrapper)


def one_day(seed: int, session_s: int | None) -> dict[str, Any]:
    """One simulated day of the default scenario with the desk; timing and acceptance figures."""
    from mmdesk.sim.clock import TradingCalendarConfig
    from mmdesk.sim.config import ScenarioConfig
    from mmdesk.sim.loop import DESK_OWNER, SimulationLoop
    from mmdesk.sim.run import RunConfig, listing_frame, summarise

    sc = ScenarioConfig(seed=seed)
    if session_s is not None:
        sc = sc.model_copy(update={"calendar": TradingCalendarConfig(session_s=session_s)})
    cfg = RunConfig(scenario=sc)

    def run(timed: bool) -> tuple[CentralBook, Any, float, float]:
        desk = CentralBook(cfg.desk, owner_id=DESK_OWNER)
        if timed:
            _timed(desk, totals, wall_in)
        w0, c0 = time.perf_counter(), time.process_time()
        loop = SimulationLoop(cfg.scenario, desk)
        desk.clock = loop.clock.now_ns
        result = loop.run()
        desk.finish(loop.sessions[-1][1])
        return desk, result, time.perf_counter() - w0, time.process_time() - c0

    totals: dict[str, float] = {}
    wall_in: dict[str, float] = {}
    # the day's time is taken without the per-handler clocks (≈0.1 s of overhead);
    # a second, instrumented run of the same day splits the desk's share
    desk, result, wall, cpu = run(timed=False)
    run(timed=True)
    summary = summarise(cfg, "bench", desk, result)
    j = desk.journal
    audit = audit_journal(
        j.frame("fills"),
        j.frame("marks"),
        listing_frame(desk),
        cfg.desk.limits,
        sc.rate,
        sc.div_yield,
    )
    return {
        "seed": seed,
        "wall_s": wall,
        "cpu_s": cpu,
        "desk_s": sum(totals.values()),
        "desk_wall_s": sum(wall_in.values()),
        "desk_split": totals,
        "pnl": summary["pnl"],
        "edge": summary["edge_captured"],
        "option_fills": summary["option_fills"],
        "contracts": summary["contracts_traded"],
        "hedge_fills": summary["hedge_fills"],
        "max_use_desk": summary["max_utilisation"],
        "max_use_audit": max(audit.max_utilisation.values()),
        "breached": audit.breached,
        "risk_events": summary["risk_events"],
        "fits_rejected": int(desk.theo_engine.rejected_fits.sum()),
        "journal_digest": summary["journal_digest"][:16],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--day", action="store_true", help="also run simulated days")
    ap.add_argument("--seeds", default="1", help="comma-separated seeds for --day")
    ap.add_argument("--session-s", type=int, default=None, help="shorter session (seconds)")
    ap.add_argument("--moves", type=int, default=1_000)
    args = ap.parse_args()
    r = tick_to_quote(args.moves)
    print(
        f"tick-to-quote, {r['options']:.0f} options: median {r['median_us']:.0f} µs, "
        f"p99 {r['p99_us']:.0f} µs (mean {r['mean_legs']:.0f} legs requoted per move)"
    )
    if args.day:
        seeds = [int(s) for s in args.seeds.split(",")]
        warm = one_day(seeds[0], 1800)
        print(
            f"warm-up, a 30-minute session of seed {seeds[0]} (loads the cached kernels): "
            f"wall {warm['wall_s']:.1f} s, CPU {warm['cpu_s']:.1f} s"
        )
        for seed in seeds:
            d = one_day(seed, args.session_s)
            split = ", ".join(f"{k} {v:.1f}" for k, v in d.pop("desk_split").items())
            print(
                f"seed {d['seed']}: wall {d['wall_s']:.1f} s, CPU {d['cpu_s']:.1f} s, in the desk "
                f"CPU {d['desk_s']:.1f} s ({split}; wall {d['desk_wall_s']:.1f} s); "
                f"P&L {d['pnl']:,.0f}, edge {d['edge']:,.0f}, "
                f"{d['option_fills']} option fills / {d['contracts']} contracts, "
                f"{d['hedge_fills']} hedge fills; max utilisation desk {d['max_use_desk']:.3f} "
                f"audit {d['max_use_audit']:.3f}, breached {d['breached']}; "
                f"events {d['risk_events']}; fits rejected {d['fits_rejected']}; "
                f"journal {d['journal_digest']}"
            )


if __name__ == "__main__":
    main()

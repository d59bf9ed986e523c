"""Venue benchmarks: `uv run python benchmarks/venue.py [--section engine|...]`.

Section "engine" (issue 4 target: >= 1,000,000 order events per second on one
core): a seeded add 40% / cancel 35% / replace 15% / aggressive-IOC 10% mix (the
book stays near a steady size, as a real one does) over one underlying
and 100 options from 20 participants. The command batches are first recorded
(ids of live orders come back in ACK events, so cancels/replaces are built from
what the engine said), then replayed into a fresh engine under the timer, so the
figure is pure engine time (numba kernel + the thin Python wrapper per batch).

Further sections (e.g. a full default day of agent flow with no desk attached)
register themselves in SECTIONS.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from mmdesk.market.events import EventKind
from mmdesk.venue.commands import CommandKind, make_commands
from mmdesk.venue.config import VenueConfig
from mmdesk.venue.engine import MatchingEngine

N_OPTIONS = 100
N_OWNERS = 20
BATCH = 20_000


def _record_engine_batches(
    n_batches: int, seed: int
) -> tuple[list[npt.NDArray[np.void]], npt.NDArray[np.int64]]:
    """Build command batches adaptively (cancel/replace target live orders)."""
    rng = np.random.default_rng(seed)
    n = N_OPTIONS + 1
    classes = np.ones(n, dtype=np.int64)
    classes[0] = 0
    eng = MatchingEngine(VenueConfig(), classes)
    # mids in price units: options 0.40 .. 2.80 (tick 0.01), underlying 100.00
    mid = rng.integers(40, 280, size=n).astype(np.int64)
    mid[0] = 10_000
    live: list[int] = []
    live_set: set[int] = set()
    owner_of: dict[int, int] = {}
    price_of: dict[int, int] = {}
    batches = []
    ts = 0
    for _ in range(n_batches):
        cmd = make_commands(BATCH)
        u = rng.random(BATCH)
        kind = np.where(
            u < 0.40,
            CommandKind.LIMIT,
            np.where(u < 0.75, CommandKind.CANCEL, np.where(u < 0.90, CommandKind.REPLACE, 0)),
        )
        aggressive = kind == 0
        kind = np.where(aggressive, CommandKind.IOC, kind)
        instr = rng.integers(0, n, size=BATCH)
        side = rng.choice(np.array([1, -1]), size=BATCH)
        mid += rng.integers(-1, 2, size=n)
        mid[1:] = np.clip(mid[1:], 20, 290)
        off = rng.integers(1, 8, size=BATCH)
        price = mid[instr] - side * off  # passive
        price = np.where(aggressive, mid[instr] + side * 3, price)
        qty = rng.integers(1, 20, size=BATCH)
        # cancel / replace targets: live orders known from earlier batches
        needs_id = (kind == CommandKind.CANCEL) | (kind == CommandKind.REPLACE)
        k = int(needs_id.sum())
        ids = np.zeros(BATCH, dtype=np.int64)
        owners = rng.integers(0, N_OWNERS, size=BATCH)
        if len(live) >= k > 0:  # distinct live targets: few cancels of dead orders
            pick = rng.choice(len(live), size=k, replace=False)
            ids[needs_id] = np.asarray(live, dtype=np.int64)[pick]
        else:  # not enough live orders yet: add instead
            kind = np.where(needs_id, CommandKind.LIMIT, kind)
            needs_id[:] = False
        ts += BATCH
        cmd["ts"] = ts - BATCH + np.arange(BATCH)
        cmd["kind"] = kind
        cmd["instrument"] = instr
        cmd["side"] = side
        cmd["price"] = price
        cmd["qty"] = qty
        cmd["order_id"] = ids
        cmd["owner"] = owners
        cmd["tag"] = owners
        # cancel/replace must come from the order's owner: fix owner from ack log
        if needs_id.any():
            cmd["owner"][needs_id] = np.asarray([owner_of[i] for i in ids[needs_id]])
        # replace: move 1 tick or change size
        rep = kind == CommandKind.REPLACE
        if rep.any():
            cmd["price"][rep] = np.asarray([price_of[i] for i in ids[rep]]) + rng.integers(
                -1, 2, size=int(rep.sum())
            )
        ev = eng.process(cmd)
        batches.append(cmd)
        acks = ev[(ev["flags"] & EventKind.ACK) != 0]
        fin = ev[(ev["flags"] & EventKind.FINAL) != 0]
        for oid, own, px in zip(acks["order_id"], acks["owner"], acks["price"], strict=True):
            oid = int(oid)
            owner_of[oid] = int(own)
            price_of[oid] = int(px)
            live_set.add(oid)
        reps = ev[(ev["flags"] & EventKind.REPLACE) != 0]
        for oid, px in zip(reps["order_id"], reps["price"], strict=True):
            price_of[int(oid)] = int(px)
        for oid in fin["order_id"]:
            live_set.discard(int(oid))
        live = sorted(live_set)
    return batches, classes


def bench_engine(n_batches: int = 50, seed: int = 7, repeats: int = 3) -> None:
    """Replay recorded add/cancel/replace/IOC batches; print order events per second."""
    batches, classes = _record_engine_batches(n_batches, seed)
    n_cmd = sum(len(b) for b in batches)
    best = np.inf
    best_cpu = np.inf
    n_ev = 0
    for _ in range(repeats):
        eng = MatchingEngine(VenueConfig(), classes)
        t0 = time.perf_counter()
        c0 = time.process_time()
        for cmd in batches:
            n_ev += len(eng.process(cmd))
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    n_ev //= repeats
    kinds = np.concatenate([b["kind"] for b in batches])
    mix = {k.name: float(np.mean(kinds == k)) for k in CommandKind if np.any(kinds == k)}
    eng_check = MatchingEngine(VenueConfig(), classes)
    ev = np.concatenate([eng_check.process(c) for c in batches])
    fills = int(np.sum((ev["flags"] & EventKind.FILL) != 0)) // 2
    rejects = int(np.sum((ev["flags"] & EventKind.REJECT) != 0))
    print(f"engine: {n_cmd:,} commands, mix {', '.join(f'{k} {v:.0%}' for k, v in mix.items())}")
    print(
        f"        {fills:,} matches, {rejects:,} rejects, {n_ev:,} events emitted, "
        f"{eng_check.open_orders():,} orders resting at the end"
    )
    print(
        f"        best of {repeats}: wall {best:.3f} s -> {n_cmd / best:,.0f} order events/s "
        f"({n_ev / best:,.0f} emitted events/s), one thread"
    )
    print(f"        best of {repeats}: cpu  {best_cpu:.3f} s -> {n_cmd / best_cpu:,.0f} order "
          f"events/s (process CPU time: robust when the machine is shared)")  # fmt: skip


def bench_agent_day(seed: int = 1) -> None:
    """One full default day of agent flow, no desk attached; events per second (issue 4)."""
    from mmdesk.sim.config import ScenarioConfig
    from mmdesk.sim.loop import SimulationLoop

    warm = ScenarioConfig(seed=seed, calendar={"session_s": 600})  # type: ignore[arg-type]
    SimulationLoop(warm).run()  # numba kernels loaded from cache / compiled outside the timer
    loop = SimulationLoop(ScenarioConfig(seed=seed, loop={"journal": "none"}))  # type: ignore[arg-type]
    res = loop.run()
    cfg = loop.config
    print(
        f"agent day: {cfg.calendar.session_s:,} s session, {loop.listing.n_options} options, "
        f"{sum(len(p.tags) for p in loop.participants)} agent tags, seed {seed}"
    )
    print(f"        {res.n_commands:,} commands in, {res.n_events:,} venue events out")
    print(
        f"        wall {res.wall_s:.2f} s -> {res.events_per_second:,.0f} events/s; "
        f"cpu {res.cpu_s:.2f} s -> {res.events_per_cpu_second:,.0f} events/s "
        "(process CPU time: robust when the machine is shared)"
    )


SECTIONS: dict[str, Callable[[], None]] = {"engine": bench_engine, "agent-day": bench_agent_day}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--section", choices=sorted(SECTIONS), action="append")
    args = parser.parse_args()
    for name in args.section or list(SECTIONS):
        SECTIONS[name]()


if __name__ == "__main__":
    main()

"""No-breach audit of the default day with the desk's leaning switched on.

``uv run python benchmarks/leaning_audit.py [--seeds 1,2,3,4,5] [--off]``: for
each seed, one simulated day of the default scenario with
``desk.flow.leaning.enabled = true`` (``--off``: the default, leaning off), the
desk's P&L, its own max limit utilisation, the independent audit's
(:func:`mmdesk.desk.audit.audit_journal`, recomputed from the journal's fills
and marks) and the limits the audit finds breached (must be empty, max < 1),
and the journal digest.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from mmdesk.desk.audit import audit_journal
from mmdesk.desk.central import CentralBook


def one_day(seed: int, leaning: bool) -> dict[str, Any]:
    """One default-scenario day with leaning on or off; P&L and the limit audit."""
    from mmdesk.sim.config import ScenarioConfig
    from mmdesk.sim.loop import DESK_OWNER, SimulationLoop
    from mmdesk.sim.run import RunConfig, listing_frame, summarise

    base = RunConfig(scenario=ScenarioConfig(seed=seed))
    flow = base.desk.flow
    desk_cfg = base.desk.model_copy(
        update={
            "flow": flow.model_copy(
                update={"leaning": flow.leaning.model_copy(update={"enabled": leaning})}
            )
        }
    )
    cfg = RunConfig(scenario=base.scenario, desk=desk_cfg)
    desk = CentralBook(cfg.desk, owner_id=DESK_OWNER)
    c0 = time.process_time()
    loop = SimulationLoop(cfg.scenario, desk)
    desk.clock = loop.clock.now_ns
    result = loop.run()
    desk.finish(loop.sessions[-1][1])
    summary = summarise(cfg, "bench", desk, result)
    j = desk.journal
    sc = cfg.scenario
    audit = audit_journal(
        j.frame("fills"), j.frame("marks"), listing_frame(desk), cfg.desk.limits,
        sc.rate, sc.div_yield,
    )  # fmt: skip
    return {
        "seed": seed,
        "cpu_s": time.process_time() - c0,
        "pnl": summary["pnl"],
        "max_use_desk": summary["max_utilisation"],
        "max_use_audit": max(audit.max_utilisation.values()),
        "breached": audit.breached,
        "journal_digest": summary["journal_digest"][:16],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", default="1,2,3,4,5", help="comma-separated seeds")
    ap.add_argument("--off", action="store_true", help="leaning off (the default desk)")
    args = ap.parse_args()
    worst = 0.0
    for s in (int(x) for x in args.seeds.split(",")):
        d = one_day(s, leaning=not args.off)
        worst = max(worst, d["max_use_audit"])
        print(
            f"seed {d['seed']}: leaning {'off' if args.off else 'on'}, P&L {d['pnl']:,.0f}, "
            f"max utilisation desk {d['max_use_desk']:.3f} audit {d['max_use_audit']:.3f}, "
            f"breached {d['breached']}, digest {d['journal_digest']} ({d['cpu_s']:.0f} s CPU)"
        )
    print(f"worst audit utilisation {worst:.3f} ({'no breach' if worst < 1 else 'BREACH'})")


if __name__ == "__main__":
    main()

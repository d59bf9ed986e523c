"""Limit audit of multi-day runs of the default scenario (expiry days and nights included).

``uv run python benchmarks/multiday_audit.py [--days 3] [--seeds 1,2,3,4,5]``: for
each seed, ``--days`` trading days of the default scenario with the central book
(its front expiry settles at the second day's close), the desk's P&L, the
independent audit's largest utilisation per limit
(:func:`mmdesk.desk.audit.audit_journal`, recomputed from the journal's fills and
marks) and, for each limit crossed, how many marks were over it and when the
first was (calendar day since the first session, hours since midnight).
"""

from __future__ import annotations

import argparse

import polars as pl

from mmdesk.desk.audit import audit_journal
from mmdesk.sim.config import ScenarioConfig
from mmdesk.sim.run import RunConfig, listing_frame, run_desk

NS_PER_DAY = 86_400 * 1_000_000_000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--days", type=int, default=3, help="trading days per run")
    ap.add_argument("--seeds", default="1,2,3,4,5", help="comma-separated seeds")
    args = ap.parse_args()
    for seed in (int(x) for x in args.seeds.split(",")):
        cfg = RunConfig(scenario=ScenarioConfig(seed=seed, days=args.days))
        out = run_desk(cfg)
        j, sc = out.desk.journal, cfg.scenario
        audit = audit_journal(
            j.frame("fills"), j.frame("marks"), listing_frame(out.desk), cfg.desk.limits,
            sc.rate, sc.div_yield,
        )  # fmt: skip
        top = {k: round(v, 2) for k, v in audit.max_utilisation.items() if v > 0.5}
        print(f"seed {seed}: P&L {out.summary['pnl']:,.0f}, max utilisation {top}")
        first_day = int(audit.table["ts_ns"][0]) // NS_PER_DAY
        for limit in audit.breached:
            over = audit.table.filter(pl.col(f"use_{limit}") > 1.0)["ts_ns"]
            ts = int(over[0])
            print(
                f"  {limit}: {over.len()} marks over the limit, the first on calendar day "
                f"{ts // NS_PER_DAY - first_day} at {(ts % NS_PER_DAY) / 3.6e12:.3f} h"
            )


if __name__ == "__main__":
    main()

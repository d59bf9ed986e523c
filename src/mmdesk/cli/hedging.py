"""``mmdesk experiment hedging``: Whalley–Wilmott against fixed-interval hedging."""

from __future__ import annotations

import math
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mmdesk.experiments.hedging import HedgingExperimentConfig, frontier_std_at, run

_SHORT = {
    "whalley_wilmott": "Whalley-Wilmott γ",
    "fixed_interval": "fixed interval s",
    "fixed_band": "fixed band shares",
    "zakamouline": "Zakamouline γ",
}


def hedging(
    paths: Annotated[int, typer.Option("--paths", min=2, help="Paths per policy.")] = 100,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Root seed.")] = 1,
    step_s: Annotated[int, typer.Option("--step-s", min=1, help="Hedger decision step, s.")] = 30,
) -> None:
    """Hedge one short-gamma book on the same paths with every policy; print the frontier table."""
    cfg = HedgingExperimentConfig(n_paths=paths, seed=seed, step_s=step_s)
    console = Console(width=max(Console().width, 120))
    console.print(
        f"[bold]Delta-hedging a book of {cfg.contracts:+.0f} straddles[/] (K={cfg.strike}, "
        f"{cfg.expiry_days:g} days, vol {cfg.vol}), one day, {cfg.n_paths} GBM paths (seed "
        f"{cfg.seed}), decision every {cfg.step_s} s; cost/share = {cfg.half_spread} spread + "
        f"{cfg.fee} fee + {cfg.impact:g}·|q| impact. Same paths for every policy."
    )
    results = run(cfg)
    table = Table()
    for col in (
        "policy",
        "setting",
        "mean cost",
        "P&L std",
        "mean P&L",
        "trades",
        "WW std at this cost",
        "dominated by WW",
    ):
        table.add_column(col, justify="right")
    dominated = []
    for r in results:
        ww = frontier_std_at(results, "whalley_wilmott", r.mean_cost)
        dom = (
            ""
            if r.policy == "whalley_wilmott" or math.isnan(ww)
            else ("yes" if ww < r.pnl_std else "no")
        )
        if r.policy == "fixed_interval" and dom:
            dominated.append(dom == "yes")
        table.add_row(
            _SHORT.get(r.policy, r.policy),
            f"{r.setting:g}",
            f"{r.mean_cost:,.1f}",
            f"{r.pnl_std:,.1f}",
            f"{r.mean_pnl:,.1f}",
            f"{r.trades:.1f}",
            "" if math.isnan(ww) else f"{ww:,.1f}",
            dom,
        )
    console.print(table)
    console.print(
        f"Fixed-interval settings inside Whalley–Wilmott's cost range: {len(dominated)}; "
        f"below WW's frontier at equal cost: [bold]{sum(dominated)}[/] of {len(dominated)} "
        "(the WW frontier is better where it has the lower P&L std at the same mean cost)."
    )

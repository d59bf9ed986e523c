"""``mmdesk experiment flow``: spread capture, attribution residual and classifier accuracy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from mmdesk.cli import params
from mmdesk.experiments.flow import (
    analyse_dirs,
    leaning_arms,
    leaning_comparison,
    leaning_effect,
    run_seeds,
)
from mmdesk.report.rundir import RunDirError


def flow(
    runs: Annotated[
        list[Path] | None,
        typer.Argument(help="Existing run directories (default: simulate the seeds)."),
    ] = None,
    seeds: Annotated[str, typer.Option("--seeds", help="Seeds to simulate, e.g. 1-5.")] = "1-5",
    out: Annotated[Path, typer.Option("--out", help="Parent of new run directories.")] = Path(
        "runs"
    ),
) -> None:
    """Measure the flow and attribution acceptance figures over seeds (one day each)."""
    console = Console()
    if not runs:
        runs = run_seeds(params.seeds(seeds), out, progress=lambda m: console.print(f"[dim]{m}[/]"))
    try:
        rows = analyse_dirs(runs)
    except RunDirError as exc:
        raise typer.BadParameter(str(exc), param_hint="RUNS") from None
    table = Table(title="Flow reading and P&L attribution (default scenario, one day per seed)")
    for name in (
        "seed",
        "P&L",
        "edge",
        "edge/P&L",
        "edge/gains",
        "|resid|/gross",
        "|resid|/|P&L|",
        "tags right (desk, online)",
        "wrong",
        "tags right (post-trade)",
        "wrong ",
        "hidden-tag bal. acc.",
    ):
        table.add_column(name, justify="right")
    for r in rows:
        table.add_row(
            str(r["seed"]),
            f"{r['pnl']:,.0f}",
            f"{r['edge']:,.0f}",
            f"{r['edge_share_of_pnl']:.2f}",
            f"{r['edge_share_of_gains']:.0%}",
            f"{r['residual_share_gross']:.2%}",
            f"{r['residual_share_pnl']:.2%}",
            f"{r['online_tags_right']}/{r['online_tags_labelled']}",
            ",".join(str(t) for t in r["online_wrong_tags"]) or "-",
            f"{r['posthoc_tags_right']}/{r['posthoc_tags_labelled']}",
            ",".join(str(t) for t in r["posthoc_wrong_tags"]) or "-",
            f"{r['feature_balanced_accuracy']:.3f} (n={r['feature_test_fills']})",
        )
    console.print(table)
    bal = np.array([r["feature_balanced_accuracy"] for r in rows])
    sd = float(bal.std(ddof=1)) if bal.size > 1 else 0.0
    for who, key in (("desk's online read", "online"), ("post-trade classifier", "posthoc")):
        acc = np.array([r[f"{key}_tags_right"] / max(r[f"{key}_tags_labelled"], 1) for r in rows])
        console.print(f"tag accuracy, {who}: {acc.mean():.1%} (min {acc.min():.1%})")
    console.print(
        f"hidden-tag balanced accuracy mean {bal.mean():.3f} vs chance 0.500 "
        f"(sd over runs {sd:.3f})"
    )
    console.print(
        "[dim]gross = Σ|component| (edge, fees, greeks, re-marks, hedge cost, settlement); "
        "edge/gains = spread capture over the sum of the positive components; tags judged: "
        "informed and vol-informed must be smart, noise and institutional dumb, by toxicity = "
        "−(hedged markout − edge)/qty (the adverse selection, spread excluded) against the "
        "rest of the flow; online = the "
        "desk's own read at its last refresh (running hedged markouts at its theo), post-trade "
        "= markouts to the close on the journal's tape.[/]"
    )


def leaning(
    seeds: Annotated[str, typer.Option("--seeds", help="Seeds to simulate, e.g. 1-5.")] = "1-5",
    out: Annotated[Path, typer.Option("--out", help="Parent of new run directories.")] = Path(
        "runs"
    ),
    days: Annotated[int, typer.Option("--days", min=1, help="Trading days per run.")] = 1,
) -> None:
    """Leaning off vs on over the same seeds: loss to smart flow per contract and total P&L."""
    console = Console()
    rows = leaning_comparison(
        params.seeds(seeds), out, progress=lambda m: console.print(f"[dim]{m}[/]"), days=days
    )
    table = Table(title=f"Leaning against smart flow (default scenario, {days} day(s) per seed)")
    for name in ("seed", "leaning", "smart contracts", "smart loss/contract",
                 "dumb contracts", "dumb loss/contract", "P&L"):  # fmt: skip
        table.add_column(name, justify="right")
    for r in rows:
        table.add_row(
            str(r["seed"]),
            "on" if r["leaning"] else "off",
            f"{r['smart_contracts']:,.0f}",
            f"{r['smart_loss_per_contract']:.3f}",
            f"{r['dumb_contracts']:,.0f}",
            f"{r['dumb_loss_per_contract']:.3f}",
            f"{r['pnl']:,.0f}",
        )
    console.print(table)
    off, on = leaning_arms(rows)
    d_loss = np.array([b["smart_loss_per_contract"] - a["smart_loss_per_contract"]
                       for a, b in zip(off, on, strict=True)])  # fmt: skip
    d_pnl = np.array([b["pnl"] - a["pnl"] for a, b in zip(off, on, strict=True)])
    console.print(
        f"on − off, per seed: smart loss/contract {np.round(d_loss, 3).tolist()} "
        f"(lower on {int((d_loss < 0).sum())}/{d_loss.size} seeds, mean {d_loss.mean():+.3f}); "
        f"P&L {np.round(d_pnl, 0).tolist()} (mean {d_pnl.mean():+,.0f}, total "
        f"{d_pnl.sum():+,.0f})"
    )
    eff = leaning_effect(rows)
    console.print(
        f"pooled over the seeds: smart loss/contract {eff['on']:.3f} on against {eff['off']:.3f} "
        f"off, on − off {eff['diff']:+.3f} (90% interval {eff['diff_lo']:+.3f} to "
        f"{eff['diff_hi']:+.3f}); P&L on − off {eff['pnl_diff']:+,.0f} (90% interval "
        f"{eff['pnl_lo']:+,.0f} to {eff['pnl_hi']:+,.0f}); paired bootstrap over seeds"
    )
    console.print(
        "[dim]loss = −Σ delta-hedged markout to the close / Σ contracts, currency per contract; "
        "smart = informed + vol-informed agents, dumb = noise + institutional (simulator truth)."
        "[/]"
    )

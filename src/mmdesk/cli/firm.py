"""``mmdesk experiment firm``: the central book alone, with a prop book crossing or on the venue."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from mmdesk.cli import params
from mmdesk.experiments.firm import FirmConfig, PropKind, run_experiment, summarise

_ARM_NAMES = {
    "a": "a: central alone",
    "b": "b: + informed prop, crossing",
    "c": "c: + informed prop, venue",
    "d": "d: + uninformed prop, crossing",
}


def _f(x: float, fmt: str = ",.0f") -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def _stats(s: dict[str, Any]) -> str:
    return f"{_f(s['sharpe'], '.1f')} / {s['down_days']}/{s['days']}"


def print_report(summary: dict[str, Any], console: Console) -> None:
    """Print the experiment's tables."""
    arms = summary["arms"]
    t = Table(title="Per book: mean P&L per run; daily Sharpe (√252) / down days, pooled")
    for c in ("arm", "central P&L", "prop P&L", "firm P&L", "central", "prop", "firm"):
        t.add_column(c, justify="right")
    for arm, a in arms.items():
        has_prop = arm != "a"
        t.add_row(
            _ARM_NAMES.get(arm, arm),
            _f(a["central_pnl"]),
            _f(a["prop_pnl"]) if has_prop else "-",
            _f(a["firm_pnl"]),
            _stats(a["central"]),
            _stats(a["prop"]) if has_prop else "-",
            _stats(a["firm"]),
        )
    console.print(t)
    t = Table(title="Central book: market making vs internalisation, inventory, transmission")
    for c in (
        "arm",
        "MM P&L",
        "internalisation",
        "mean |Δ| sh",
        "max |Δ| sh",
        "shares hedged",
        "corr(signal, skew)",
        "corr(signal, skew change)",
        "corr(signal, lean)",
    ):
        t.add_column(c, justify="right")
    for arm, a in arms.items():
        t.add_row(
            _ARM_NAMES.get(arm, arm),
            _f(a["market_making"]),
            _f(a["internalisation"]),
            _f(a["delta_abs_mean"]),
            _f(a["delta_abs_max"]),
            _f(a["shares_hedged"]),
            _f(a["corr_signal_skew"], ".2f"),
            _f(a["corr_signal_skew_change"], ".2f"),
            _f(a["corr_signal_lean"], ".2f"),
        )
    console.print(t)
    trans = summary.get("transmission", {})
    if trans:
        t = Table(
            title="Transmission net of the market: corr(prop signal, central short factor − a's), "
            "per decision window"
        )
        for c in ("arm", "per seed", "pooled", "95% interval", "windows", "venue fills vs central"):
            t.add_column(c, justify="right")
        for arm, tr in trans.items():
            ci = tr["ci"]
            share = arms.get(arm, {}).get("venue_share_with_central", math.nan)
            t.add_row(
                _ARM_NAMES.get(arm, arm),
                " ".join(_f(p["corr"], "+.2f") for p in tr["per_seed"]),
                _f(tr["pooled"], "+.3f"),
                f"{ci[0]:+.3f} .. {ci[1]:+.3f}" if ci is not None else "-",
                str(tr["n"]),
                _f(share, ".0%"),
            )
        console.print(t)
    t = Table(title="(b) vs (c): the prop book's execution cost and the firm (currency per run)")
    for c in (
        "seed",
        "prop cost b (adj.)",
        "prop cost c (spread+impact+fees)",
        "saved by crossing",
        "firm b",
        "a + prop c",
        "firm c",
    ):
        t.add_column(c, justify="right")
    for r in summary["b_vs_c"]:
        t.add_row(
            str(r["seed"]),
            _f(r["prop_cost_b"]),
            _f(r["prop_cost_c"]),
            _f(r["saved_by_crossing"]),
            _f(r["firm_b"]),
            _f(r["a_plus_c_prop"]),
            _f(r["firm_c"]),
        )
    console.print(t)
    t = Table(title="(d) the uninformed prop book: what it pays, what the central book earns")
    for c in ("seed", "prop paid (adj.)", "central income", "prop P&L", "central − a", "firm − a"):
        t.add_column(c, justify="right")
    for r in summary["d"]:
        t.add_row(
            str(r["seed"]),
            _f(r["prop_paid"]),
            _f(r["central_income"]),
            _f(r["prop_pnl"]),
            _f(r["central_pnl_vs_a"]),
            _f(r["firm_vs_a"]),
        )
    console.print(t)
    cpu = sum(a["cpu_s"] for a in arms.values())
    console.print(
        f"firm P&L = Σ books, max |replay − sum| = {summary['max_firm_mismatch']:.2e} currency; "
        f"simulation CPU {cpu:,.0f} s (sum over runs)"
    )


def firm(
    seeds: Annotated[str, typer.Option("--seeds", help="Seeds, e.g. 1-5 or 1,3.")] = "1-5",
    days: Annotated[int, typer.Option("--days", help="Trading days per run.")] = 3,
    session_s: Annotated[
        int, typer.Option("--session-s", help="Session length, seconds (default 6.5 h).")
    ] = 23_400,
    prop: Annotated[
        PropKind,
        typer.Option("--prop", help="Informed prop: volatility (options) or directional."),
    ] = PropKind.VOLATILITY,
    quality: Annotated[
        float, typer.Option("--quality", help="Informed signal's correlation with the move.")
    ] = 0.3,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes (runs in parallel).")
    ] = 2,
    save: Annotated[Path | None, typer.Option("--save", help="Write the rows as JSON.")] = None,
    load: Annotated[
        Path | None, typer.Option("--load", help="Report rows saved by --save (no simulation).")
    ] = None,
) -> None:
    """Central book alone (a); + informed prop crossing (b) or on the venue (c); uninformed (d)."""
    console = Console()
    if load is not None:
        try:
            rows = json.loads(load.read_text())
        except (OSError, ValueError) as exc:
            raise typer.BadParameter(f"--load={str(load)!r}: {exc}") from None
    else:
        base = FirmConfig().model_dump()
        cfg = params.config(
            FirmConfig,
            {
                "days": "--days",
                "session_s": "--session-s",
                "prop": "--prop",
                "directional.quality": "--quality",
            },
            base
            | {
                "days": days,
                "session_s": session_s,
                "prop": prop,
                "directional": base["directional"] | {"quality": quality},
            },
        )
        wall0, cpu0 = time.perf_counter(), time.process_time()
        rows = run_experiment(
            params.seeds(seeds),
            config=cfg,
            workers=workers,
            progress=lambda m: console.print(f"[dim]{m}[/]"),
        )
        console.print(
            f"wall {time.perf_counter() - wall0:,.0f} s, this process's CPU "
            f"{time.process_time() - cpu0:,.1f} s (runs in {workers} worker processes)"
        )
        if save is not None:
            save.write_text(json.dumps(rows, indent=1, default=float))
    print_report(summarise(rows), console)

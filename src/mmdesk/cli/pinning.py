"""``mmdesk experiment pinning``: delta-hedgers of one strike in the simulated venue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import plotly.graph_objects as go
import typer
from rich.console import Console
from rich.table import Table

from mmdesk.cli import params
from mmdesk.experiments.pinning import Arm, PinningConfig, PinningResult, run


def render(result: PinningResult, console: Console) -> None:
    """Print the table: pin probability, tests against control, dispersion of S_T."""
    cfg = result.config
    console.print(
        f"[bold]Pinning in the simulated venue[/]: strike {result.strike:g} = initial spot, "
        f"last {cfg.session_hours:g} h to the expiry close, GBM σ = {cfg.sigma:g}, "
        f"hedgers ±{cfg.contracts:g} contracts × {cfg.multiplier:g} re-hedging every "
        f"{cfg.hedger_timer_ms / 1000:g} s, impact {cfg.impact_lam:g}/share "
        f"({cfg.permanent_fraction:.0%} permanent), LPs {cfg.lp_size} shares at the touch; "
        f"{cfg.n_paths} paths per arm, seeds {cfg.seed}..{cfg.seed + cfg.n_paths - 1} "
        "(the same exogenous paths in every arm)."
    )
    table = Table(title=f"settling within ±{cfg.band_pct:.2%} of the strike (±{result.band:g})")
    for name in (
        "arm",
        "paths",
        "in band",
        "P(in band)",
        "Fisher p (>)",
        "z-test p (>)",
        "std S_T",
        "mean |S_T−K|",
        "spread p (B–F)",
    ):
        table.add_column(name, justify="right")
    for a in result.arms:
        dev = a.settle - result.strike
        table.add_row(
            a.arm.value,
            str(a.n),
            str(a.in_band),
            f"{a.pin_probability:.3f}",
            "" if np.isnan(a.p_fisher) else f"{a.p_fisher:.2g}",
            "" if np.isnan(a.p_ztest) else f"{a.p_ztest:.2g}",
            f"{float(np.std(dev, ddof=1)):.3f}",
            f"{float(np.mean(np.abs(dev))):.3f}",
            "" if np.isnan(a.p_spread) else f"{a.p_spread:.2g}",
        )
    console.print(table)
    console.print(
        "[dim]Fisher p: one-sided Fisher exact test, H1 = higher pin probability than "
        "control; z-test p: pooled two-proportion z-test, same H1; spread p: Brown–Forsythe "
        "test of equal dispersion of S_T vs control.[/]"
    )


def write_histogram(result: PinningResult, path: Path) -> Path:
    """Self-contained plotly HTML: histograms of S_T − K per arm."""
    fig = go.Figure()
    width = max(result.band / 2, 1e-6)
    for a in result.arms:
        fig.add_trace(
            go.Histogram(
                x=a.settle - result.strike,
                name=f"{a.arm.value} (P in band {a.pin_probability:.3f})",
                opacity=0.55,
                xbins={"size": width},
            )
        )
    for x in (-result.band, result.band):
        fig.add_vline(x=x, line_dash="dot", line_color="black")
    fig.update_layout(
        barmode="overlay",
        title="Settlement minus strike, S_T − K (dotted: the pin band)",
        xaxis_title="S_T − K (currency)",
        yaxis_title="paths",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(path, include_plotlyjs=True)
    return path


def pinning(
    paths: Annotated[int, typer.Option(help="Seeded paths per arm.")] = 1000,
    seed: Annotated[int, typer.Option(help="First seed.")] = 0,
    contracts: Annotated[float, typer.Option(help="Options the hedgers hold.")] = (
        PinningConfig.model_fields["contracts"].default
    ),
    impact_lam: Annotated[float, typer.Option(help="Impact per share, currency.")] = (
        PinningConfig.model_fields["impact_lam"].default
    ),
    hours: Annotated[float, typer.Option(help="Hours simulated before the close.")] = (
        PinningConfig.model_fields["session_hours"].default
    ),
    workers: Annotated[int, typer.Option(help="Processes running paths.")] = 2,
    out: Annotated[Path, typer.Option(help="Directory for the histogram HTML.")] = Path(
        "reports/pinning"
    ),
) -> None:
    """Hedgers long vs short gamma at one strike vs no hedgers: who pins, who repels."""
    cfg = params.config(
        PinningConfig,
        {
            "n_paths": "--paths",
            "seed": "--seed",
            "contracts": "--contracts",
            "impact_lam": "--impact-lam",
            "session_hours": "--hours",
            "workers": "--workers",
        },
        {
            "n_paths": paths,
            "seed": seed,
            "contracts": contracts,
            "impact_lam": impact_lam,
            "session_hours": hours,
            "workers": workers,
        },
    )
    console = Console(width=max(Console().width, 140))
    result = run(cfg)
    render(result, console)
    path = write_histogram(result, out / "pinning_histogram.html")
    console.print(f"histogram: {path}")
    long_ = result.arm(Arm.LONG_GAMMA)
    short = result.arm(Arm.SHORT_GAMMA)
    console.print(
        f"long gamma: pin probability {long_.pin_probability:.3f} vs control "
        f"{result.arm(Arm.CONTROL).pin_probability:.3f} (Fisher p = {long_.p_fisher:.2g}); "
        f"short gamma: {short.pin_probability:.3f} (Fisher p = {short.p_fisher:.2g})."
    )

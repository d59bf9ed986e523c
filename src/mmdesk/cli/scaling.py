"""``mmdesk experiment scaling``: does a pure market-making book scale with volume and vol?"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from mmdesk.cli import params
from mmdesk.experiments.scaling import (
    BUILTIN_INFORMED_SHARE,
    CLAIM_DOWN_SHARE,
    CLAIM_SHARPE,
    ScalingConfig,
    run_scaling,
    summarise_cells,
    verdict,
)


def _floats(text: str, name: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise typer.BadParameter(f"{name}={text!r} must be comma-separated numbers") from None


def scaling_figure(cells: pl.DataFrame) -> Any:
    """Sharpe (√252) and P&L/day against volume, one line per vol, one column per informed share."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    shares = sorted(cells["informed_share"].unique().to_list())
    vols = sorted(cells["vol"].unique().to_list())
    fig = make_subplots(
        rows=2,
        cols=len(shares),
        shared_xaxes=True,
        subplot_titles=[f"informed share {s:g}" for s in shares] + [""] * len(shares),
    )
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
    for c, share in enumerate(shares, start=1):
        for k, vol in enumerate(vols):
            d = cells.filter((pl.col("informed_share") == share) & (pl.col("vol") == vol)).sort(
                "volume"
            )
            style = {"color": colours[k % len(colours)]}
            for r, col in ((1, "sharpe"), (2, "pnl_per_day")):
                fig.add_trace(
                    go.Scatter(
                        x=d["volume"].to_list(),
                        y=d[col].to_list(),
                        mode="lines+markers",
                        name=f"vol {vol:g}",
                        legendgroup=f"vol {vol:g}",
                        showlegend=(c == 1 and r == 1),
                        line=style,
                    ),
                    row=r,
                    col=c,
                )
        fig.add_hline(y=CLAIM_SHARPE, line_dash="dot", row=1, col=c)
        fig.update_xaxes(title_text="volume (× built-in taker flow)", type="log", row=2, col=c)
    fig.update_yaxes(title_text="daily Sharpe × √252", row=1, col=1)
    fig.update_yaxes(title_text="P&L per day (currency)", row=2, col=1)
    fig.update_layout(
        title="Central book alone: Sharpe and P&L/day vs volume and volatility", height=700
    )
    return fig


def scaling(
    volumes: Annotated[
        str, typer.Option("--volumes", help="Taker-flow multipliers (1 = built-in flow).")
    ] = "0.5,1,2",
    vols: Annotated[
        str, typer.Option("--vols", help="Annualised vols of the fair value.")
    ] = "0.1,0.2,0.4",
    informed: Annotated[
        str,
        typer.Option(
            "--informed",
            help=f"Informed shares of taker arrivals (built-in ≈ {BUILTIN_INFORMED_SHARE:.2f}).",
        ),
    ] = "0.1,0.4",
    seeds: Annotated[str, typer.Option("--seeds", help="Seeds, e.g. 1-5.")] = "1-5",
    days: Annotated[int, typer.Option("--days", min=1, help="Trading days per run.")] = 20,
    full_scenario: Annotated[
        bool,
        typer.Option(
            "--full-scenario",
            help="Built-in chain, timers and journals instead of the reduced scaling scenario.",
        ),
    ] = False,
    address: Annotated[
        str | None, typer.Option("--address", help="Ray cluster to join (default: local Ray).")
    ] = None,
    num_cpus: Annotated[
        int | None, typer.Option("--num-cpus", min=1, help="CPUs of the local Ray.")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Sweep table (Parquet, one row per cell × seed).")
    ] = Path("runs/scaling.parquet"),
    plot: Annotated[Path, typer.Option("--plot", help="Plot of Sharpe and P&L/day (HTML).")] = Path(
        "runs/scaling.html"
    ),
    from_table: Annotated[
        Path | None,
        typer.Option(
            "--from-table",
            help="Report an existing sweep table (or its .partial checkpoint) without running.",
        ),
    ] = None,
) -> None:
    """Sweep volume × vol × informed share over seeds with the central book alone.

    Per cell: daily Sharpe (mean/sd of daily P&L pooled over seeds, × √252),
    share of down days, P&L per day and per contract; then whether the claim
    'Sharpe > 10, about no down days, but P&L is a function of volume and
    volatility' holds, and where. Runs on Ray (local, or --address).

    By default every run uses the REDUCED SCALING SCENARIO
    (mmdesk.experiments.scaling): 4 weekly expiries (days 4, 9, 14, 19) and a
    monthly (day 39) × 5 strikes, every agent acting every 20 s (not 5 s),
    the book's timer every 30 s; the flow, its informed share, the vol and the
    book's quoting, hedging and limits are the built-in ones.
    """
    cfg = params.config(
        ScalingConfig,
        {
            "volumes": "--volumes",
            "vols": "--vols",
            "informed_shares": "--informed",
            "seeds": "--seeds",
            "days": "--days",
        },
        {
            "volumes": _floats(volumes, "--volumes"),
            "vols": _floats(vols, "--vols"),
            "informed_shares": _floats(informed, "--informed"),
            "seeds": tuple(params.seeds(seeds)),
            "days": days,
            "reduced": not full_scenario,
        },
    )
    console = Console(width=max(Console().width, 150))
    if from_table is not None:
        if not from_table.exists():
            raise typer.BadParameter(f"--from-table={from_table} does not exist")
        t = pl.read_parquet(from_table)
        wall = t["sweep_wall_s"].drop_nulls()
        console.print(
            f"[bold]Scaling sweep table[/] {from_table}: {t.height} runs "
            f"({t['n_days'].sum():,} simulated days)"
            + ("" if wall.len() else " — PARTIAL (checkpoint of an unfinished sweep)")
        )
        failed = t.filter(pl.col("status") != "ok")
        for r in failed.iter_rows(named=True):
            console.print(f"[red]FAILED[/] cell {r['cell']} seed {r['seed']}: {r['error']}")
        _report(console, t, plot)
        cpu = float(t["task_cpu_s"].fill_null(0.0).sum())
        if wall.len():
            console.print(
                f"[bold]Sweep wall time: {float(wall[0]):,.1f} s[/] ({t.height} runs, "
                f"{failed.height} failed; tasks' CPU {cpu:,.0f} s summed over workers)"
            )
        return
    n_runs = len(cfg.cells()) * len(cfg.seeds)
    console.print(
        f"[bold]Scaling sweep[/]: {len(cfg.cells())} cells × {len(cfg.seeds)} seeds × "
        f"{cfg.days} days = {n_runs * cfg.days:,} simulated days "
        f"({'reduced scaling' if cfg.reduced else 'built-in'} scenario) on "
        f"{address or 'local Ray'}"
    )
    res = run_scaling(cfg, str(out), address=address, num_cpus=num_cpus)
    for f in res.failures:
        console.print(f"[red]FAILED[/] cell {f.cell} {f.params} seed {f.seed}: {f.error}")
    _report(console, res.table, plot)
    console.print(
        f"[bold]Sweep wall time: {res.wall_s:,.1f} s[/] ({n_runs} runs, "
        f"{len(res.failures)} failed; tasks' CPU {res.cpu_s:,.0f} s summed over workers)"
    )


def _report(console: Console, sweep: pl.DataFrame, plot: Path) -> None:
    """Per-cell table, verdict and plot of a sweep table."""
    cells = summarise_cells(sweep)
    table = Table(title="Central book alone, per cell (daily P&L pooled over seeds)")
    for name in (
        "volume",
        "vol",
        "informed",
        "seeds",
        "Sharpe (×√252)",
        "seed Sharpe min..max",
        "down days",
        "P&L/day",
        "sd/day",
        "P&L/contract",
        "contracts/day",
        "edge/day",
        "max util.",
        "claim",
    ):
        table.add_column(name, justify="right")

    def num(v: Any, fmt: str) -> str:
        return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)

    for r in cells.iter_rows(named=True):
        table.add_row(
            f"{r['volume']:g}",
            f"{r['vol']:g}",
            f"{r['informed_share']:g}",
            str(r["seeds"]),
            num(r["sharpe"], ".1f"),
            f"{num(r['sharpe_seed_min'], '.1f')}..{num(r['sharpe_seed_max'], '.1f')}",
            num(r["down_share"], ".0%"),
            num(r["pnl_per_day"], ",.0f"),
            num(r["pnl_per_day_sd"], ",.0f"),
            num(r["pnl_per_contract"], ".2f"),
            num(r["contracts_per_day"], ",.0f"),
            num(r["edge_per_day"], ",.0f"),
            num(r["max_utilisation"], ".1f"),
            "holds" if r["claim_holds"] else "no",
        )
    console.print(table)
    for line in verdict(cells):
        console.print(line)
    plot.parent.mkdir(parents=True, exist_ok=True)
    scaling_figure(cells).write_html(plot, include_plotlyjs=True)
    console.print(
        f"[dim]Sharpe = mean/sd of daily P&L × √252; claim = Sharpe > {CLAIM_SHARPE:g} and "
        f"≤ {CLAIM_DOWN_SHARE:.0%} down days; edge/day = spread captured against theo; max util. "
        f"= largest limit utilisation (> 1: over a limit). Query the sweep table with "
        f"mmdesk.experiments.sweep.query_sweep; plot: {plot}.[/]"
    )

"""``mmdesk simulate``: run the central book in the market simulator and keep the run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mmdesk.report.html import write_report
from mmdesk.sim.run import RunConfig, RunConfigError, load_run_config, run_desk, write_run


def _summary_table(summary: dict[str, Any], run_dir: Path) -> Table:
    table = Table(title=f"run {summary['run_id']}  →  {run_dir}", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        (
            "seed / days / options",
            f"{summary['seed']} / {summary['days']} / {summary['n_options']}",
        ),
        ("P&L (marked to theo)", f"{summary['pnl']:,.2f}"),
        ("P&L per day", ", ".join(f"{x:,.0f}" for x in summary["pnl_per_day"])),
        ("edge captured vs theo", f"{summary['edge_captured']:,.2f}"),
        ("fees (− = rebates)", f"{summary['fees']:,.2f}"),
        ("option fills / contracts", f"{summary['option_fills']} / {summary['contracts_traded']}"),
        ("hedge fills / shares", f"{summary['hedge_fills']} / {summary['shares_hedged']}"),
        ("final delta / vega", f"{summary['final_delta']:,.0f} / {summary['final_vega']:,.0f}"),
        ("max limit utilisation", f"{summary['max_utilisation']:.3f}"),
        ("final gate state", summary["final_state"]),
        ("risk events", ", ".join(f"{k}={v}" for k, v in summary["risk_events"].items()) or "-"),
        ("wall time (s)", f"{summary['wall_s']:.1f}"),
    ]
    for k, v in rows:
        table.add_row(k, v)
    return table


def simulate(
    config: Annotated[
        Path | None,
        typer.Option("--config", help="TOML run file (\\[scenario] and \\[desk] tables)."),
    ] = None,
    days: Annotated[int | None, typer.Option("--days", min=1, help="Trading days.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Root seed.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Parent directory of the run.")] = Path("runs"),
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Run the central book in the simulator (built-in default market without --config)."""
    console = Console()
    err = Console(stderr=True)
    try:
        cfg = load_run_config(config) if config is not None else RunConfig()
    except RunConfigError as exc:
        err.print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(code=2) from None
    overrides: dict[str, int] = {}
    if days is not None:
        overrides["days"] = days
    if seed is not None:
        overrides["seed"] = seed
    if overrides:
        cfg = cfg.model_copy(update={"scenario": cfg.scenario.model_copy(update=overrides)})
    with Progress(
        TextColumn("[bold]simulating[/] {task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task(f"{cfg.scenario.days} day(s), seed {cfg.scenario.seed}", total=1.0)
        output = run_desk(cfg, progress=lambda f: progress.update(task, completed=f))
    run_dir = write_run(output, out)
    console.print(_summary_table(output.summary, run_dir))
    with console.status("writing report.html"):
        report = write_report(run_dir)
    console.print(f"report: {report}")

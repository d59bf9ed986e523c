"""``mmdesk experiment avellaneda-stoikov``: reproduce the A–S (2008) simulation tables."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mmdesk.experiments.avellaneda_stoikov import (
    ASConfig,
    FillReference,
    PriceStep,
    SpreadModel,
    Strategy,
)
from mmdesk.experiments.avellaneda_stoikov_table import (
    COLUMNS,
    PUBLISHED,
    PUBLISHED_GAMMAS,
    PUBLISHED_N,
    PUBLISHED_SOURCE,
    Z_MAX,
    Cell,
    ExperimentResult,
    run,
    sweep_readings,
)
from mmdesk.venue.intensity import FillProbability

#: Cells shown in the readings table: the ones the readings disagree on.
_READING_CELLS: tuple[tuple[float, Strategy, str], ...] = (
    (0.5, Strategy.INVENTORY, "profit"),
    (0.1, Strategy.INVENTORY, "profit"),
    (0.01, Strategy.INVENTORY, "profit"),
    (0.01, Strategy.INVENTORY, "std_q"),
    (0.1, Strategy.SYMMETRIC, "profit"),
    (0.5, Strategy.SYMMETRIC, "profit"),
)


def _parse_gammas(text: str) -> tuple[float, ...]:
    try:
        gammas = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError as exc:
        raise typer.BadParameter(f"--gammas={text!r}: expected comma-separated numbers") from exc
    if not gammas or any(not g > 0 for g in gammas):
        raise typer.BadParameter(f"--gammas={text!r}: every gamma must be > 0")
    return gammas


def _cell_text(cell: Cell) -> str:
    mark = "" if cell.agrees else " [red]MISS[/]"
    if cell.column == "spread":  # deterministic: compared within the paper's rounding
        return f"{cell.reproduced:.2f}{mark}"
    return f"{cell.reproduced:.2f} ±{cell.se:.2f} (z {cell.z:+.1f}){mark}"


def _population_text(cell: Cell) -> str:
    mark = "" if cell.population_agrees else " [red]MISS[/]"
    if cell.column == "spread":
        return f"{cell.population:.2f}{mark}"
    return f"{cell.population:.2f} (paper z {cell.z_population:+.1f}){mark}"


def render(result: ExperimentResult, console: Console) -> int:
    """Print the reproduced tables next to the published ones; return the number of misses."""
    cfg = result.config
    console.print(
        f"[bold]Avellaneda & Stoikov (2008), section 3.3[/]: s0={cfg.s0}, T={cfg.T}, "
        f"sigma={cfg.sigma}, dt={cfg.dt}, A={cfg.A}, k={cfg.k}, q0={cfg.q0}; "
        f"{cfg.n_sims} simulations per gamma, seed {result.seed}.\n"
        f"Reading (spread/fill probability/fill reference/price step): {cfg.reading}"
        + (" (the paper's text)" if cfg.reading == ASConfig().reading else " (NOT the paper's)")
    )
    by_key = {(c.gamma, c.strategy, c.column): c for c in result.cells}
    for gamma, rows in result.rows.items():
        table = Table(title=f"gamma = {gamma:g}", show_lines=False)
        table.add_column("strategy")
        for col in COLUMNS:
            table.add_column(col, justify="right")
        for strategy, row in rows.items():
            exact = result.population[gamma][strategy]
            if gamma not in PUBLISHED:
                table.add_row(f"{strategy.value} (ours)", *(f"{v:.2f}" for v in row))
                table.add_row(f"{strategy.value} (exact)", *(f"{v:.2f}" for v in exact))
                continue
            cells = [by_key[(gamma, strategy, col)] for col in COLUMNS]
            table.add_row(f"{strategy.value} (ours)", *(_cell_text(c) for c in cells))
            table.add_row(f"{strategy.value} (exact)", *(_population_text(c) for c in cells))
            table.add_row(
                f"{strategy.value} (paper)",
                *(f"{v:g}" for v in PUBLISHED[gamma][strategy]),
                style="dim",
            )
        console.print(table)
        if gamma not in PUBLISHED:
            console.print(
                "  [dim]No published row: issue 4 names gamma = 1, the paper's third case is "
                "gamma = 0.5 (its spread 1.15 = 4 ln(4/3); at gamma = 1 it is 2 ln(5/3) = 1.02). "
                "Printed for the issue, not compared.[/]"
            )
    console.print(
        f"Error bars: ± is the standard error of our figure (mean: std/sqrt(N); std: "
        f"std·sqrt((kurtosis − (N−3)/(N−1))/(4N)), our sample's kurtosis). z = (ours − paper) "
        f"/ sqrt(se_ours² + se_paper²), the paper's s.e. by the same formulas with its "
        f"N = {PUBLISHED_N}; a cell agrees when |z| <= {Z_MAX:g}; spreads agree within the "
        f"paper's rounding (±0.005). 'exact' is the population value under this reading (no "
        f"sampling error; forward recursion over the inventory), its z = (paper − exact) / "
        f"se_paper."
    )
    console.print(f"[dim]Source: {PUBLISHED_SOURCE}[/]")
    misses = result.misses
    console.print(f"{len(misses)} of {len(result.cells)} published cells outside sampling error.")
    for c in misses:
        console.print(
            f"  gamma={c.gamma:g} {c.strategy.value} {c.column}: ours {c.reproduced:.2f} "
            f"vs paper {c.published:g} (z {c.z:+.1f})"
        )
    off = [c for c in result.cells if not c.population_agrees]
    console.print(
        f"{len(off)} of {len(result.cells)} published cells more than {Z_MAX:g} of the paper's "
        f"s.e. from the exact value: "
        + ", ".join(f"γ={c.gamma:g} {c.strategy.value[:3]} {c.column}" for c in off)
    )
    return len(misses)


def render_readings(results: list[ExperimentResult], console: Console) -> None:
    """One line per reading: published cells missed and the cells the readings disagree on.

    "misses" compares our simulation with the paper (both sampling errors); "off exact"
    the paper with the reading's exact population values (the paper's error alone).
    """
    n = results[0].config.n_sims
    table = Table(title=f"Every reading of the set-up ({n} simulations per gamma, same draws)")
    table.add_column("spread/probability/reference/step")
    table.add_column("misses", justify="right")
    table.add_column("off exact", justify="right")
    for gamma, strategy, col in _READING_CELLS:
        paper = PUBLISHED[gamma][strategy][COLUMNS.index(col)]
        table.add_column(
            f"γ={gamma:g} {strategy.value[:3]} {col}\n(paper {paper:g})", justify="right"
        )
    for result in results:
        by_key = {(c.gamma, c.strategy, c.column): c for c in result.cells}
        table.add_row(
            result.config.reading,
            f"{len(result.misses)}/{len(result.cells)}",
            f"{sum(not c.population_agrees for c in result.cells)}/{len(result.cells)}",
            *(_cell_text(by_key[key]) for key in _READING_CELLS),
        )
    console.print(table)


def avellaneda_stoikov(
    sims: Annotated[int, typer.Option("--sims", min=2, help="Simulations per gamma.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Root seed (SeedSequence).")] = 2008,
    gammas: Annotated[
        str, typer.Option("--gammas", help="Comma-separated risk aversions.")
    ] = "0.1,0.01,0.5,1",
    spread_model: Annotated[
        SpreadModel,
        typer.Option("--spread-model", help="Spread without (paper's table) or with γσ²(T−t)."),
    ] = SpreadModel.CONSTANT,
    probability: Annotated[
        FillProbability,
        typer.Option("--probability", help="λ dt (paper) or 1 − exp(−λ dt)."),
    ] = FillProbability.LINEAR,
    fill_reference: Annotated[
        FillReference,
        typer.Option("--fill-reference", help="Mid a fill's distance is measured from."),
    ] = FillReference.PRE_MOVE_MID,
    price_step: Annotated[
        PriceStep,
        typer.Option("--price-step", help="±σ√dt (paper) or Gaussian mid steps."),
    ] = PriceStep.BINOMIAL,
    readings: Annotated[
        bool,
        typer.Option("--readings", help="Also run every reading (16) on the paper's gammas."),
    ] = False,
) -> None:
    """Inventory vs symmetric strategy (A–S 2008), printed next to the published tables."""
    cfg = ASConfig(
        n_sims=sims,
        spread_model=spread_model,
        probability=probability,
        fill_reference=fill_reference,
        price_step=price_step,
    )
    console = Console()
    render(run(cfg, seed, _parse_gammas(gammas)), console)
    if readings:
        render_readings(sweep_readings(cfg, seed, PUBLISHED_GAMMAS), console)

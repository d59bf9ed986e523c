"""``mmdesk surface FILE [--date D]``: fit the vol surface of a chain, show what sticks out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from mmdesk.cli import params
from mmdesk.market.instruments import ExerciseStyle
from mmdesk.surface.chain_fit import chain_slice_quotes, snapshot
from mmdesk.surface.fit import SurfaceFitConfig, fit_slices
from mmdesk.surface.plot import smile_figure, write_html, write_png
from mmdesk.surface.stickouts import StickoutConfig, find_stickouts


def _default_date(chain: object) -> str:
    """Latest quote date that has an expiry still alive (t > 0)."""
    qd = chain.quote_date  # type: ignore[attr-defined]
    alive = chain.t > SurfaceFitConfig().min_t  # type: ignore[attr-defined]
    if not np.any(alive):
        raise typer.BadParameter("no quote date has an unexpired option", param_hint="FILE")
    return str(np.max(qd[alive]))[:10]


def surface(
    file: Annotated[
        Path, typer.Argument(help="Option chain file (optopsy/Yahoo CSV or canonical).")
    ],
    date: Annotated[
        str | None, typer.Option("--date", help="Quote date YYYY-MM-DD (default: latest alive).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Directory for the HTML/PNG plots.")] = Path(
        "."
    ),
    top: Annotated[int, typer.Option("--top", min=0, help="Stickouts to list.")] = 15,
    png: Annotated[bool, typer.Option("--png/--no-png", help="Also write a PNG.")] = True,
    smooth: Annotated[
        bool,
        typer.Option(
            "--smooth/--theo",
            help="Screen stickouts against the SVI-only smile instead of the full theo surface.",
        ),
    ] = False,
) -> None:
    """Fit an arbitrage-checked SVI surface to FILE and list the stickouts."""
    console = Console()
    if not console.is_terminal:  # pipes and CI logs: wide enough for the tables
        console = Console(width=170)
    chain, quality = params.chain_file(file)
    console.print(quality.summary(), style="dim", markup=False, highlight=False)
    day = str(params.day(date)) if date is not None else _default_date(chain)
    try:
        snap = snapshot(chain, day)
        quotes, spot = chain_slice_quotes(snap)
        fitted = fit_slices(quotes, spot=spot)
    except ValueError as exc:
        console.print(f"mmdesk surface: {exc}", style="red", markup=False, highlight=False)
        raise typer.Exit(code=1) from exc
    name = f"{snap.underlying} {day}"

    table = Table(title=f"{name}: SVI surface fit per expiry")
    for col in ("expiry", "T (d)", "points", "2-sided", "RMSE (vol pts)", "in band",
                "min g", "butterfly", "calendar", "repairs"):  # fmt: skip
        table.add_column(col, justify="right")
    for s in fitted.summaries:
        table.add_row(
            s.label,
            f"{s.t * 365:.1f}",
            str(s.n_points),
            str(s.n_two_sided),
            f"{s.rmse_vol_pts:.2f}",
            f"{s.inside_band:.1%}",
            f"{s.min_g:.2g}",
            "[green]ok[/]" if s.butterfly_ok else "[red]FAIL[/]",
            "[green]ok[/]" if s.calendar_ok else "[red]FAIL[/]",
            s.repaired or "-",
        )
    console.print(table)
    status = "[green]passes[/]" if fitted.ok else "[red]FAILS[/]"
    console.print(
        f"static no-arbitrage (butterfly and calendar on the check grid "
        f"k = ln(K/F) in [{fitted.kgrid[0]:.3f}, {fitted.kgrid[-1]:.3f}], "
        f"{fitted.kgrid.size} points): {status}"
    )

    # European chains: screen calls and puts at every strike; American chains: the OTM
    # set only (deep in-the-money European equivalents carry the de-Americanisation error)
    european = snap.exercise == ExerciseStyle.EUROPEAN
    all_quotes = chain_slice_quotes(snap, otm_only=False)[0] if european else quotes
    tick = (0.05, 0.10) if snap.underlying.upper().startswith("SPX") else (0.01, 0.05)
    sticks = find_stickouts(
        fitted.smooth() if smooth else fitted,
        all_quotes,
        StickoutConfig(tick_below=tick[0], tick_above=tick[1]),
    )
    ref = "SVI-only smile" if smooth else "theo surface"
    st = Table(title=f"top {top} stickouts of {sticks.height} vs the {ref}, by edge")
    for col in ("expiry", "strike", "C/P", "signal", "bid", "ask", "theo", "edge",
                "ticks", "half-spr", "mid vol", "fit vol", "z"):  # fmt: skip
        st.add_column(col, justify="right")
    for r in sticks.head(top).iter_rows(named=True):
        st.add_row(
            r["expiry"],
            f"{r['strike']:g}",
            "C" if r["is_call"] else "P",
            r["signal"],
            f"{r['bid']:.2f}",
            f"{r['ask']:.2f}",
            f"{r['theo']:.2f}",
            f"{r['edge']:.2f}",
            f"{r['edge_ticks']:.1f}",
            f"{r['edge_half_spreads']:.1f}",
            f"{100 * r['mid_vol']:.2f}",
            f"{100 * r['fit_vol']:.2f}",
            f"{r['z']:.1f}",
        )
    console.print(st)

    out.mkdir(parents=True, exist_ok=True)
    stem = f"surface_{snap.underlying}_{day}"
    fig = smile_figure(fitted, quotes, sticks)
    html = write_html(fig, out / f"{stem}.html")
    console.print(f"plot (HTML, self-contained): {html}")
    if png:
        path, how = write_png(fig, out / f"{stem}.png", fitted, quotes, sticks)
        if path is None:
            console.print(f"[yellow]{how}[/]")
        else:
            console.print(f"plot (PNG via {how}): {path}")

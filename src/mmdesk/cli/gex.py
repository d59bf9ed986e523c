"""``mmdesk gex FILE``: dealer gamma exposure of a chain on a date, and the walk into expiry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import plotly.graph_objects as go
import typer
from plotly.subplots import make_subplots
from rich.console import Console
from rich.table import Table

from mmdesk.analytics.chain_snapshot import ChainSnapshot, as_day, chain_snapshot
from mmdesk.analytics.gex import DealerPosition, GexProfile, GexTable, dealer_contracts, gex
from mmdesk.analytics.gex import gex_profile as profile_of
from mmdesk.analytics.settlement_walk import (
    DEFAULT_ELASTICITY,
    DEFAULT_SPX_ADV,
    ExpiryWalk,
    settlement_walk,
)
from mmdesk.cli import params
from mmdesk.market.chain import OptionChain

#: Spot grid of the profile: ± this fraction of spot.
PROFILE_RANGE = 0.10
#: Points on the profile grid.
PROFILE_POINTS = 401


def _default_date(chain: OptionChain) -> np.datetime64:
    """The latest quote date with live (t > 0) options."""
    live = chain.select(chain.t > 0.0)
    if len(live) == 0:
        raise typer.BadParameter("the chain has no option with time to expiry > 0")
    dates: np.ndarray = live.quote_dates()
    return as_day(dates[-1])


def gex_report(
    snap: ChainSnapshot, assumption: DealerPosition
) -> tuple[GexTable, GexProfile, float]:
    """GEX table, profile on ±10% of spot, and the zero-gamma level nearest spot."""
    table = gex(
        snap.spot,
        snap.strike,
        snap.t,
        snap.vol,
        snap.is_call,
        snap.open_interest,
        expiry=snap.expiry,
        assumption=assumption,
    )
    grid = snap.spot * np.linspace(1 - PROFILE_RANGE, 1 + PROFILE_RANGE, PROFILE_POINTS)
    contracts = dealer_contracts(snap.is_call, snap.open_interest, assumption=assumption)
    profile = profile_of(grid, snap.strike, snap.t, snap.vol, snap.is_call, contracts)
    return table, profile, profile.zero_gamma(snap.spot)


def _print_table(
    snap: ChainSnapshot, table: GexTable, flip: float, width: float, console: Console
) -> None:
    near = np.abs(table.strike / snap.spot - 1.0) <= width
    oi_call: dict[tuple[np.datetime64, float], float] = {}
    oi_put: dict[tuple[np.datetime64, float], float] = {}
    for e, k, c, oi in zip(snap.expiry, snap.strike, snap.is_call, snap.open_interest, strict=True):
        (oi_call if c else oi_put)[(e, k)] = oi
    out = Table(
        title=f"Dealer GEX {snap.date}  spot {snap.spot:,.2f}  (strikes within ±{width:.0%})"
    )
    for name in ("expiry", "strike", "call OI", "put OI", "call sh/pt", "put sh/pt"):
        out.add_column(name, justify="right")
    out.add_column("net sh/pt", justify="right")
    out.add_column("net $/1%", justify="right")
    for i in np.flatnonzero(near):
        key = (table.expiry[i], table.strike[i])
        net = table.shares[i]
        style = "green" if net > 0 else ("red" if net < 0 else "")
        out.add_row(
            str(table.expiry[i]),
            f"{table.strike[i]:,.0f}",
            f"{oi_call.get(key, 0.0):,.0f}",
            f"{oi_put.get(key, 0.0):,.0f}",
            f"{table.call_shares[i]:,.0f}",
            f"{table.put_shares[i]:,.0f}",
            f"[{style}]{net:,.0f}[/]" if style else f"{net:,.0f}",
            f"{table.currency_per_pct[i]:,.0f}",
        )
    console.print(out)
    console.print(
        f"total GEX {table.total_shares:,.0f} shares per 1-point move = "
        f"{table.total_currency_per_pct / 1e6:,.1f}M currency per 1% move; "
        f"zero-gamma level {flip:,.1f}; largest positive strike "
        f"{table.largest_positive_strike():,.0f}, largest negative strike "
        f"{table.largest_negative_strike():,.0f}"
    )
    console.print(
        f"[dim]{snap.strike.size} live options, {int(snap.vol_filled.sum())} with vols "
        f"interpolated in strike, {snap.n_expired} expired rows left out; Black–Scholes gamma "
        "with r = q = 0, vols implied from the day's OTM mids.[/]"
    )


def write_plot(
    snap: ChainSnapshot, table: GexTable, profile: GexProfile, flip: float, path: Path
) -> Path:
    """Self-contained plotly HTML: GEX per strike (bars) and the profile against spot."""
    strikes, shares = table.by_strike()
    keep = np.abs(strikes / snap.spot - 1.0) <= PROFILE_RANGE
    fig = make_subplots(
        rows=2,
        cols=1,
        subplot_titles=(
            "Dealer GEX per strike (currency per 1% move)",
            "GEX profile: every option repriced at each spot (currency per 1% move)",
        ),
    )
    per_pct = shares[keep] * snap.spot * snap.spot * 0.01
    fig.add_trace(
        go.Bar(
            x=strikes[keep],
            y=per_pct,
            marker_color=np.where(per_pct >= 0, "seagreen", "firebrick"),
            name="per strike",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(x=profile.spot, y=profile.currency_per_pct, name="profile"), row=2, col=1
    )
    for row in (1, 2):
        fig.add_vline(x=snap.spot, line_dash="dash", line_color="black", row=row, col=1)
        if np.isfinite(flip):
            fig.add_vline(x=flip, line_dash="dot", line_color="orange", row=row, col=1)
    fig.update_layout(
        title=f"Dealer gamma exposure {snap.date} (spot {snap.spot:,.2f} dashed, "
        f"zero gamma {flip:,.1f} dotted)",
        showlegend=False,
        height=800,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(path, include_plotlyjs=True)
    return path


def print_walk(walks: list[ExpiryWalk], console: Console) -> None:
    """One table per expiry: top pin strikes per date, and where it settled."""
    for walk in walks:
        out = Table(title=f"expiry {walk.expiry}: settlement {walk.settlement:,.2f}")
        for name in ("date", "spot", "days", "ATM vol", "band ±", "top-3 pin strikes (P)"):
            out.add_column(name, justify="right")
        out.add_column("nearest 3", justify="right")
        out.add_column("hit", justify="center")
        for r in walk.rows:
            top = ", ".join(
                f"{k:,.0f} ({p:.1%})" for k, p in zip(r.top_strikes, r.top_probability, strict=True)
            )
            hit = any(abs(walk.settlement - k) <= r.band for k in r.top_strikes)
            out.add_row(
                str(r.date),
                f"{r.spot:,.2f}",
                f"{r.days:.0f}",
                f"{r.vol:.1%}",
                f"{r.band:g}",
                top,
                ", ".join(f"{k:,.0f}" for k in r.nearest_strikes),
                "[green]yes[/]" if hit else "",
            )
        console.print(out)
        model, naive = walk.hits()
        console.print(
            f"settlement within the band of a top-3 pin strike on {model} of {len(walk.rows)} "
            f"dates (the 3 strikes nearest that day's spot: {naive})"
        )


def gex_command(
    file: Annotated[Path, typer.Argument(help="Option chain file (optopsy, Yahoo, canonical).")],
    date: Annotated[
        str | None, typer.Option(help="Quote date YYYY-MM-DD (default: the last live one).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Directory for the plotly HTML.")] = Path("reports/gex"),
    dealers: Annotated[
        DealerPosition, typer.Option(help="Dealers' side of the open interest.")
    ] = DealerPosition.CONVENTION,
    width: Annotated[
        float, typer.Option(min=0.0, help="Table: strikes within ± this fraction.")
    ] = 0.03,
    walk: Annotated[
        bool, typer.Option("--walk", help="Walk every date into each expiry (pin model).")
    ] = False,
    paths: Annotated[int, typer.Option(min=1, help="Walk: Monte Carlo paths per date.")] = 1000,
    steps: Annotated[int, typer.Option(min=1, help="Walk: time steps per path.")] = 50,
    elasticity: Annotated[
        float, typer.Option(help="Walk: price elasticity E (ΔS/S = E·Q/ADV).")
    ] = DEFAULT_ELASTICITY,
    adv: Annotated[
        float, typer.Option(help="Walk: ADV of the hedge, underlying units.")
    ] = DEFAULT_SPX_ADV,
    seed: Annotated[int, typer.Option(help="Walk: seed.")] = 0,
) -> None:
    """Dealer gamma exposure per strike, GEX profile and zero-gamma level; --walk: pin strikes."""
    console = Console(width=max(Console().width, 140))
    if dealers in (DealerPosition.DESK_BOOK, DealerPosition.SIMULATOR_FLOW):
        raise typer.BadParameter(f"--dealers={dealers.value}: a file has open interest only")
    chain, quality = params.chain_file(file)
    console.print(quality.summary(), style="dim", markup=False, highlight=False)
    if walk:
        try:
            walks = settlement_walk(
                chain,
                assumption=dealers,
                elasticity=elasticity,
                adv=adv,
                n_paths=paths,
                n_steps=steps,
                seed=seed,
            )
        except ValueError as exc:  # the walk's checks name the parameter and the value
            raise typer.BadParameter(str(exc)) from None
        console.print(
            f"[bold]Pin model walk[/] (Avellaneda–Lipkin, hedgers = dealers under "
            f"{dealers.value}; E = {elasticity:g}, ADV = {adv:.3g}; {paths} paths x {steps} "
            "steps). Each row uses only its own date's spot, open interest and implied vols; "
            "settlement = the underlying's close on the expiry date (SPXW are PM-settled: "
            "the close is the proxy for the settlement value)."
        )
        print_walk(walks, console)
        return
    day = _default_date(chain) if date is None else params.day(date)
    try:
        snap = chain_snapshot(chain, day)
    except ValueError as exc:
        raise typer.BadParameter(f"--date={date}: {exc}") from exc
    if snap.strike.size == 0:
        raise typer.BadParameter(f"--date={day}: no live options (all expired)")
    table, profile, flip = gex_report(snap, dealers)
    _print_table(snap, table, flip, width, console)
    path = write_plot(snap, table, profile, flip, out / f"gex_{snap.date}.html")
    console.print(f"profile plot: {path}")

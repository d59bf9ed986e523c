"""``report.html`` of a run: plotly figures in one self-contained page (opens offline).

Built from the run directory alone (:func:`mmdesk.report.rundir.load_run`):

1. ``pnl`` — cumulative P&L by attribution component, and the desk's P&L;
2. ``greeks`` — book delta, gamma and vega against their limits;
3. ``inventory`` — gross option contracts and shares held;
4. ``markouts`` — markout per contract by counterparty tag at every horizon;
5. ``classifier`` — each tag's toxicity (± sd), smart/dumb label and confidence;
6. ``quotes`` — the desk's bid and ask against theo and the trades, for the
   most traded option over a sample window;
7. ``hedges`` — the underlying's mid with every hedge fill;
8. ``vpin`` — VPIN of the underlying's trade tape (market-wide toxicity gauge:
   buckets of 1/50 of the average day's volume, a window of ``VPIN_WINDOW``
   buckets, one-minute bars, bulk volume classification);

and a table of performance statistics (daily Sharpe, share of down days,
max drawdown, P&L per contract traded) and the attribution totals. plotly.js
is inlined once (``include_plotlyjs=True`` on the first figure).
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from mmdesk.flow.classifier import classify_tags
from mmdesk.flow.markouts import (
    HORIZONS_S,
    aggregate_markouts,
    compute_markouts,
    hedged_markouts,
    tape_from_journal,
)
from mmdesk.flow.vpin import vpin
from mmdesk.report.rundir import RunData, load_run
from mmdesk.report.stats import performance
from mmdesk.risk.attribution import COMPONENTS, Attribution, attribute

#: Plot ids the page always contains (the browser test checks each).
PLOTS: tuple[str, ...] = (
    "pnl",
    "greeks",
    "inventory",
    "markouts",
    "classifier",
    "quotes",
    "hedges",
    "vpin",
)
_MAX_POINTS = 3000
#: VPIN buckets per average day, and buckets in its rolling window.
VPIN_BUCKETS_PER_DAY, VPIN_WINDOW = 50, 10


def _t(ts_ns: np.ndarray) -> np.ndarray:
    return np.asarray(ts_ns, dtype="datetime64[ns]")


def _thin(n: int) -> np.ndarray:
    return np.unique(np.linspace(0, max(n - 1, 0), min(n, _MAX_POINTS)).astype(np.int64))


def _fig_pnl(att: Attribution, snaps: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    ev = att.events
    if ev.height:
        idx = _thin(ev.height)
        t = _t(ev["ts_ns"].to_numpy()[idx])
        for c in COMPONENTS:
            cum = np.cumsum(ev[c].to_numpy())[idx]
            if np.any(cum != 0.0):
                fig.add_trace(go.Scatter(x=t, y=cum, name=c, mode="lines"))
    if snaps.height:
        fig.add_trace(
            go.Scatter(
                x=_t(snaps["ts_ns"].to_numpy()),
                y=snaps["pnl"].to_numpy(),
                name="desk P&L (marked to theo)",
                line={"color": "black", "width": 3},
            )
        )
    fig.update_layout(title="Cumulative P&L by component", yaxis_title="currency")
    return fig


def _fig_greeks(snaps: pl.DataFrame, limits: dict[str, Any]) -> go.Figure:
    fig = make_subplots(
        rows=3, cols=1, shared_xaxes=True, subplot_titles=("delta", "gamma", "vega")
    )
    t = _t(snaps["ts_ns"].to_numpy())
    for r, g in enumerate(("delta", "gamma", "vega"), start=1):
        fig.add_trace(go.Scatter(x=t, y=snaps[g].to_numpy(), name=g), row=r, col=1)
        lim = float(limits.get(g, math.nan))
        if math.isfinite(lim) and t.size:
            for sgn in (1.0, -1.0):
                fig.add_trace(
                    go.Scatter(
                        x=[t[0], t[-1]],
                        y=[sgn * lim, sgn * lim],
                        name=f"{g} limit",
                        mode="lines",
                        line={"dash": "dash", "color": "red"},
                        showlegend=sgn > 0,
                    ),
                    row=r,
                    col=1,
                )
    fig.update_layout(title="Book greeks against their limits", height=700)
    return fig


def _fig_inventory(snaps: pl.DataFrame) -> go.Figure:
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    t = _t(snaps["ts_ns"].to_numpy())
    fig.add_trace(go.Scatter(x=t, y=snaps["gross_contracts"].to_numpy(), name="gross contracts"))
    fig.add_trace(go.Scatter(x=t, y=snaps["shares"].to_numpy(), name="shares"), secondary_y=True)
    fig.update_layout(title="Inventory: gross option contracts and shares held")
    return fig


def _fig_markouts(agg: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    tags = [str(t) for t in agg["tag"].to_list()]
    for h in HORIZONS_S:
        col = f"markout_{h:g}s_per_contract"
        fig.add_trace(go.Bar(x=tags, y=agg[col].fill_null(np.nan).to_numpy(), name=f"{h:g} s"))
    fig.update_layout(
        title="Markouts by counterparty tag (desk side, currency per contract)",
        xaxis_title="tag",
        barmode="group",
    )
    return fig


def _fig_vpin(run: RunData) -> go.Figure:
    tape = run["tape"]
    fig = go.Figure()
    days = max(int(run.summary.get("days", 1) or 1), 1)
    volume = float(tape["qty"].sum()) if tape.height else 0.0
    if volume > 0.0:
        res = vpin(
            tape["ts_ns"].to_numpy(),
            tape["price"].to_numpy() * run.price_unit,
            tape["qty"].to_numpy().astype(np.float64),
            bucket_volume=volume / (days * VPIN_BUCKETS_PER_DAY),
            n_buckets=VPIN_WINDOW,
        )
        fig.add_trace(go.Scatter(x=_t(res.bucket_end_ns), y=res.vpin, name="VPIN", mode="lines"))
        imb = np.abs(res.buy - res.sell) / res.bucket_volume
        fig.add_trace(go.Bar(x=_t(res.bucket_end_ns), y=imb, name="bucket imbalance", opacity=0.35))
    fig.update_layout(
        title=f"VPIN of the underlying (buckets of 1/{VPIN_BUCKETS_PER_DAY} of a day's volume, "
        f"window {VPIN_WINDOW} buckets)"
        + ("" if volume > 0.0 else ": no underlying trades journaled"),
        yaxis_title="order imbalance",
    )
    return fig


def _fig_classifier(state: pl.DataFrame, source: str) -> go.Figure:
    tags = [str(t) for t in state["tag"].to_list()]
    smart = state["smart"].to_numpy()
    fig = go.Figure(
        go.Bar(
            x=tags,
            y=state["toxicity"].to_numpy(),
            error_y={"type": "data", "array": state["toxicity_sd"].to_numpy()},
            marker_color=np.where(smart, "crimson", "seagreen").tolist(),
            text=[
                f"{'smart' if s else 'dumb'} {c:.0%}"
                for s, c in zip(smart, state["confidence"].to_numpy(), strict=True)
            ],
            textposition="outside",
            name="toxicity",
        )
    )
    fig.update_layout(
        title="Classifier: toxicity per tag (currency per contract taken from the desk), "
        f"label and confidence — {source}",
        xaxis_title="tag",
    )
    return fig


def _fig_quotes(run: RunData, table: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    orders = run["orders"].filter(pl.col("kind") == "quote")
    if table.height == 0 or orders.height == 0:
        fig.update_layout(title="Quotes against theo: no quotes or fills journaled")
        return fig
    opt = int(table.group_by("option").agg(pl.col("qty").sum()).sort("qty")["option"][-1])
    ins = opt + 1
    t_mid = int(table.filter(pl.col("option") == opt)["ts_ns"].median())  # type: ignore[arg-type]
    lo, hi = t_mid - 900 * 10**9, t_mid + 900 * 10**9
    o = orders.filter(
        (pl.col("instrument") == ins) & (pl.col("ts_ns") >= lo) & (pl.col("ts_ns") <= hi)
    )
    unit = run.price_unit
    for side, name in ((1, "desk bid"), (-1, "desk ask")):
        s = o.filter((pl.col("side") == side) & (pl.col("qty") > 0))
        fig.add_trace(
            go.Scatter(
                x=_t(s["ts_ns"].to_numpy()),
                y=s["price"].to_numpy() * unit,
                name=name,
                mode="lines",
                line_shape="hv",
            )
        )
    th = o.filter(pl.col("side") == 1)
    fig.add_trace(
        go.Scatter(
            x=_t(th["ts_ns"].to_numpy()), y=th["theo_px"].to_numpy(), name="theo", mode="lines"
        )
    )
    tr = table.filter((pl.col("option") == opt) & (pl.col("ts_ns") >= lo) & (pl.col("ts_ns") <= hi))
    fig.add_trace(
        go.Scatter(
            x=_t(tr["ts_ns"].to_numpy()),
            y=tr["price_px"].to_numpy(),
            mode="markers",
            name="desk fills (market trades)",
            marker={"size": 9, "symbol": np.where(tr["side"].to_numpy() > 0, 5, 6).tolist()},
        )
    )
    fig.update_layout(
        title=f"Quotes against theo and the market's trades: option {opt}, 30-minute window",
        yaxis_title="price",
    )
    return fig


def _fig_hedges(run: RunData) -> go.Figure:
    snaps = run["snapshots"]
    fig = go.Figure(
        go.Scatter(
            x=_t(snaps["ts_ns"].to_numpy()), y=snaps["spot_px"].to_numpy(), name="underlying mid"
        )
    )
    f = run["fills"].filter((pl.col("instrument") == 0) & (pl.col("kind") != "settle"))
    unit = run.price_unit
    for side, name, colour in ((1, "hedge buy", "green"), (-1, "hedge sell", "red")):
        s = f.filter(pl.col("side") == side)
        fig.add_trace(
            go.Scatter(
                x=_t(s["ts_ns"].to_numpy()),
                y=s["price"].to_numpy() * unit,
                mode="markers",
                name=name,
                marker={
                    "color": colour,
                    "size": np.clip(np.sqrt(s["qty"].to_numpy()), 4, 20).tolist(),
                },
                text=[f"{q} shares" for q in s["qty"].to_list()],
            )
        )
    fig.update_layout(title="Hedge trades on the underlying", yaxis_title="price")
    return fig


def _table(rows: list[tuple[str, str]], title: str) -> str:
    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td style='text-align:right'>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<h2>{html.escape(title)}</h2><table class='stats'>{body}</table>"


def _fmt(x: float, pct: bool = False) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.2%}" if pct else f"{x:,.2f}"


def build_report(run: RunData) -> str:
    """The report page (HTML text) of a loaded run."""
    fills, marks, snaps = run["fills"], run["marks"], run["snapshots"]
    att = attribute(
        fills, marks, run.listing, run.rate, run.div_yield, run.price_unit, run.tau_floor_s
    )
    tape = tape_from_journal(fills, marks, snaps)
    table = compute_markouts(
        fills, tape, run.listing, run.rate, run.div_yield, run.price_unit,
        tau_floor_s=run.tau_floor_s,
    )  # fmt: skip
    agg = aggregate_markouts(table, "tag")
    hedged = hedged_markouts(table, tape, run.listing, run.rate, run.div_yield)
    read = run["flow_read"]
    if read.height:  # the desk's own online read at its last refresh (what it leaned on)
        state = read.filter(pl.col("ts_ns") == read["ts_ns"].max())
        state = state.with_columns((pl.col("p_smart") > 0.5).alias("smart"))
        source = "the desk's online read at the close"
    else:
        state = classify_tags(table, hedged)
        source = "post-trade markouts to the close"
    limits = run.config.get("desk", {}).get("limits", {})
    figs = {
        "pnl": _fig_pnl(att, snaps),
        "greeks": _fig_greeks(snaps, limits),
        "inventory": _fig_inventory(snaps),
        "markouts": _fig_markouts(agg),
        "classifier": _fig_classifier(state, source),
        "quotes": _fig_quotes(run, table),
        "hedges": _fig_hedges(run),
        "vpin": _fig_vpin(run),
    }
    daily = np.asarray(run.summary.get("pnl_per_day", []), dtype=np.float64)
    contracts = float(table["qty"].sum()) if table.height else 0.0
    perf = performance(daily, snaps["pnl"].to_numpy(), contracts)
    stats = [
        ("days", f"{perf['days']:.0f}"),
        ("total P&L", _fmt(perf["total_pnl"])),
        ("daily Sharpe (annualised)", _fmt(perf["daily_sharpe"])),
        ("share of down days", _fmt(perf["down_day_share"], pct=True)),
        ("max drawdown", _fmt(perf["max_drawdown"])),
        ("P&L per contract traded", _fmt(perf["pnl_per_contract"])),
        ("contracts traded", f"{contracts:,.0f}"),
    ]
    gross = att.gross
    attr_rows = [(c, _fmt(att.totals[c])) for c in COMPONENTS]
    attr_rows += [
        ("sum (replayed P&L)", _fmt(att.totals["pnl"])),
        ("gross P&L (Σ|component|)", _fmt(gross)),
        ("|residual| / gross", _fmt(att.residual_share, pct=True)),
        ("spread capture / total P&L", _fmt(att.totals["edge"] / att.totals["pnl"], pct=True))
        if att.totals["pnl"]
        else ("spread capture / total P&L", "n/a"),
    ]
    parts = []
    for i, (name, fig) in enumerate(figs.items()):
        div = fig.to_html(full_html=False, include_plotlyjs=i == 0, div_id=f"plot-{name}")
        parts.append(f"<section id='{name}'>{div}</section>")
    title = f"mmdesk run {run.summary.get('run_id', run.path.name)}"
    head = (
        f"<h1>{html.escape(title)}</h1><p>seed {run.summary.get('seed')}, "
        f"{run.summary.get('days')} day(s), {run.summary.get('n_options')} options</p>"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table.stats td{padding:2px 12px;border-bottom:1px solid #ddd}</style></head><body>"
        + head
        + _table(stats, "Performance")
        + _table(attr_rows, "P&L attribution (currency)")
        + "".join(parts)
        + "</body></html>"
    )


def write_report(run_dir: str | Path) -> Path:
    """Build ``report.html`` from a run directory alone and write it there; returns its path."""
    run = load_run(run_dir)
    out = run.path / "report.html"
    out.write_text(build_report(run), encoding="utf-8")
    return out

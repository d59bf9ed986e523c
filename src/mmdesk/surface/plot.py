"""Smile plots: bid/ask implied-vol bars, the fitted smile and the stickouts, per expiry.

HTML through plotly (self-contained, opens offline). PNG through plotly's
static export when ``kaleido`` (and the Chrome/Chromium it drives) is
available, else through matplotlib if installed; otherwise :func:`write_png`
says plainly what is missing.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from mmdesk.surface.fit import FittedSurface, SliceQuotes

COLS = 3


def _panels(
    surface: FittedSurface, quotes: list[SliceQuotes], stickouts: pl.DataFrame | None
) -> list[dict[str, object]]:
    """Per fitted expiry: arrays to draw (strike, bid/mid/ask vol, fit curve, stickouts)."""
    by_label = {q.label: q for q in quotes}
    out: list[dict[str, object]] = []
    for label, summ in zip(surface.labels, surface.summaries, strict=True):
        q = by_label.get(label)
        if q is None:
            continue
        ts = q.two_sided
        ks = q.strike[ts]
        grid = np.linspace(float(ks.min()), float(ks.max()), 200) if ks.size else np.empty(0)
        st = (
            stickouts.filter(pl.col("expiry") == label)
            if stickouts is not None and stickouts.height
            else None
        )
        out.append(
            {
                "title": f"{label}  T={q.t * 365:.1f}d  in-band {summ.inside_band:.0%}",
                "strike": ks,
                "bid": q.bid_vol[ts] * 100,
                "mid": q.mid_vol[ts] * 100,
                "ask": q.ask_vol[ts] * 100,
                "grid": grid,
                "fit": surface.vol(grid, q.t) * 100,
                "st_strike": st["strike"].to_numpy() if st is not None else np.empty(0),
                "st_vol": st["mid_vol"].to_numpy() * 100 if st is not None else np.empty(0),
            }
        )
    return out


def smile_figure(
    surface: FittedSurface, quotes: list[SliceQuotes], stickouts: pl.DataFrame | None = None
) -> go.Figure:
    """One subplot per expiry: bid–ask IV bars, mid, fitted smile, stickouts (vol points)."""
    panels = _panels(surface, quotes, stickouts)
    cols = max(1, min(COLS, len(panels)))
    rows = max(1, math.ceil(len(panels) / cols))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[str(p["title"]) for p in panels],
        vertical_spacing=min(0.08, 0.9 / rows),
    )
    for i, p in enumerate(panels):
        r, c = i // cols + 1, i % cols + 1
        mid = np.asarray(p["mid"])
        fig.add_trace(
            go.Scatter(
                x=p["strike"],
                y=mid,
                mode="markers",
                marker={"size": 3, "color": "black"},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": np.asarray(p["ask"]) - mid,
                    "arrayminus": mid - np.asarray(p["bid"]),
                    "thickness": 1,
                    "width": 0,
                },
                name="bid/ask IV",
                showlegend=i == 0,
            ),
            row=r,
            col=c,
        )
        fig.add_trace(
            go.Scatter(
                x=p["grid"],
                y=p["fit"],
                mode="lines",
                line={"color": "royalblue"},
                name="fit",
                showlegend=i == 0,
            ),
            row=r,
            col=c,
        )
        fig.add_trace(
            go.Scatter(
                x=p["st_strike"],
                y=p["st_vol"],
                mode="markers",
                marker={"symbol": "x", "size": 8, "color": "crimson"},
                name="stickout",
                showlegend=i == 0,
            ),
            row=r,
            col=c,
        )
    fig.update_layout(
        height=320 * rows + 80,
        width=380 * cols + 220,
        title="Implied vol (vol points) by strike: bid–ask bars, fit, stickouts",
    )
    return fig


def write_html(fig: go.Figure, path: Path) -> Path:
    """Write a self-contained HTML file (plotly.js embedded; opens offline)."""
    fig.write_html(str(path), include_plotlyjs=True)
    return path


def write_png(
    fig: go.Figure,
    path: Path,
    surface: FittedSurface,
    quotes: list[SliceQuotes],
    stickouts: pl.DataFrame | None = None,
) -> tuple[Path | None, str]:
    """Write a PNG (plotly + kaleido, else matplotlib); returns (path or None, how/why)."""
    try:
        fig.write_image(str(path), scale=1)
        return path, "plotly+kaleido"
    except Exception as exc:  # kaleido missing or no browser: fall back
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    try:
        import matplotlib  # type: ignore[import-not-found,unused-ignore]

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None, (
            "PNG not written: plotly static export needs `kaleido` (and Chrome/Chromium), "
            f"and matplotlib is not installed ({reason})"
        )
    panels = _panels(surface, quotes, stickouts)
    rows = max(1, math.ceil(len(panels) / COLS))
    f, axes = plt.subplots(rows, COLS, figsize=(15, 3.2 * rows), squeeze=False)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    for ax, p in zip(axes.ravel(), panels, strict=False):
        mid = np.asarray(p["mid"])
        ax.errorbar(
            p["strike"],
            mid,
            yerr=[mid - np.asarray(p["bid"]), np.asarray(p["ask"]) - mid],
            fmt=".",
            ms=2,
            lw=0.6,
            color="black",
        )
        ax.plot(p["grid"], p["fit"], color="royalblue", lw=1)
        ax.plot(p["st_strike"], p["st_vol"], "x", color="crimson", ms=6)
        ax.set_title(str(p["title"]), fontsize=8)
    f.tight_layout()
    f.savefig(str(path), dpi=100)
    plt.close(f)
    return path, "matplotlib"

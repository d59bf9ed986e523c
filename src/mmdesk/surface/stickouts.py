"""Stickouts: quotes that disagree with the fitted surface, ranked by edge.

Two kinds, one polars DataFrame (:func:`find_stickouts`):

- ``bid_above_theo`` / ``ask_below_theo``: a bid above theo (sell to it) or an
  ask below theo (buy from it) by at least ``min_ticks`` ticks **and** at least
  ``min_half_spreads`` of the option's own half-spread. Edge in currency is
  ``bid − theo`` or ``theo − ask``; it is also reported in ticks and in
  half-spreads.
- ``iv_outlier``: the mid implied vol's residual to the fit, standardised by
  ``sqrt(h² + s²)`` — ``h`` the quote's own half-width in vol (deep in-the-money
  vols are ill-determined), ``s`` the robust scale of the expiry's residuals
  (1.4826 × median absolute deviation) — beyond ``z_threshold``; edge is
  ``|mid − theo|``.

Theo is the Black-76 price at the fitted vol on the slice's implied forward and
discount. Any set of :class:`~mmdesk.surface.fit.SliceQuotes` can be screened
(the CLI screens calls and puts at every strike: ``chain_slice_quotes(...,
otm_only=False)``); for American chains bid, ask and theo are
European-equivalent (early-exercise premium removed), so edges are comparable.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.pricing import black76_price
from mmdesk.surface.fit import FittedSurface, SliceQuotes


class StickoutConfig(BaseModel):
    """Thresholds of :func:`find_stickouts`.

    Attributes
    ----------
    min_ticks : float
        Minimum edge in ticks.
    min_half_spreads : float
        Minimum edge in the option's own half-spreads.
    z_threshold : float
        Minimum |standardised residual| of the mid vol for an IV outlier.
    tick_below, tick_above, tick_break : float
        Tick size (currency) below and at/above the price ``tick_break`` (the
        US index-option rule: 0.05 below 3.00, 0.10 above).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_ticks: float = Field(1.0, ge=0.0)
    min_half_spreads: float = Field(0.5, ge=0.0)
    z_threshold: float = Field(2.0, gt=0.0)
    tick_below: float = Field(0.05, gt=0.0)
    tick_above: float = Field(0.10, gt=0.0)
    tick_break: float = Field(3.0, ge=0.0)


SCHEMA = {
    "expiry": pl.Utf8,
    "t": pl.Float64,
    "strike": pl.Float64,
    "is_call": pl.Boolean,
    "signal": pl.Utf8,
    "bid": pl.Float64,
    "ask": pl.Float64,
    "theo": pl.Float64,
    "edge": pl.Float64,
    "edge_ticks": pl.Float64,
    "edge_half_spreads": pl.Float64,
    "mid_vol": pl.Float64,
    "fit_vol": pl.Float64,
    "z": pl.Float64,
    "row": pl.Int64,
}


def theo_prices(surface: FittedSurface, q: SliceQuotes) -> np.ndarray:
    """Black-76 theo (currency) of a slice's quotes at the surface's vol."""
    vol = surface.vol(q.strike, q.t)
    rate = -np.log(q.discount) / q.t
    return np.asarray(black76_price(q.forward, q.strike, q.t, vol, rate, q.is_call), float)


def find_stickouts(
    surface: FittedSurface, quotes: list[SliceQuotes], config: StickoutConfig | None = None
) -> pl.DataFrame:
    """Quotes that stick out of the fitted surface, ranked by edge in currency.

    Parameters
    ----------
    surface : FittedSurface
        The fit (theo source).
    quotes : list of SliceQuotes
        The quotes to screen (expiries the surface did not fit are skipped).
    config : StickoutConfig, optional
        Thresholds.

    Returns
    -------
    polars.DataFrame
        Columns of :data:`SCHEMA`; one row per (quote, signal), sorted by ``edge``
        descending.
    """
    cfg = config or StickoutConfig()
    frames = []
    fitted = set(surface.labels)
    for q in quotes:
        if q.label not in fitted or q.t <= 0.0:
            continue
        ts = q.two_sided
        if not np.any(ts):
            continue
        theo = theo_prices(surface, q)
        fit_vol = surface.vol(q.strike, q.t)
        half = 0.5 * (q.ask - q.bid)
        mid = 0.5 * (q.ask + q.bid)
        tick = np.where(mid < cfg.tick_break, cfg.tick_below, cfg.tick_above)
        resid = q.mid_vol - fit_vol
        ok = ts & np.isfinite(resid)
        scale = (
            1.4826 * float(np.median(np.abs(resid[ok] - np.median(resid[ok])))) if ok.any() else 0.0
        )
        # noise of a mid vol: the quote's own half-width in vol, plus the fit's robust scale
        noise = np.sqrt((0.5 * (q.ask_vol - q.bid_vol)) ** 2 + scale**2)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(ok & (noise > 0), resid / noise, np.nan)
        for signal, edge in (
            ("bid_above_theo", q.bid - theo),
            ("ask_below_theo", theo - q.ask),
        ):
            with np.errstate(divide="ignore", invalid="ignore"):
                e_ticks = edge / tick
                e_half = np.where(half > 0, edge / half, np.inf)
            hit = ts & (e_ticks >= cfg.min_ticks) & (e_half >= cfg.min_half_spreads) & (edge > 0)
            frames.append(_frame(q, hit, signal, theo, edge, e_ticks, e_half, fit_vol, z))
        edge = np.abs(mid - theo)
        with np.errstate(divide="ignore", invalid="ignore"):
            e_ticks = edge / tick
            e_half = np.where(half > 0, edge / half, np.inf)
        hit = ok & (np.abs(np.nan_to_num(z)) >= cfg.z_threshold)
        frames.append(_frame(q, hit, "iv_outlier", theo, edge, e_ticks, e_half, fit_vol, z))
    if not frames:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat(frames).sort("edge", descending=True)


def _frame(
    q: SliceQuotes,
    hit: np.ndarray,
    signal: str,
    theo: np.ndarray,
    edge: np.ndarray,
    e_ticks: np.ndarray,
    e_half: np.ndarray,
    fit_vol: np.ndarray,
    z: np.ndarray,
) -> pl.DataFrame:
    i = np.flatnonzero(hit)
    return pl.DataFrame(
        {
            "expiry": [q.label] * i.size,
            "t": np.full(i.size, q.t),
            "strike": q.strike[i],
            "is_call": q.is_call[i],
            "signal": [signal] * i.size,
            "bid": q.bid[i],
            "ask": q.ask[i],
            "theo": theo[i],
            "edge": edge[i],
            "edge_ticks": e_ticks[i],
            "edge_half_spreads": e_half[i],
            "mid_vol": q.mid_vol[i],
            "fit_vol": fit_vol[i],
            "z": z[i],
            "row": np.asarray(q.rows[i], dtype=np.int64),
        },
        schema=SCHEMA,
    )

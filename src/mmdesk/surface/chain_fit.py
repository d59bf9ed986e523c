"""Fit a surface to an :class:`~mmdesk.market.chain.OptionChain` snapshot.

European chains: forward and discount per expiry from put–call parity
(:func:`mmdesk.surface.forward.implied_forwards`), then Black-76 vols on the
forward. American chains: the quotes are first converted to European-equivalent
prices and forwards by :func:`mmdesk.surface.deamericanise.de_americanise`
(helper D's de-Americanisation with the American pricer), then the same path.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from mmdesk.market.chain import OptionChain
from mmdesk.market.instruments import ExerciseStyle
from mmdesk.surface.fit import (
    FittedSurface,
    SliceQuotes,
    SurfaceFitConfig,
    fit_slices,
    slice_quotes,
)
from mmdesk.surface.forward import ForwardTable, implied_forwards
from mmdesk.typing import Float64Array


def snapshot(chain: OptionChain, date: np.datetime64 | str | dt.date | None = None) -> OptionChain:
    """The rows of one quote date (the only one, or ``date``).

    Raises
    ------
    ValueError
        If ``date`` is None and the chain holds several quote dates, or if no row
        has quote date ``date``.
    """
    dates = np.unique(chain.quote_date)
    if date is None:
        if dates.size != 1:
            raise ValueError(
                f"date: the chain holds {dates.size} quote dates ({dates[0]} .. {dates[-1]}); "
                "pass one"
            )
        return chain
    sub = chain.for_date(date)
    if len(sub) == 0:
        raise ValueError(f"date: no quotes on {date!r}; the chain has {dates.tolist()}")
    return sub


def european_quotes(chain: OptionChain) -> tuple[Float64Array, Float64Array, ForwardTable, float]:
    """European(-equivalent) bid/ask per row, the implied forwards, and the spot.

    For a European chain these are the quotes themselves and the parity forwards;
    for an American chain the de-Americanised quotes and their forwards.
    """
    spot_vals = chain.underlying_price[np.isfinite(chain.underlying_price)]
    spot = float(spot_vals[0]) if spot_vals.size else float("nan")
    if chain.exercise == ExerciseStyle.EUROPEAN:
        return chain.bid, chain.ask, implied_forwards(chain), spot
    from mmdesk.surface.deamericanise import de_americanise

    res = de_americanise(chain)
    return res.european_bid, res.european_ask, res.forwards, spot


def chain_slice_quotes(
    chain: OptionChain, *, otm_only: bool = True
) -> tuple[list[SliceQuotes], float]:
    """Prepare :class:`SliceQuotes` for every expiry of a one-date chain.

    ``otm_only=False`` keeps calls and puts at every strike (stickout screening);
    the fit takes the OTM set.

    Returns
    -------
    (list of SliceQuotes, spot)
        Slices with a finite forward and ``t > 0``; the underlying price if known.
    """
    bid, ask, table, spot = european_quotes(chain)
    out: list[SliceQuotes] = []
    for _, expiry, rows in chain.slices():
        t = float(chain.t[rows[0]])
        j = np.flatnonzero(table.expiry == expiry)
        if t <= 0.0 or j.size == 0:
            continue
        fwd, disc = float(table.forward[j[0]]), float(table.discount[j[0]])
        if not (np.isfinite(fwd) and np.isfinite(disc) and fwd > 0 and disc > 0):
            continue
        out.append(
            slice_quotes(
                t,
                fwd,
                disc,
                chain.strike[rows],
                chain.is_call[rows],
                bid[rows],
                ask[rows],
                label=str(expiry),
                rows=rows,
                otm_only=otm_only,
            )
        )
    return out, spot


def fit_surface(
    chain: OptionChain,
    date: np.datetime64 | str | dt.date | None = None,
    config: SurfaceFitConfig | None = None,
) -> FittedSurface:
    """Fit an arbitrage-checked SVI surface to one quote date of a chain.

    Parameters
    ----------
    chain : OptionChain
        Quotes (European, or American with dividends: de-Americanised first).
    date : date-like, optional
        Quote date to fit; required when the chain holds several.
    config : SurfaceFitConfig, optional
        Fit settings.

    Returns
    -------
    FittedSurface
        With ``vol(strike, t)``, ``total_variance(k, t)``, ``forward(t)``,
        ``discount(t)`` and the per-expiry summaries and arbitrage report.
    """
    snap = snapshot(chain, date)
    quotes, spot = chain_slice_quotes(snap)
    return fit_slices(quotes, config, spot=spot)

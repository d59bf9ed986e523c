"""Model-free variance of every expiry of an ``OptionChain`` and the 30-day index per quote time.

Term selection: the Cboe index uses the two expiries bracketing 30 days among
those with 23 to 37 days left. A vendor file may not hold such expiries (the
SPXW file has only two month-ends), so here the near term is the expiry with
the largest t <= 30 days and the next term the one with the smallest t > 30
days (``interpolated = True``); when only one side exists the two expiries
nearest to 30 days are used and the white-paper weights extrapolate
(``interpolated = False``); with a single live expiry the index is NaN. Slices
with t <= 0 are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmdesk.market.chain import OptionChain
from mmdesk.surface.vix import TARGET_DAYS, MFVResult, model_free_variance, vix_index
from mmdesk.typing import BoolArray, Float64Array


@dataclass(frozen=True)
class VixSeries:
    """30-day index per quote time, with the terms it came from (arrays, one row per quote time).

    ``t_*`` in years, ``var_*`` annualised variances, ``index`` in vol points
    (100 x vol), ``forward_near`` in index points.
    """

    quote_time: np.ndarray
    near_expiry: np.ndarray
    next_expiry: np.ndarray
    t_near: Float64Array
    t_next: Float64Array
    var_near: Float64Array
    var_next: Float64Array
    forward_near: Float64Array
    index: Float64Array
    interpolated: BoolArray


def slice_variances(
    chain: OptionChain, rate: float
) -> list[tuple[np.datetime64, np.datetime64, float, MFVResult]]:
    """(quote_time, expiry, t, MFVResult) for every slice with t > 0 and a defined forward.

    ``rate`` is the continuously compounded risk-free rate used for every expiry.
    """
    call_idx, put_idx = chain.pairs()
    out: list[tuple[np.datetime64, np.datetime64, float, MFVResult]] = []
    if call_idx.size == 0:
        return out
    qt, ex = chain.quote_time[call_idx], chain.expiry[call_idx]
    brk = np.flatnonzero((qt[1:] != qt[:-1]) | (ex[1:] != ex[:-1])) + 1
    for s, e in zip(
        np.concatenate(([0], brk)), np.concatenate((brk, [call_idx.size])), strict=True
    ):
        c, p = call_idx[s:e], put_idx[s:e]
        t = float(chain.t[c[0]])
        if t <= 0:
            continue
        try:
            res = model_free_variance(
                chain.strike[c], chain.bid[c], chain.ask[c], chain.bid[p], chain.ask[p], t, rate
            )
        except ValueError:
            continue  # no strike with both bids: no forward, no variance
        out.append((qt[s], ex[s], t, res))
    return out


def vix_series(chain: OptionChain, rate: float, *, target_days: float = TARGET_DAYS) -> VixSeries:
    """Constant-maturity model-free volatility index for each quote time of a chain.

    Parameters
    ----------
    chain : OptionChain
        European index options (several expiries per quote time).
    rate : float
        Risk-free rate, continuously compounded (the Cboe uses Treasury CMT
        yields per expiry; a single rate is an approximation).
    target_days : float
        Constant maturity, days.
    """
    terms = slice_variances(chain, rate)
    target = target_days / 365.0
    rows: list[tuple] = []
    times = sorted({q for q, _, _, _ in terms})
    for q in times:  # one iteration per quote time
        live = sorted(((t, ex, r) for qq, ex, t, r in terms if qq == q), key=lambda x: x[0])
        below = [x for x in live if x[0] <= target]
        above = [x for x in live if x[0] > target]
        if below and above:
            near, nxt, interp = below[-1], above[0], True
        elif len(live) >= 2:
            pair = sorted(live, key=lambda x: abs(x[0] - target))[:2]
            near, nxt = sorted(pair, key=lambda x: x[0])
            interp = False
        else:
            near, nxt, interp = live[0], None, False
        if nxt is None:
            idx = np.nan
            row_next: tuple[object, float, float] = (np.datetime64("NaT", "D"), np.nan, np.nan)
        else:
            idx = vix_index(
                near[0], near[2].variance, nxt[0], nxt[2].variance, target_days=target_days
            )
            row_next = (nxt[1], nxt[0], nxt[2].variance)
        rows.append(
            (
                q,
                near[1],
                row_next[0],
                near[0],
                row_next[1],
                near[2].variance,
                row_next[2],
                near[2].forward,
                idx,
                interp,
            )
        )
    cols: list[tuple[object, ...]] = (
        list(zip(*rows, strict=True)) if rows else [() for _ in range(10)]
    )
    return VixSeries(
        quote_time=np.array(cols[0], dtype="datetime64[ns]"),
        near_expiry=np.array(cols[1], dtype="datetime64[D]"),
        next_expiry=np.array(cols[2], dtype="datetime64[D]"),
        t_near=np.array(cols[3], dtype=np.float64),
        t_next=np.array(cols[4], dtype=np.float64),
        var_near=np.array(cols[5], dtype=np.float64),
        var_next=np.array(cols[6], dtype=np.float64),
        forward_near=np.array(cols[7], dtype=np.float64),
        index=np.array(cols[8], dtype=np.float64),
        interpolated=np.array(cols[9], dtype=bool),
    )

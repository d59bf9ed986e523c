"""From priced, sized quotes to the legs the central book sends (one numba pass).

After the quoter has put every option's bid and ask on the tick grid and the
risk gate has capped their sizes, the book (:mod:`mmdesk.desk.central`):

1. pulls any side further from theo than the gate's collar,
   ``max(collar_ticks · tick, collar_fraction · |theo|)`` (currency per share);
2. after a fill (``passive_only``), opens no new side and moves no resting
   price toward the market: bids only down, asks only up;
3. drops the price of a side with no size (0 = no quote);
4. marks the options whose legs changed: a new price, a smaller size, or a
   refill of a side filled below half its size (an unchanged price with a
   partial fill keeps its queue place).

Prices are integer venue units, sizes contracts. :func:`quote_legs_python` is
the readable specification, :func:`quote_legs` its kernel.
"""

from __future__ import annotations

import numba

from mmdesk.typing import BoolArray, Float64Array, Int64Array


def quote_legs_python(
    bid: Int64Array,
    ask: Int64Array,
    cap_bid: Float64Array,
    cap_ask: Float64Array,
    theo: Float64Array,
    tick: Float64Array,
    unit: float,
    collar_ticks: float,
    collar_fraction: float,
    passive_only: bool,
    sent_bid: Int64Array,
    sent_ask: Int64Array,
    sent_bq: Int64Array,
    sent_aq: Int64Array,
    bid_out: Int64Array,
    ask_out: Int64Array,
    bq_out: Int64Array,
    aq_out: Int64Array,
    changed: BoolArray,
) -> int:
    """Collar, passive-only rule and change detection of every option's two sides.

    Parameters
    ----------
    bid, ask : ndarray of int64
        Grid prices (units, 0 = no quote).
    cap_bid, cap_ask : ndarray
        Sizes allowed by the risk gate (whole contracts, as floats).
    theo, tick : ndarray
        Theo and tick size per option, currency per share.
    unit : float
        Currency per price unit.
    collar_ticks, collar_fraction : float
        The gate's collar (ticks; fraction of theo).
    passive_only : bool
        Requote after a fill on an older view (module docstring, step 2).
    sent_bid, sent_ask, sent_bq, sent_aq : ndarray of int64
        What rests now (units, contracts).
    bid_out, ask_out, bq_out, aq_out : ndarray of int64
        The quotes to rest (units, contracts; 0 = none).
    changed : ndarray of bool
        Options with a leg to send.

    Returns
    -------
    int
        Sides with size pulled by the collar.
    """
    pulled = 0
    for i in range(bid.shape[0]):
        width = collar_ticks * tick[i]
        by_theo = collar_fraction * abs(theo[i])
        if width == width and (by_theo != by_theo or by_theo > width):
            width = by_theo  # np.maximum: the larger, NaN if either is NaN
        out_b = abs(bid[i] * unit - theo[i]) > width
        out_a = abs(ask[i] * unit - theo[i]) > width
        if out_b and cap_bid[i] > 0:
            pulled += 1
        if out_a and cap_ask[i] > 0:
            pulled += 1
        bq = 0 if out_b else int(cap_bid[i])
        aq = 0 if out_a else int(cap_ask[i])
        b = bid[i]
        a = ask[i]
        if passive_only:
            if sent_bq[i] > 0:
                b = min(b, sent_bid[i])
            else:
                bq = 0
                b = 0
            if sent_aq[i] > 0:
                a = max(a, sent_ask[i])
            else:
                aq = 0
                a = 0
        if bq <= 0:
            b = 0
        if aq <= 0:
            a = 0
        chg_b = (b != sent_bid[i]) or (bq < sent_bq[i]) or (2 * sent_bq[i] < bq)
        chg_a = (a != sent_ask[i]) or (aq < sent_aq[i]) or (2 * sent_aq[i] < aq)
        chg_b = chg_b and (bq > 0 or sent_bq[i] > 0)
        chg_a = chg_a and (aq > 0 or sent_aq[i] > 0)
        bid_out[i] = b
        ask_out[i] = a
        bq_out[i] = bq
        aq_out[i] = aq
        changed[i] = chg_b or chg_a
    return pulled


quote_legs = numba.njit(cache=True)(quote_legs_python)

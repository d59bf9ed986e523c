"""Quote-level dirt shared by all vendor loaders, and chain assembly.

Which dirt is dropped and which is kept (see also ``docs/chain-format.md``):

============================  ========  ==========================================
dirt                          action    why
============================  ========  ==========================================
crossed quote (bid > ask > 0)  DROPPED   no consistent market; cannot be a mid
duplicate (time, expiry,       DROPPED   first occurrence kept
strike, kind)
``last == 0``                  CLEARED   means "no trade"; last set to NaN
stale last (outside bid/ask)   FLAGGED   a last is history, not a price
zero bid (0 == bid < ask)      FLAGGED   ``OptionChain.two_sided`` excludes it
no quote (bid == ask == 0)     FLAGGED   excluded by ``two_sided``
locked (bid == ask > 0)        FLAGGED   two-sided with zero width
at or after expiry (t <= 0)    FLAGGED   consumers needing t > 0 filter on ``t``
missing underlying price       FLAGGED   NaN; use the implied forward
============================  ========  ==========================================

Fatal (``ChainLoadError``): expiry before the quote date, and every parsing
failure raised by ``_raw`` (non-numeric, negative or missing required values,
unknown option type, unparseable dates, missing columns).
"""

from __future__ import annotations

import numpy as np

from mmdesk.market.chain import OptionChain, year_fraction
from mmdesk.market.instruments import ExerciseStyle
from mmdesk.market.loaders.report import ChainLoadError, DataQualityReport, DirtAction, DirtKind
from mmdesk.typing import BoolArray, Float64Array, Int64Array


def duplicate_mask(
    quote_time: np.ndarray, expiry: np.ndarray, strike: Float64Array, is_call: BoolArray
) -> BoolArray:
    """True on every repeat of an earlier row's (quote_time, expiry, strike, kind)."""
    n = strike.shape[0]
    order = np.lexsort((np.arange(n), is_call, strike, expiry, quote_time))
    q, e, k, c = quote_time[order], expiry[order], strike[order], is_call[order]
    rep = np.zeros(n, dtype=bool)
    rep[1:] = (q[1:] == q[:-1]) & (e[1:] == e[:-1]) & (k[1:] == k[:-1]) & (c[1:] == c[:-1])
    out = np.zeros(n, dtype=bool)
    out[order] = rep
    return out


def assemble_chain(
    *,
    underlying: str,
    exercise: ExerciseStyle,
    quote_time: np.ndarray,
    quote_date: np.ndarray,
    expiry: np.ndarray,
    am_settled: BoolArray,
    strike: Float64Array,
    is_call: BoolArray,
    bid: Float64Array,
    ask: Float64Array,
    last: Float64Array,
    lines: Int64Array,
    report: DataQualityReport,
    **optional: Float64Array,
) -> OptionChain:
    """Detect quote-level dirt, apply the actions in the module table, build the chain.

    ``lines`` are the rows' 1-based file lines (used in errors and examples).
    """
    before = np.flatnonzero(expiry < quote_date)
    if before.size:
        r = int(before[0])
        raise ChainLoadError(
            f"line {lines[r]}, column 'expiration': expiry {expiry[r]} "
            f"is before the quote date {quote_date[r]}"
        )
    t = year_fraction(quote_time, expiry, am_settled)
    with np.errstate(invalid="ignore"):
        traded = last > 0
        no_trade = last == 0
        stale = traded & ((last < bid) | (last > ask))
        zero_bid = (bid == 0) & (ask > 0)
        no_quote = ((bid == 0) | np.isnan(bid)) & ((ask == 0) | np.isnan(ask))
        crossed = (bid > ask) & (ask > 0)
        locked = (bid == ask) & (bid > 0)
    dup = duplicate_mask(quote_time, expiry, strike, is_call)
    report.add_rows(
        DirtKind.STALE_LAST, stale, lines, DirtAction.FLAGGED, "traded last outside [bid, ask]"
    )
    report.add_rows(
        DirtKind.NO_LAST_TRADE, no_trade, lines, DirtAction.CLEARED, "last == 0 set to NaN"
    )
    report.add_rows(DirtKind.ZERO_BID, zero_bid, lines, DirtAction.FLAGGED)
    report.add_rows(DirtKind.NO_QUOTE, no_quote, lines, DirtAction.FLAGGED, "bid == ask == 0")
    report.add_rows(DirtKind.CROSSED_QUOTE, crossed, lines, DirtAction.DROPPED)
    report.add_rows(DirtKind.LOCKED_QUOTE, locked, lines, DirtAction.FLAGGED)
    report.add_rows(DirtKind.DUPLICATE_ROW, dup, lines, DirtAction.DROPPED, "first occurrence kept")
    report.add_rows(DirtKind.AT_OR_AFTER_EXPIRY, t <= 0, lines, DirtAction.FLAGGED, "t <= 0")
    underlying_price = optional.get("underlying_price")
    if underlying_price is not None:
        report.add_rows(
            DirtKind.MISSING_UNDERLYING_PRICE,
            ~np.isfinite(underlying_price),
            lines,
            DirtAction.FLAGGED,
        )
    last = np.where(no_trade, np.nan, last)
    keep = ~(crossed | dup)
    chain = OptionChain.from_arrays(
        underlying=underlying,
        exercise=exercise,
        quote_time=quote_time,
        expiry=expiry,
        am_settled=am_settled,
        t=t,
        strike=strike,
        is_call=is_call,
        bid=bid,
        ask=ask,
        last=last,
        **optional,
    ).select(keep)
    report.rows_kept = len(chain)
    return chain

"""Requests for quote: a two-sided price for a size, best answer wins, requester trades or walks.

Protocol (one RFQ):

1. A requester sends an RFQ (instrument, size; the side stays private). The
   venue stamps an ``rfq_id`` and shows responders an :class:`RfqRequest`
   carrying the requester's counterparty tag (as RFQ platforms show the client).
2. Every responder (the competing market makers and the desk, in a fixed order)
   may answer with a two-sided price for the full size (:class:`RfqAnswer`).
3. The venue keeps the best bid (highest) and best ask (lowest); ties go to the
   earlier answer in responder order. The requester sees :class:`RfqQuotes`.
4. The requester buys at the best ask (+1), sells at the best bid (-1) or walks
   (0). A trade is two FILL rows and one public TRADE row, all flagged RFQ,
   for the full size at the winning price (no fees: RFQ trades are off-book).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from mmdesk.market.events import EventKind, empty_events
from mmdesk.venue.participant import RfqAnswer, RfqQuotes, RfqRequest


def best_quotes(request: RfqRequest, owner: int, answers: Sequence[RfqAnswer]) -> RfqQuotes:
    """Best bid and ask among ``answers`` (ties: earliest answer wins).

    Parameters
    ----------
    request
        The RFQ as shown to responders.
    owner
        The requesting venue owner id.
    answers
        Answers in responder order; prices in integer units, -1 = side not answered.
    """
    bb, bbp, ba, bap = -1, -1, -1, -1
    n = 0
    for a in answers:
        if a.rfq_id != request.rfq_id:
            raise ValueError(f"best_quotes: answer rfq_id={a.rfq_id} for rfq {request.rfq_id}")
        if a.bid > 0 and a.ask > 0 and a.bid >= a.ask:
            raise ValueError(
                f"best_quotes: participant {a.participant} answered a crossed price "
                f"bid={a.bid} >= ask={a.ask}"
            )
        n += 1
        if a.bid > 0 and a.bid > bb:
            bb, bbp = a.bid, a.participant
        if a.ask > 0 and (ba < 0 or a.ask < ba):
            ba, bap = a.ask, a.participant
    return RfqQuotes(
        rfq_id=request.rfq_id,
        owner=owner,
        instrument=request.instrument,
        qty=request.qty,
        best_bid=bb,
        best_bid_participant=bbp,
        best_ask=ba,
        best_ask_participant=bap,
        n_answers=n,
    )


def rfq_trade_rows(
    ts_ns: int,
    quotes: RfqQuotes,
    side: int,
    requester_tag: int,
    responder_tag: int,
    match_id: int,
) -> npt.NDArray[np.void]:
    """EVENT_DTYPE rows of an RFQ trade: requester FILL, responder FILL, public TRADE.

    Parameters
    ----------
    ts_ns
        Trade time, ns.
    quotes
        The best answers (gives price and responder).
    side
        Requester's side: +1 buys at ``best_ask``, -1 sells at ``best_bid``.
    requester_tag, responder_tag
        Counterparty tags; each FILL row carries the *contra's* tag.
    match_id
        Id linking the three rows.

    Raises
    ------
    ValueError
        If ``side`` is not ±1 or the chosen side has no answer.
    """
    if side not in (1, -1):
        raise ValueError(f"rfq_trade_rows: side={side} must be +1 or -1")
    price = quotes.best_ask if side > 0 else quotes.best_bid
    responder = quotes.best_ask_participant if side > 0 else quotes.best_bid_participant
    if price <= 0 or responder < 0:
        raise ValueError(f"rfq_trade_rows: no answer on side={side} of rfq {quotes.rfq_id}")
    rows = empty_events(3)
    rows["ts_exchange"] = ts_ns
    rows["ts_local"] = ts_ns
    rows["seq"] = -1
    rows["instrument"] = quotes.instrument
    rows["price"] = price
    rows["qty"] = quotes.qty
    rows["match_id"] = match_id
    rows["order_id"] = quotes.rfq_id
    fill = int(EventKind.FILL | EventKind.RFQ | EventKind.FINAL)
    rows["flags"] = (fill, fill, int(EventKind.TRADE | EventKind.RFQ))
    rows["side"] = (side, -side, side)
    rows["owner"] = (quotes.owner, responder, -1)
    rows["contra"] = (responder, quotes.owner, -1)
    rows["tag"] = (responder_tag, requester_tag, requester_tag)
    rows["flags"][0] |= int(EventKind.TAKER)
    rows["flags"][1] |= int(EventKind.MAKER)
    return rows

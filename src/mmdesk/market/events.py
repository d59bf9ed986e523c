"""The canonical event record: one numpy structured dtype for everything a venue says.

Every message the venue emits (acknowledgements, rejects, cancels, fills, public
trades, top-of-book updates) and every sim-level event (RFQ, settlement, marks)
is one row of :data:`EVENT_DTYPE`. The full description of each field and each
flag lives on one page, ``docs/events.md``; this module is its executable form.

Units: timestamps are int64 nanoseconds since the run's epoch, prices are int64
integer price units (see :mod:`mmdesk.venue.ticks`: one unit is the finest price
increment of the instrument's tick table, e.g. 0.01), quantities are int64
contracts (options) or shares (underlying), fees are float64 currency
(negative = rebate).
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

import numpy as np
import numpy.typing as npt

__all__ = [
    "EMPTY_PRICE",
    "EVENT_DTYPE",
    "NO_ID",
    "PUBLIC",
    "EventKind",
    "Reason",
    "Side",
    "describe",
    "empty_events",
    "events_digest",
    "fills_of",
    "has_kind",
]


class Side(IntEnum):
    """Side of an order or fill: +1 buy (bid), -1 sell (ask), 0 none (public/non-sided)."""

    BUY = 1
    SELL = -1
    NONE = 0


class EventKind(IntFlag):
    """Bit flags in the ``flags`` field. A row may carry one base kind plus modifiers.

    Base kinds (exactly one per row): ACK, REJECT, CANCEL, REPLACE, FILL, TRADE,
    TOP, RFQ, SETTLE, MARK. Modifiers: MAKER / TAKER (on FILL), QUOTE (the order
    is a mass-quote side), FINAL (the order's life ends with this row: filled
    out or cancelled).
    """

    ACK = 1 << 0  #: order accepted (order_id assigned; qty = accepted quantity)
    REJECT = 1 << 1  #: command refused, ``reason`` says why; nothing changed
    CANCEL = 1 << 2  #: resting/remaining quantity removed, ``reason`` says why
    REPLACE = 1 << 3  #: cancel/replace accepted: new price and leaves
    FILL = 1 << 4  #: private execution report to one side of a match
    MAKER = 1 << 5  #: modifier on FILL: the resting (passive) side
    TAKER = 1 << 6  #: modifier on FILL: the incoming (aggressive) side
    TRADE = 1 << 7  #: public trade print (owner = PUBLIC), side = aggressor side
    TOP = 1 << 8  #: public top-of-book change on one side (side = +1 bid, -1 ask)
    QUOTE = 1 << 9  #: modifier: the order is a mass-quote side
    FINAL = 1 << 10  #: modifier: the order is finished (leaves == 0)
    RFQ = 1 << 12  #: sim level: request for quote (venue.rfq)
    SETTLE = 1 << 13  #: sim level: expiry / settlement record (venue.settlement)
    MARK = 1 << 14  #: sim level: reference mark (e.g. latent fair value), not tradable


class Reason(IntEnum):
    """Reason codes on REJECT and CANCEL rows (``reason`` field, int16)."""

    NONE = 0
    # --- rejects
    OFF_TICK = 1  #: price not on the instrument's tick grid
    BELOW_MIN_SIZE = 2  #: qty below the instrument class's minimum size
    UNKNOWN_ORDER = 3  #: cancel/replace of an order id that is not live
    CROSSED_QUOTE = 4  #: mass-quote leg with bid >= ask
    NON_POSITIVE_PRICE = 5  #: price <= 0
    PRICE_OUT_OF_RANGE = 6  #: price outside the instrument's price ladder
    UNKNOWN_INSTRUMENT = 7  #: instrument id not in 0..n-1
    UNKNOWN_OWNER = 8  #: participant id not in 0..max_participants-1
    NOT_OWNER = 9  #: cancel/replace of another participant's order
    BAD_SIDE = 10  #: side not +1/-1
    BAD_QTY = 11  #: qty <= 0 (or above the class's maximum size)
    UNKNOWN_COMMAND = 12  #: command kind not known
    WOULD_CROSS = 13  #: post-only quote side that would trade on entry
    # --- cancels
    REQUESTED = 32  #: cancel command
    IOC_REMAINDER = 33  #: unfilled rest of an IOC order
    FOK_UNFILLABLE = 34  #: FOK order that could not fill completely (nothing traded)
    SELF_TRADE = 35  #: self-trade prevention removed this order's quantity
    QUOTE_REPLACED = 36  #: a mass quote replaced this quote side (price change / size up)
    QUOTE_PULLED = 37  #: a mass quote with zero size on this side
    EXPIRED = 38  #: instrument expired (sim level)


#: ``owner`` value of public rows (TRADE, TOP) that are market data for everyone.
PUBLIC = -1
#: ``order_id`` / ``match_id`` value when the row refers to no order / match.
NO_ID = -1
#: ``price`` of a TOP row (and of ``best_bid``/``best_ask``) when that side is empty.
EMPTY_PRICE = -1

EVENT_DTYPE = np.dtype(
    [
        ("ts_exchange", np.int64),  # ns, when the venue processed it
        ("ts_local", np.int64),  # ns, when the recipient sees it (engine: = ts_exchange)
        ("seq", np.int64),  # venue sequence number, strictly increasing
        ("instrument", np.int32),  # instrument id 0..n-1 (0 = underlying by convention)
        ("side", np.int8),  # Side: +1 buy/bid, -1 sell/ask, 0 none
        ("flags", np.uint16),  # EventKind bits
        ("reason", np.int16),  # Reason on REJECT / CANCEL, else 0
        ("price", np.int64),  # integer price units (ticks.py), EMPTY_PRICE if none
        ("qty", np.int64),  # contracts/shares in this row (filled, cancelled, accepted, size)
        ("leaves", np.int64),  # order's remaining open quantity after this row
        ("order_id", np.int64),  # venue order id (NO_ID if none)
        ("client_id", np.int64),  # the owner's own order id, echoed
        ("owner", np.int32),  # participant the row is addressed to (PUBLIC = -1)
        ("contra", np.int32),  # on FILL: the counterparty participant id, else -1
        ("tag", np.int32),  # on FILL: the counterparty's tag; on other rows: own tag
        ("match_id", np.int64),  # links the two FILL rows and the TRADE row of one match
        ("fee", np.float64),  # currency, on FILL rows: + paid, - rebate received
    ]
)


def empty_events(n: int = 0) -> npt.NDArray[np.void]:
    """Return a zero-filled event array of length ``n`` (``order_id``/``match_id`` = NO_ID).

    Parameters
    ----------
    n : int
        Number of rows.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    out = np.zeros(n, dtype=EVENT_DTYPE)
    out["order_id"] = NO_ID
    out["match_id"] = NO_ID
    out["contra"] = -1
    out["owner"] = PUBLIC
    return out


def has_kind(events: npt.NDArray[np.void], kind: EventKind) -> npt.NDArray[np.bool_]:
    """Boolean mask of rows whose ``flags`` contain every bit of ``kind``.

    Parameters
    ----------
    events : ndarray of EVENT_DTYPE
    kind : EventKind
        One flag or several or-ed together (all must be set).
    """
    bits = np.uint16(int(kind))
    return np.asarray((events["flags"] & bits) == bits)


def fills_of(events: npt.NDArray[np.void], owner: int | None = None) -> npt.NDArray[np.void]:
    """Private FILL rows, optionally only those addressed to ``owner`` (participant id)."""
    mask = has_kind(events, EventKind.FILL)
    if owner is not None:
        mask &= events["owner"] == owner
    return events[mask]


def events_digest(events: npt.NDArray[np.void]) -> str:
    """SHA-256 hex digest of the raw bytes of an event array (determinism checks)."""
    import hashlib

    arr = np.ascontiguousarray(events)
    if arr.dtype != EVENT_DTYPE:
        raise ValueError(f"events must have EVENT_DTYPE, got dtype {arr.dtype}")
    return hashlib.sha256(arr.tobytes()).hexdigest()


_BASE_KINDS = (
    EventKind.ACK, EventKind.REJECT, EventKind.CANCEL, EventKind.REPLACE, EventKind.FILL,
    EventKind.TRADE, EventKind.TOP, EventKind.RFQ, EventKind.SETTLE, EventKind.MARK,
)  # fmt: skip
_MODIFIERS = (EventKind.MAKER, EventKind.TAKER, EventKind.QUOTE, EventKind.FINAL)


def describe(events: npt.NDArray[np.void]) -> list[str]:
    """One human-readable line per row (debugging and test failure messages).

    Example line: ``seq=12 ts=5000 FILL|TAKER instr=3 buy 4@105 leaves=6 id=4294967297
    owner=2 contra=1 tag=7 fee=2.00``.
    """
    side_name = {1: "buy", -1: "sell", 0: "-"}
    out = []
    for r in events:
        flags = int(r["flags"])
        names = [k.name or "" for k in _BASE_KINDS + _MODIFIERS if flags & int(k)]
        line = (
            f"seq={int(r['seq'])} ts={int(r['ts_exchange'])} {'|'.join(names) or '?'} "
            f"instr={int(r['instrument'])} {side_name.get(int(r['side']), '?')} "
            f"{int(r['qty'])}@{int(r['price'])} leaves={int(r['leaves'])} "
            f"id={int(r['order_id'])} owner={int(r['owner'])}"
        )
        if flags & int(EventKind.FILL):
            line += f" contra={int(r['contra'])} tag={int(r['tag'])} fee={float(r['fee']):.2f}"
        if int(r["reason"]):
            line += f" reason={Reason(int(r['reason'])).name}"
        out.append(line)
    return out

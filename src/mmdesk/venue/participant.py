"""How a participant (an agent, the desk) talks to a venue — simulated, replayed or live.

A participant is any object with the handlers of :class:`Participant`. The
venue side (``mmdesk.sim.loop`` in simulation) calls them; a handler may return
:class:`Commands`, which travel to the venue with the participant's order-entry
latency. Nothing here depends on the simulator: the same desk code can be driven
by a replay or a live gateway that delivers the same records.

Prices on this interface are integer price units (``MarketView.price_unit``
currency each, the venue's finest increment; e.g. 0.01); quantities are
contracts (options) or shares (underlying); times are int64 ns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from mmdesk.typing import Float64Array, Int64Array
from mmdesk.venue.listing import Listing
from mmdesk.venue.ticks import TickTable

#: Time in force of an order.
TIF_DAY: int = 0  #: rests until filled or cancelled
TIF_IOC: int = 1  #: immediate or cancel
TIF_FOK: int = 2  #: fill or kill

#: One limit order: instrument id, side (+1 buy / -1 sell), limit price (units),
#: quantity, time in force, the sender's own id (echoed on its reports), and the
#: venue owner id it is sent for (-1: the sender's first ``participant_ids``).
ORDER_DTYPE = np.dtype(
    [
        ("owner", np.int32),
        ("instrument", np.int32),
        ("side", np.int8),
        ("tif", np.int8),
        ("price", np.int64),
        ("qty", np.int64),
        ("client_id", np.int64),
    ]
)

#: One leg of a mass quote: replaces the sender's bid and ask on ``instrument``.
#: A side with qty 0 is pulled. ``owner`` as in :data:`ORDER_DTYPE`.
QUOTE_DTYPE = np.dtype(
    [
        ("owner", np.int32),
        ("instrument", np.int32),
        ("bid", np.int64),
        ("bid_qty", np.int64),
        ("ask", np.int64),
        ("ask_qty", np.int64),
    ]
)

#: One RFQ sent by a participant: instrument, size, and the owner it is sent for
#: (-1: the sender's first ``participant_ids``). The side stays with the sender.
RFQ_DTYPE = np.dtype([("owner", np.int32), ("instrument", np.int32), ("qty", np.int64)])
_EMPTY_RFQS = np.zeros(0, dtype=RFQ_DTYPE)
_EMPTY_ORDERS = np.zeros(0, dtype=ORDER_DTYPE)
_EMPTY_QUOTES = np.zeros(0, dtype=QUOTE_DTYPE)
_EMPTY_IDS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Commands:
    """What a participant sends in one message: cancels, then a mass quote, then orders, then RFQs.

    Attributes
    ----------
    cancels
        Venue order ids to cancel, int64.
    quotes
        Rows of :data:`QUOTE_DTYPE` (one mass-quote message).
    orders
        Rows of :data:`ORDER_DTYPE`, processed in row order.
    rfqs
        Rows of :data:`RFQ_DTYPE` (requests for quote).
    """

    cancels: Int64Array = field(default_factory=lambda: _EMPTY_IDS)
    quotes: npt.NDArray[np.void] = field(default_factory=lambda: _EMPTY_QUOTES)
    orders: npt.NDArray[np.void] = field(default_factory=lambda: _EMPTY_ORDERS)
    rfqs: npt.NDArray[np.void] = field(default_factory=lambda: _EMPTY_RFQS)

    def __len__(self) -> int:
        return int(self.cancels.size + self.quotes.size + self.orders.size + self.rfqs.size)


def make_orders(
    instrument: npt.ArrayLike,
    side: npt.ArrayLike,
    price: npt.ArrayLike,
    qty: npt.ArrayLike,
    tif: int = TIF_IOC,
    client_id: npt.ArrayLike = 0,
    owner: npt.ArrayLike = -1,
) -> npt.NDArray[np.void]:
    """Vectorised :data:`ORDER_DTYPE` rows (arguments broadcast; price in integer units)."""
    args = (instrument, side, price, qty, client_id, owner)
    n = int(np.broadcast(*(np.asarray(a) for a in args)).size)
    out = np.zeros(n, dtype=ORDER_DTYPE)
    out["instrument"] = instrument
    out["side"] = side
    out["price"] = price
    out["qty"] = qty
    out["tif"] = tif
    out["client_id"] = client_id
    out["owner"] = owner
    return out


def make_quotes(
    instrument: npt.ArrayLike,
    bid: npt.ArrayLike,
    bid_qty: npt.ArrayLike,
    ask: npt.ArrayLike,
    ask_qty: npt.ArrayLike,
    owner: npt.ArrayLike = -1,
) -> npt.NDArray[np.void]:
    """Vectorised :data:`QUOTE_DTYPE` rows (arguments broadcast; prices in integer units)."""
    args = (instrument, bid, bid_qty, ask, ask_qty, owner)
    n = int(np.broadcast(*(np.asarray(a) for a in args)).size)
    out = np.zeros(n, dtype=QUOTE_DTYPE)
    out["instrument"] = instrument
    out["bid"] = bid
    out["bid_qty"] = bid_qty
    out["ask"] = ask
    out["ask_qty"] = ask_qty
    out["owner"] = owner
    return out


@dataclass(frozen=True, eq=False)
class MarketView:
    """Top of book of every instrument as the venue published it at ``ts_exchange`` (ns).

    Arrays are indexed by instrument id (0 = underlying). Empty sides have price
    -1 and qty 0. The participant sees it at ``ts_local`` >= ``ts_exchange``
    (market-data latency). ``last`` is the last trade price (-1 if none).
    """

    ts_exchange: int
    ts_local: int
    bid: Int64Array
    ask: Int64Array
    bid_qty: Int64Array
    ask_qty: Int64Array
    last: Int64Array
    price_unit: float

    @classmethod
    def from_columns(
        cls,
        ts_exchange: int,
        ts_local: int,
        columns: tuple[Int64Array, Int64Array, Int64Array, Int64Array],
        last: Int64Array,
        price_unit: float,
    ) -> MarketView:
        """The view ``MarketView(ts_exchange, ts_local, *columns, last, price_unit)``.

        ``columns`` is ``(bid, ask, bid_qty, ask_qty)``. Same object as the
        constructor's, built without the frozen dataclass's field-by-field
        ``object.__setattr__`` (~2 us a view): for a venue publishing many views.
        """
        view = object.__new__(cls)
        view.__dict__.update(
            ts_exchange=ts_exchange,
            ts_local=ts_local,
            bid=columns[0],
            ask=columns[1],
            bid_qty=columns[2],
            ask_qty=columns[3],
            last=last,
            price_unit=price_unit,
        )
        return view

    def mid(self) -> Float64Array:
        """Mid price in currency per instrument (NaN where a side is empty)."""
        ok = (self.bid > 0) & (self.ask > 0)
        m = np.full(self.bid.shape, np.nan)
        m[ok] = 0.5 * (self.bid[ok] + self.ask[ok]) * self.price_unit
        return m

    def mid_at(self, instrument: int) -> float:
        """Mid price in currency of one instrument (NaN where a side is empty), as :meth:`mid`."""
        b, a = int(self.bid[instrument]), int(self.ask[instrument])
        if b > 0 and a > 0:
            return 0.5 * (b + a) * self.price_unit
        return float("nan")


@dataclass(frozen=True)
class RfqRequest:
    """A request for a two-sided price for ``qty`` of ``instrument``; the side is not disclosed."""

    rfq_id: int
    ts_ns: int
    instrument: int
    qty: int
    requester_tag: int


@dataclass(frozen=True)
class RfqAnswer:
    """A responder's two-sided price (integer units) for the full size of an RFQ.

    ``bid`` or ``ask`` may be -1 to answer one side only.
    """

    rfq_id: int
    participant: int
    bid: int
    ask: int


@dataclass(frozen=True)
class RfqQuotes:
    """The best answers to one RFQ, shown to its requester (prices in integer units).

    ``owner`` is the requesting venue owner, ``instrument`` and ``qty`` echo the request.
    ``best_bid``/``best_ask`` are -1 when nobody answered that side; the
    ``*_participant`` fields name the winning responder (-1 if none).
    """

    rfq_id: int
    owner: int
    instrument: int
    qty: int
    best_bid: int
    best_bid_participant: int
    best_ask: int
    best_ask_participant: int
    n_answers: int


@dataclass(frozen=True, eq=False)
class VenueInfo:
    """Static facts of a venue a participant may read at start (no latent state).

    Attributes
    ----------
    listing
        Option series (``mmdesk.venue.listing.Listing``).
    option_ticks, underlying_ticks
        Tick tables (``mmdesk.venue.ticks.TickTable``), integer price units.
    price_unit
        Currency per integer price unit.
    sessions_ns
        (open, close) of every trading session of the run, ns.
    rate, div_yield
        The scenario's continuously compounded rate and dividend yield per year.
    physical_settlement
        True when expiring options settle by delivering shares, False for cash.
    """

    listing: Listing
    option_ticks: TickTable
    underlying_ticks: TickTable
    price_unit: float
    sessions_ns: tuple[tuple[int, int], ...]
    rate: float
    div_yield: float
    physical_settlement: bool = False


@runtime_checkable
class Participant(Protocol):
    """A trading participant: the venue calls these handlers, in time order.

    One Python object may trade for several venue owners (an agent *group*,
    e.g. five noise tags): ``participant_ids[j]`` trades under ``tags[j]``;
    command rows name their ``owner`` (-1 = ``participant_ids[0]``). The desk
    has one id and one tag.

    Optional attributes read by the simulator loop: ``market_data_push``
    (bool, default False: the latest view is handed over just before each
    :meth:`on_timer`; True: every book change is pushed after market-data
    latency, for a desk that reacts to ticks) and ``wants_order_updates``
    (bool, default False: ACK/CANCEL/REJECT rows are not delivered). An
    optional ``on_start(info: VenueInfo)`` is called once before the run, and
    an optional ``on_trades(rows) -> Commands | None`` receives every public
    TRADE row (EVENT_DTYPE, ``side`` = aggressor) after market-data latency
    (for VPIN, markouts, the tape).

    Attributes
    ----------
    participant_ids
        Venue owner ids (each in 0..max_participants-1).
    tags
        Counterparty tag of each owner, shown to the other side of its fills
        (see ``mmdesk.flow.agents.tags``).
    timer_ns
        Period of :meth:`on_timer`, ns (0 = never).
    """

    participant_ids: tuple[int, ...]
    tags: tuple[int, ...]
    timer_ns: int

    def on_market_data(self, view: MarketView) -> Commands | None:
        """A new top-of-book snapshot has arrived (after market-data latency)."""
        ...

    def on_fill(self, fills: npt.NDArray[np.void]) -> Commands | None:
        """Own FILL rows (EVENT_DTYPE) have arrived (after ack latency); ``tag`` = contra's tag."""
        ...

    def on_order_update(self, rows: npt.NDArray[np.void]) -> Commands | None:
        """Own ACK / CANCEL / REJECT / REPLACE rows (EVENT_DTYPE) have arrived."""
        ...

    def on_timer(self, now_ns: int) -> Commands | None:
        """The participant's periodic timer fired at ``now_ns``."""
        ...

    def on_rfq(self, request: RfqRequest) -> list[RfqAnswer]:
        """Answer an RFQ with two-sided prices (one per owner answering; empty to decline)."""
        ...

    def on_rfq_quotes(self, quotes: RfqQuotes) -> int:
        """Own RFQ answered: +1 buy at ``quotes.best_ask``, -1 sell at ``best_bid``, 0 walk."""
        ...

    def on_settlement(self, records: npt.NDArray[np.void]) -> None:
        """Own expiry/settlement rows (EVENT_DTYPE, flag SETTLE) at an expiry."""
        ...


class ParticipantBase:
    """Convenience base: every handler does nothing; subclasses override what they need."""

    participant_ids: tuple[int, ...] = ()
    tags: tuple[int, ...] = ()
    timer_ns: int = 0

    def on_market_data(self, view: MarketView) -> Commands | None:
        """Ignore market data."""
        return None

    def on_fill(self, fills: npt.NDArray[np.void]) -> Commands | None:
        """Ignore fills."""
        return None

    def on_order_update(self, rows: npt.NDArray[np.void]) -> Commands | None:
        """Ignore order updates."""
        return None

    def on_timer(self, now_ns: int) -> Commands | None:
        """Do nothing on the timer."""
        return None

    def on_rfq(self, request: RfqRequest) -> list[RfqAnswer]:
        """Decline RFQs."""
        return []

    def on_rfq_quotes(self, quotes: RfqQuotes) -> int:
        """Walk away from own RFQs."""
        return 0

    def on_settlement(self, records: npt.NDArray[np.void]) -> None:
        """Ignore settlements."""
        return None

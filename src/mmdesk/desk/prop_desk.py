"""A prop book as a venue participant: its own timer, routed to the central book or the venue.

A :class:`PropDesk` wraps one :class:`~mmdesk.desk.prop.PropBook` and plugs into
the event loop like any other participant (``SimulationLoop(..., extra=[...])``);
the central book is not changed for it. At every decision (``decision_s``) it
asks the book for its requests with the market view it sees and the central
book's :class:`~mmdesk.desk.firm_records.InternalQuote`, then routes them:

- ``PropRoute.CROSSING``: each request is priced and booked by
  :class:`~mmdesk.desk.crossing.InternalCrossing` against the central book
  (both gates; one :class:`~mmdesk.desk.firm_records.CrossRecord` journaled in
  both books, the central side through ``CentralHook.accept_cross``);
- ``PropRoute.VENUE``: the same request is sent to the venue as an IOC order
  under the prop book's own owner id and tag, its limit ``slippage_ticks``
  through the opposite best (it pays the spread, the fees and the price impact
  of its aggressive volume), after the prop book's own gate approved it; fills
  are booked into the prop book's positions with their fees.

Decisions are off the session's second grid by default (``decision_phase_s``
= 2.5 s with a 2.5-s timer): every participant's timer starts at the open, so a
prop book deciding at open + k·300 s would cross with the central book at the
very instant the competing makers run their 5-s timer and 30-s full refresh.
The central book's requote on its new inventory then races the makers'
refresh, computed from a view without it, and the makers' new quotes trade
through the central book's freshly leaned quotes by the dozen (measured in
``docs/firm.md``: up to 30 option fills in one millisecond after a 600-share
cross, +7,700 shares of delta). A desk deciding in lock-step with its
competitors' refresh is a simulation artefact, not a trading choice.

Between decisions the timer only snapshots the book's value marked to the
internal mids (``snapshot`` journal table), so its daily P&L lines up with the
central book's. Every decision journals the central book's internal mid of each
instrument requested; execution cost = Σ signed size × (price − that mid) ×
multiplier (+ fees on the venue).

Crossed options never reach the venue's settlement: a prop book must not hold
an option past its expiry (the example books flatten before); the desk raises
if one does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.desk.crossing import (
    BookLedger,
    CrossDenial,
    CrossingConfig,
    CrossMarks,
    InternalCrossing,
)
from mmdesk.desk.firm_records import CrossRecord, CrossRequest, InternalQuote
from mmdesk.desk.journal import SCHEMAS, Journal
from mmdesk.desk.prop import PropBook, mark_to_internal
from mmdesk.market.events import EventKind
from mmdesk.venue.participant import (
    TIF_IOC,
    Commands,
    MarketView,
    ParticipantBase,
    VenueInfo,
    make_orders,
)

#: First tag of prop books on the venue (a block of its own, outside the agents' blocks).
TAG_PROP: int = 800
_F_FILL = int(EventKind.FILL)

#: A prop desk's journal tables (prices ``_px`` in currency per share, times ns).
PROP_SCHEMAS: dict[str, dict[str, object]] = {
    "decisions": {"ts_ns": np.int64, "requests": np.int32, "signal": np.float64},
    "crosses": SCHEMAS["crosses"],
    "denials": {
        "ts_ns": np.int64,
        "instrument": np.int32,
        "qty": np.float64,
        "denied_by": object,
        "reason": object,
    },
    "orders": {
        "ts_ns": np.int64,
        "client_id": np.int64,
        "instrument": np.int32,
        "side": np.int8,
        "price": np.int64,
        "qty": np.int64,
        "mid_px": np.float64,
    },
    "fills": {
        "ts_ns": np.int64,
        "instrument": np.int32,
        "side": np.int8,
        "price_px": np.float64,
        "qty": np.int64,
        "fee": np.float64,
        "client_id": np.int64,
        "mid_px": np.float64,
    },
    "snapshots": {
        "ts_ns": np.int64,
        "value": np.float64,
        "pnl": np.float64,
        "shares": np.float64,
        "gross_contracts": np.float64,
        "cash": np.float64,
        "fees": np.float64,
    },
}


class PropRoute(StrEnum):
    """Where a prop book's requests go."""

    CROSSING = "crossing"  #: internal crossing with the central book
    VENUE = "venue"  #: IOC orders on the venue, as a separate participant


class PropDeskConfig(BaseModel):
    """How a prop book runs in the loop."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    route: PropRoute = PropRoute.CROSSING
    decision_s: float = Field(300.0, gt=0.0, description="seconds between decisions")
    decision_phase_s: float = Field(
        2.5,
        ge=0.0,
        description="first decision this many seconds after the first session's open; "
        "decisions then every ``decision_s`` at the first timer tick at or after each due time",
    )
    snapshot_ms: int = Field(2_500, ge=1, description="timer period (snapshots), ms")
    slippage_ticks: int = Field(
        2, ge=0, description="venue route: IOC limit this many ticks through the opposite best"
    )


class CentralHook(Protocol):
    """What a prop desk needs from the central book (``CentralBook`` provides it)."""

    def internal_quote(self) -> InternalQuote:
        """Unskewed mids and half-spreads per instrument, currency per share."""
        ...

    def cross_marks(self) -> CrossMarks:
        """Greeks and factor variances for pricing and gating a cross."""
        ...

    @property
    def ledger(self) -> BookLedger:
        """The central book's positions, gate and cross journal."""
        ...

    def accept_cross(self, record: CrossRecord) -> None:
        """Book an approved cross on the central side (positions, journal, requote)."""
        ...


class PropDesk(ParticipantBase):
    """One prop book trading on its own timer, through crossing or on the venue.

    Parameters
    ----------
    book : PropBook
        The prop book (strategy, positions, gate).
    central : CentralHook
        The central book: internal quote and marks (both routes), crossing (crossing route).
    config : PropDeskConfig
        Route and cadence.
    owner_id : int
        The prop book's venue owner id (``mmdesk.sim.loop.first_free_owner`` up).
    tag : int
        Its venue tag (default :data:`TAG_PROP`).
    crossing : CrossingConfig, optional
        The crossing agreement (crossing route).
    observer : callable, optional
        Called with the time (ns) at every timer tick, before any decision (e.g.
        to sample the central book's skew for the experiment).
    """

    def __init__(
        self,
        book: PropBook,
        central: CentralHook,
        config: PropDeskConfig,
        owner_id: int,
        tag: int = TAG_PROP,
        crossing: CrossingConfig | None = None,
        observer: Callable[[int], None] | None = None,
    ) -> None:
        self.book = book
        self.config = config
        self._central = central
        self._crossing_config = crossing if crossing is not None else CrossingConfig()
        self._crossing: InternalCrossing | None = None
        self._observer = observer
        self.participant_ids = (int(owner_id),)
        self.tags = (int(tag),)
        self.timer_ns = config.snapshot_ms * 1_000_000
        self.market_data_push = False
        self.wants_order_updates = False
        self.journal = Journal(PROP_SCHEMAS)
        self.view: MarketView | None = None
        self._sessions: list[tuple[int, int]] = []
        self._last_slot: tuple[int, int] = (-1, -1)
        self._next_client = 1
        self._decision_mid: dict[int, float] = {}
        self.denials: list[CrossDenial] = []

    # ------------------------------------------------------------------ venue handlers
    def on_start(self, info: VenueInfo) -> None:
        """Keep the venue's static facts (ticks, price unit, sessions)."""
        self.unit = float(info.price_unit)
        self.und_tick_units = int(info.underlying_ticks.steps[0])
        self.opt_ticks = info.option_ticks
        self.expiries_ns = info.listing.expiry_ns
        self._sessions = [(int(o), int(c)) for o, c in info.sessions_ns]

    def on_market_data(self, view: MarketView) -> Commands | None:
        """Keep the newest view for the next decision."""
        self.view = view
        return None

    def on_timer(self, now_ns: int) -> Commands | None:
        """Snapshot; at a decision time, decide and route the requests."""
        try:
            quote = self._central.internal_quote()
            marks = self._central.cross_marks()
        except RuntimeError:  # the central book has no theo yet
            return None
        self._check_no_expired_option(now_ns)
        if self._observer is not None:
            self._observer(now_ns)
        out = None
        slot = self._decision_slot(now_ns)
        if slot is not None and slot != self._last_slot and self.view is not None:
            self._last_slot = slot
            requests = self.book.decide(self.view, quote)
            self.journal.append(
                "decisions", ts_ns=now_ns, requests=len(requests), signal=self.signal()
            )
            if self.config.route is PropRoute.CROSSING:
                self._cross(now_ns, requests, quote, marks)
            else:
                out = self._orders(now_ns, requests, quote, marks)
        self._snapshot(now_ns, quote)
        return out

    def on_fill(self, fills: npt.NDArray[np.void]) -> Commands | None:
        """Venue route: book own fills (with fees) into the prop book's positions."""
        f = fills[(fills["flags"] & _F_FILL) != 0]
        pos = self.book.positions
        for r in f:
            ins = int(r["instrument"])
            sq = float(r["side"]) * float(r["qty"])
            px = float(r["price"]) * self.unit
            if ins == 0:
                pos.fill_underlying(sq, px, float(r["fee"]))
            else:
                pos.fill_option(ins - 1, sq, px, float(r["fee"]))
        if f.size:
            cid = f["client_id"].astype(np.int64)
            self.journal.append(
                "fills",
                ts_ns=f["ts_exchange"],
                instrument=f["instrument"],
                side=f["side"],
                price_px=f["price"] * self.unit,
                qty=f["qty"],
                fee=f["fee"],
                client_id=cid,
                mid_px=np.array([self._decision_mid.get(int(c), math.nan) for c in cid]),
            )
        return None

    def _decision_slot(self, now_ns: int) -> tuple[int, int] | None:
        """(session open, k) of the latest decision due at ``now_ns``, None before the first.

        Decisions are due at open + ``decision_phase_s`` + k·``decision_s`` in every
        session (each session's grid starts at its own open, like every timer).
        """
        phase = int(self.config.decision_phase_s * 1e9)
        step = int(self.config.decision_s * 1e9)
        for open_ns, close_ns in self._sessions:
            if open_ns <= now_ns < close_ns:
                if now_ns < open_ns + phase:
                    return None
                return open_ns, (now_ns - open_ns - phase) // step
        return None if self._sessions else (0, now_ns // step)

    # ------------------------------------------------------------------ state
    def signal(self) -> float:
        """The strategy's last signal if it exposes one (``last_signal``), else NaN."""
        return float(getattr(self.book.strategy, "last_signal", math.nan))

    def value(self, quote: InternalQuote) -> float:
        """The prop book's value marked to the internal mids, currency."""
        return mark_to_internal(self.book.positions, quote)

    def _snapshot(self, now_ns: int, quote: InternalQuote) -> None:
        pos = self.book.positions
        value = self.value(quote)
        self.journal.append(
            "snapshots",
            ts_ns=now_ns,
            value=value,
            pnl=value - self.book.capital,
            shares=pos.shares,
            gross_contracts=float(np.abs(pos.contracts).sum()),
            cash=pos.cash,
            fees=pos.fees,
        )

    def _check_no_expired_option(self, now_ns: int) -> None:
        held = np.flatnonzero(
            (self.book.positions.contracts != 0.0) & (self.expiries_ns <= np.int64(now_ns))
        )
        if held.size:
            raise RuntimeError(
                f"prop book {self.book.name!r} holds option {int(held[0])} past its expiry "
                "(prop books must flatten before expiry: crossed options are not settled)"
            )

    # ------------------------------------------------------------------ routes
    def _cross(
        self, now_ns: int, requests: list[CrossRequest], quote: InternalQuote, marks: CrossMarks
    ) -> None:
        if self._crossing is None:
            central = self._central
            self._crossing = InternalCrossing(
                self._crossing_config, central.ledger, central.accept_cross
            )
        for req in requests:
            res = self._crossing.cross(now_ns, self.book.ledger, req, quote, marks)
            if isinstance(res, CrossDenial):
                self.denials.append(res)
                self.journal.append(
                    "denials",
                    ts_ns=now_ns,
                    instrument=res.instrument,
                    qty=res.qty,
                    denied_by=res.denied_by.name,
                    reason=res.reason.name,
                )
                continue
            self.journal.append(
                "crosses",
                ts_ns=res.ts_ns,
                prop=res.prop,
                instrument=res.instrument,
                qty=res.qty,
                price_px=res.price,
                mid_px=res.mid,
                adjustment=res.adjustment,
                delta_risk=res.delta_risk,
                reason=res.reason.name,
            )

    def _limit_units(self, instrument: int, side: int) -> int:
        """IOC limit: ``slippage_ticks`` through the opposite best (0 when that side is empty)."""
        v = self.view
        assert v is not None
        best = int(v.ask[instrument]) if side > 0 else int(v.bid[instrument])
        if best <= 0:
            return 0
        slip = self.config.slippage_ticks
        if instrument == 0:
            return max(best + side * slip * self.und_tick_units, self.und_tick_units)
        u = np.array([best], dtype=np.int64)
        for _ in range(slip):
            u = self.opt_ticks.tick_up(u) if side > 0 else self.opt_ticks.tick_down(u)
        return int(u[0]) if int(u[0]) > 0 else best

    def _orders(
        self, now_ns: int, requests: list[CrossRequest], quote: InternalQuote, marks: CrossMarks
    ) -> Commands | None:
        rows = []
        for req in requests:
            side = 1 if req.qty > 0 else -1
            qty = round(abs(req.qty))
            price_u = self._limit_units(req.instrument, side)
            if qty <= 0 or price_u <= 0:
                continue
            mid = float(quote.mid[req.instrument])
            decision = self.book.ledger.check(
                now_ns, req.instrument, side * float(qty), price_u * self.unit, mid, marks
            )
            if not decision.allowed:
                self.journal.append(
                    "denials",
                    ts_ns=now_ns,
                    instrument=req.instrument,
                    qty=req.qty,
                    denied_by="PROP",
                    reason=decision.reason.name,
                )
                continue
            cid = self._next_client
            self._next_client += 1
            self._decision_mid[cid] = mid
            self.journal.append(
                "orders",
                ts_ns=now_ns,
                client_id=cid,
                instrument=req.instrument,
                side=side,
                price=price_u,
                qty=qty,
                mid_px=mid,
            )
            rows.append(make_orders(req.instrument, side, price_u, qty, TIF_IOC, cid))
        return Commands(orders=np.concatenate(rows)) if rows else None

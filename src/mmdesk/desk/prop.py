"""Prop books: strategies with their own view, positions, P&L and limits.

A prop book trades the firm's capital next to the central market-making
book. Its strategy (a :class:`PropStrategy`) is handed, on each decision, one
:class:`PropContext` and nothing else:

- ``view``: the venue's top of book (a read-only copy of the ``MarketView``);
- ``state``: a read-only :class:`PropSnapshot` of its own positions and P&L;
- ``quote``: the central book's :class:`~mmdesk.desk.firm_records.InternalQuote`
  (mid and half-spread, no inventory).

Isolation is enforced by what is handed over: frozen dataclasses whose arrays
are private read-only copies. The context holds no reference to a
``Positions``, a ``RiskGate``, the central book, the crossing desk or another
prop book, so a strategy cannot read or change anyone's state through it. The
strategy answers with :class:`~mmdesk.desk.firm_records.CrossRequest` records
(instrument and size); the :class:`PropBook` that owns it sends them to the
crossing desk, whose gates and pricing decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from mmdesk.desk.crossing import BookLedger
from mmdesk.desk.firm_records import CrossRequest, InternalQuote, frozen_copy
from mmdesk.risk.gate import GateState, RiskGate
from mmdesk.risk.limits import LimitsConfig
from mmdesk.risk.positions import ChainLayout, Positions
from mmdesk.typing import Float64Array
from mmdesk.venue.participant import MarketView


def _frozen_ints(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=np.int64, copy=True)
    out.flags.writeable = False
    return out


def freeze_view(view: MarketView) -> MarketView:
    """A copy of ``view`` whose arrays are private and read-only."""
    return MarketView(
        ts_exchange=int(view.ts_exchange),
        ts_local=int(view.ts_local),
        bid=_frozen_ints(view.bid),
        ask=_frozen_ints(view.ask),
        bid_qty=_frozen_ints(view.bid_qty),
        ask_qty=_frozen_ints(view.ask_qty),
        last=_frozen_ints(view.last),
        price_unit=float(view.price_unit),
    )


def mark_to_internal(positions: Positions, quote: InternalQuote) -> float:
    """Value of a book marked to the internal mids, currency.

    cash + shares·mid₀ + multiplier·Σ contracts_i·mid_{i+1}; flat instruments
    count zero even where the mid is NaN.
    """
    mid = quote.mid
    held = positions.contracts != 0.0
    opt = np.where(held, mid[1 : positions.contracts.size + 1], 0.0)
    und = mid[0] * positions.shares if positions.shares != 0.0 else 0.0
    return float(
        positions.cash + und + positions.layout.multiplier * np.dot(positions.contracts, opt)
    )


@dataclass(frozen=True, slots=True)
class PropSnapshot:
    """A prop book's own state, read-only.

    Attributes
    ----------
    ts_ns : int
        Time of the snapshot, ns.
    name : str
        The book's name.
    contracts : ndarray
        Signed contracts per option (read-only copy).
    shares : float
        Signed underlying shares.
    cash, fees : float
        Currency.
    value : float
        Marked to the internal mids, currency.
    pnl : float
        value − starting capital, currency.
    state : GateState
        The book's risk-gate state.
    """

    ts_ns: int
    name: str
    contracts: Float64Array
    shares: float
    cash: float
    fees: float
    value: float
    pnl: float
    state: GateState


@dataclass(frozen=True, slots=True)
class PropContext:
    """Everything a prop strategy is given for one decision."""

    view: MarketView
    state: PropSnapshot
    quote: InternalQuote


@runtime_checkable
class PropStrategy(Protocol):
    """A prop book's view: from the context, the crosses it wants."""

    def decide(self, context: PropContext) -> Sequence[CrossRequest]:
        """Cross requests (instrument, signed size) for this decision; empty to do nothing."""
        ...


class PropBook:
    """A prop book: a strategy, its own positions, P&L and limits (its own risk gate).

    Parameters
    ----------
    name : str
        Book name (journaled on every cross).
    strategy : PropStrategy
        The view; sees only :class:`PropContext` objects.
    layout : ChainLayout
        The option chain the book trades.
    limits : LimitsConfig
        The book's own hard limits, checked by its own :class:`RiskGate`.
    capital : float
        Starting cash, currency.
    start_ns : int
        Clock start for the gate's order-rate bucket, ns.
    """

    def __init__(
        self,
        name: str,
        strategy: PropStrategy,
        layout: ChainLayout,
        limits: LimitsConfig,
        capital: float = 0.0,
        start_ns: int = 0,
    ) -> None:
        if not name:
            raise ValueError("name='' must be a non-empty book name")
        self.name = name
        self._strategy = strategy
        self.capital = float(capital)
        self.ledger = BookLedger(
            name, Positions(layout, cash=capital), RiskGate(limits, start_ns=start_ns)
        )

    @property
    def strategy(self) -> PropStrategy:
        """The book's strategy (the desk's handle, e.g. to read its last signal)."""
        return self._strategy

    @property
    def positions(self) -> Positions:
        """The book's own positions (the desk's handle; never given to the strategy)."""
        return self.ledger.positions

    def snapshot(self, ts_ns: int, quote: InternalQuote) -> PropSnapshot:
        """The book's state marked to the internal mids, as a read-only record."""
        pos = self.ledger.positions
        value = mark_to_internal(pos, quote)
        return PropSnapshot(
            ts_ns=int(ts_ns),
            name=self.name,
            contracts=frozen_copy(pos.contracts, "contracts"),
            shares=float(pos.shares),
            cash=float(pos.cash),
            fees=float(pos.fees),
            value=value,
            pnl=value - self.capital,
            state=GateState(self.ledger.gate.state),
        )

    def context(self, view: MarketView, quote: InternalQuote) -> PropContext:
        """The isolated context the strategy sees at ``view.ts_local``."""
        return PropContext(freeze_view(view), self.snapshot(view.ts_local, quote), quote)

    def decide(self, view: MarketView, quote: InternalQuote) -> list[CrossRequest]:
        """Ask the strategy for its cross requests; anything else it returns is refused."""
        out = list(self._strategy.decide(self.context(view, quote)))
        for r in out:
            if not isinstance(r, CrossRequest):
                kind = type(r).__name__
                raise TypeError(f"strategy of {self.name!r} returned {kind}, not a CrossRequest")
        return out

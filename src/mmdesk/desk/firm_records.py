"""Immutable records exchanged between the central book and the prop books.

Everything a prop book is handed, and everything that crosses between two
books, is one of these records: frozen dataclasses whose arrays are private
read-only copies. Holding one gives no path back to the book that made it.

Instrument ids follow the venue: 0 is the underlying, ``i + 1`` is option i
of the chain. Prices are in currency per share (the quoted premium; one
option contract is ``multiplier`` shares); quantities are signed contracts
(options) or shares (underlying), from the prop book's side (+ = the prop
book buys, the central book sells).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from mmdesk.typing import Float64Array


def frozen_copy(values: npt.ArrayLike, name: str) -> Float64Array:
    """A private, read-only float64 copy of ``values`` (no view on the caller's array).

    Parameters
    ----------
    values : array-like
        The values to copy.
    name : str
        Field name, for the error message.
    """
    out = np.array(values, dtype=np.float64, copy=True)
    if out.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {out.shape}")
    out.flags.writeable = False
    return out


@dataclass(frozen=True, slots=True)
class InternalQuote:
    """The central book's internal price for prop books: mid and half-spread, no inventory.

    ``mid`` is the central book's unskewed theo (the underlying's mid for
    instrument 0) and ``half_spread`` its unskewed half-spread, both in
    currency per share and indexed by instrument id. Neither depends on the
    central book's positions, so the quote reveals nothing about its inventory;
    the risk adjustment of a cross (see ``mmdesk.desk.crossing``) is only
    revealed on the cross itself.

    Attributes
    ----------
    ts_ns : int
        Time the quote was made, ns.
    mid, half_spread : ndarray
        Currency per share, read-only; NaN where the central book has no price.
    multiplier : float
        Shares per option contract.
    """

    ts_ns: int
    mid: Float64Array
    half_spread: Float64Array
    multiplier: float

    @classmethod
    def make(
        cls, ts_ns: int, mid: npt.ArrayLike, half_spread: npt.ArrayLike, multiplier: float
    ) -> InternalQuote:
        """Build a quote from the central book's arrays (copied, frozen, validated)."""
        m = frozen_copy(mid, "mid")
        h = frozen_copy(half_spread, "half_spread")
        if m.shape != h.shape:
            raise ValueError(f"half_spread shape {h.shape} differs from mid shape {m.shape}")
        bad = np.flatnonzero(h < 0.0)
        if bad.size:
            raise ValueError(f"half_spread[{bad[0]}]={h[bad[0]]} must be >= 0")
        if not (math.isfinite(multiplier) and multiplier > 0.0):
            raise ValueError(f"multiplier={multiplier} must be a positive number")
        return cls(int(ts_ns), m, h, float(multiplier))

    @property
    def bid(self) -> Float64Array:
        """mid − half_spread, currency per share (a fresh read-only array)."""
        return frozen_copy(self.mid - self.half_spread, "bid")

    @property
    def ask(self) -> Float64Array:
        """mid + half_spread, currency per share (a fresh read-only array)."""
        return frozen_copy(self.mid + self.half_spread, "ask")


@dataclass(frozen=True, slots=True)
class CrossRequest:
    """A prop book's request to trade with the central book: what and how much, nothing else.

    Attributes
    ----------
    instrument : int
        0 = underlying, i + 1 = option i.
    qty : float
        Signed contracts (options) or shares (underlying); + = the prop book buys.
    """

    instrument: int
    qty: float

    def __post_init__(self) -> None:
        if self.instrument < 0:
            raise ValueError(f"instrument={self.instrument} must be >= 0")
        if not math.isfinite(self.qty) or self.qty == 0.0:
            raise ValueError(f"qty={self.qty} must be a finite non-zero size")


class CrossReason(IntEnum):
    """Why a cross was priced the way it was."""

    REDUCES_RISK = 0  #: the central book's risk fell: part of the half-spread given back
    ADDS_RISK = 1  #: the central book's risk rose (or stayed): half-spread plus a risk premium


class CrossRole(IntEnum):
    """Which side of a cross a book is on."""

    PROP = 1  #: takes ``qty`` as signed (buys when qty > 0)
    CENTRAL = -1  #: takes −``qty``


@dataclass(frozen=True, slots=True)
class CrossRecord:
    """One internal cross, journaled identically in both books.

    Attributes
    ----------
    ts_ns : int
        Time of the cross, ns.
    prop : str
        Name of the prop book.
    instrument : int
        0 = underlying, i + 1 = option i.
    qty : float
        Signed size from the prop book's side (+ = prop buys, central sells).
    price : float
        The one price both books book, currency per share.
    mid : float
        The internal mid it was priced from, currency per share.
    adjustment : float
        price − mid, currency per share (> 0 costs a buyer, < 0 favours a buyer).
    delta_risk : float
        ΔR = R(x + Δx) − R(x) of the central book's greek-bucket risk, currency².
    reason : CrossReason
        REDUCES_RISK (ΔR < 0) or ADDS_RISK.
    """

    ts_ns: int
    prop: str
    instrument: int
    qty: float
    price: float
    mid: float
    adjustment: float
    delta_risk: float
    reason: CrossReason

    def signed_qty(self, role: CrossRole) -> float:
        """The size this cross adds to the book on ``role``'s side."""
        return float(role) * self.qty

    def cash_flow(self, role: CrossRole, multiplier: float) -> float:
        """Cash this cross pays to the book on ``role``'s side, currency (− when it buys)."""
        size = self.qty * (multiplier if self.instrument > 0 else 1.0)
        return -float(role) * size * self.price

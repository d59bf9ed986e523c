"""Commands into the matching engine: one numpy structured dtype, one row per command.

A batch of commands is a :data:`COMMAND_DTYPE` array sorted by ``ts`` (int64 ns,
the time the venue processes the command, i.e. after order-entry latency).
Prices are integer price units (see :mod:`mmdesk.venue.ticks`), quantities are
contracts/shares. Fields a kind does not use are ignored (leave them 0).

=========  ===========================================================================
kind       fields used
=========  ===========================================================================
LIMIT      instrument, side, price, qty, owner, client_id, tag — rests if not filled
IOC        same as LIMIT; unfilled remainder is cancelled (reason IOC_REMAINDER)
FOK        same as LIMIT; fills completely at once or nothing happens (FOK_UNFILLABLE)
CANCEL     order_id, owner (must own the order)
REPLACE    order_id, owner, price, qty (new price and new *open* quantity)
QUOTE      one mass-quote leg: instrument, owner, tag, client_id, price/qty = bid,
           price2/qty2 = ask; qty = 0 pulls that side. A mass quote is consecutive
           QUOTE rows (same ts and owner), one per option.
=========  ===========================================================================
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import numpy.typing as npt

__all__ = ["COMMAND_DTYPE", "CommandKind", "make_commands", "mass_quote"]


class CommandKind(IntEnum):
    """The ``kind`` field of a command row."""

    LIMIT = 1
    IOC = 2
    FOK = 3
    CANCEL = 4
    REPLACE = 5
    QUOTE = 6


COMMAND_DTYPE = np.dtype(
    [
        ("ts", np.int64),  # ns, venue processing time (non-decreasing within a batch)
        ("kind", np.int8),  # CommandKind
        ("side", np.int8),  # +1 buy, -1 sell (LIMIT/IOC/FOK)
        ("instrument", np.int32),  # 0..n-1
        ("owner", np.int32),  # participant id 0..max_participants-1
        ("tag", np.int32),  # counterparty tag shown to the contra side on fills
        ("price", np.int64),  # integer price units (QUOTE: bid price)
        ("qty", np.int64),  # contracts/shares (QUOTE: bid size; REPLACE: new open qty)
        ("price2", np.int64),  # QUOTE: ask price
        ("qty2", np.int64),  # QUOTE: ask size
        ("order_id", np.int64),  # CANCEL/REPLACE: venue order id
        ("client_id", np.int64),  # participant's own id, echoed on events
    ]
)


def make_commands(n: int) -> npt.NDArray[np.void]:
    """A zero-filled command array of length ``n`` to fill column by column."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return np.zeros(n, dtype=COMMAND_DTYPE)


def mass_quote(
    ts: int,
    owner: int,
    instrument: npt.ArrayLike,
    bid_price: npt.ArrayLike,
    bid_qty: npt.ArrayLike,
    ask_price: npt.ArrayLike,
    ask_qty: npt.ArrayLike,
    *,
    tag: int = 0,
    client_id: int = 0,
) -> npt.NDArray[np.void]:
    """Build one mass quote: a QUOTE leg per instrument (vectorised).

    Parameters
    ----------
    ts : int
        Venue processing time, ns.
    owner : int
        Quoting participant id.
    instrument, bid_price, bid_qty, ask_price, ask_qty : array_like
        Broadcast together; prices in integer units, sizes in contracts
        (0 pulls that side).
    tag, client_id : int
        Counterparty tag and client id carried on every leg.
    """
    ins, bp, bq, ap, aq = np.broadcast_arrays(
        np.asarray(instrument, dtype=np.int32),
        np.asarray(bid_price, dtype=np.int64),
        np.asarray(bid_qty, dtype=np.int64),
        np.asarray(ask_price, dtype=np.int64),
        np.asarray(ask_qty, dtype=np.int64),
    )
    out = make_commands(ins.size)
    out["ts"] = ts
    out["kind"] = CommandKind.QUOTE
    out["owner"] = owner
    out["tag"] = tag
    out["client_id"] = client_id
    out["instrument"] = ins.ravel()
    out["price"] = bp.ravel()
    out["qty"] = bq.ravel()
    out["price2"] = ap.ravel()
    out["qty2"] = aq.ravel()
    return out

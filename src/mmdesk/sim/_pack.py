"""Numba kernels of the loop's per-batch glue (each with its pure-Python twin ``*_python``).

* :func:`pack_message`: one participant message (cancels, mass quote, orders) into
  engine command rows, record to record, with the owner check and the tags;
* :func:`private_rows`: which venue rows go to one participant (its fills, its
  other order updates);
* :func:`rows_with`: the rows carrying some flags, as a fresh array (numpy's
  boolean indexing of a structured array costs ~7 us a call, this ~1 us);
* :func:`scan_batch`: everything the loop reads from one engine batch in one pass
  (the kinds present, the rows the journal keeps, the trades, the underlying's
  aggressive trades, the new last-trade prices, and where each private row goes);
  :func:`take_rows` then copies one participant's private rows out.

Structured arrays are read and written field by field on records (``row["field"]``), so one call
replaces the dozen of column views and small numpy calls a batch used to cost.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from mmdesk.typing import Int64Array

#: CommandKind values (mmdesk.venue.commands), inlined for the kernels.
_LIMIT, _IOC, _FOK, _CANCEL, _QUOTE = 1, 2, 3, 4, 6
#: Time-in-force codes (mmdesk.venue.participant).
_TIF_IOC, _TIF_FOK = 1, 2
#: EventKind.FILL and EventKind.TRADE (mmdesk.market.events).
_FILL = 1 << 4
_TRADE = 1 << 7


def _held_python(owner: int, k: int, owner_pidx: Int64Array) -> bool:
    """True if venue owner id ``owner`` belongs to participant index ``k``."""
    return 0 <= owner < owner_pidx.shape[0] and owner_pidx[owner] == k


def pack_message_python(
    ts: int,
    cancels: Int64Array,
    quotes: Any,
    orders: Any,
    default_owner: int,
    k: int,
    owner_pidx: Int64Array,
    owner_tag: Int64Array,
    i0: int,
    out: Any,
) -> int:
    """Write one message of participant ``k`` into COMMAND_DTYPE rows ``out[i0:]``.

    Parameters
    ----------
    ts
        Venue processing time of every row, ns.
    cancels, quotes, orders
        The message (int64 order ids, QUOTE_DTYPE rows, ORDER_DTYPE rows), written
        in that order; an ``owner`` of -1 means ``default_owner``.
    k
        The sender's participant index; every row's owner must map to ``k`` in
        ``owner_pidx`` (venue owner id → participant index, -1 if unused).
    owner_tag
        Counterparty tag of each venue owner id (the ``tag`` field of each row).
    i0, out
        First row to write and the zero-filled command array.

    Returns
    -------
    int
        The next free row, or -1 if a row names an owner ``k`` does not hold
        (rows written so far are then meaningless).
    """
    i = i0
    for j in range(cancels.shape[0]):
        if not _held(default_owner, k, owner_pidx):
            return -1
        o = out[i]
        o["ts"] = ts
        o["kind"] = _CANCEL
        o["order_id"] = cancels[j]
        o["owner"] = default_owner
        o["tag"] = owner_tag[default_owner]
        i += 1
    for j in range(quotes.shape[0]):
        q = quotes[j]
        owner = default_owner if q["owner"] < 0 else q["owner"]
        if not _held(owner, k, owner_pidx):
            return -1
        o = out[i]
        o["ts"] = ts
        o["kind"] = _QUOTE
        o["owner"] = owner
        o["tag"] = owner_tag[owner]
        o["instrument"] = q["instrument"]
        o["price"] = q["bid"]
        o["qty"] = q["bid_qty"]
        o["price2"] = q["ask"]
        o["qty2"] = q["ask_qty"]
        i += 1
    for j in range(orders.shape[0]):
        r = orders[j]
        owner = default_owner if r["owner"] < 0 else r["owner"]
        if not _held(owner, k, owner_pidx):
            return -1
        t = r["tif"]
        o = out[i]
        o["ts"] = ts
        o["kind"] = _IOC if t == _TIF_IOC else (_FOK if t == _TIF_FOK else _LIMIT)
        o["owner"] = owner
        o["tag"] = owner_tag[owner]
        o["instrument"] = r["instrument"]
        o["side"] = r["side"]
        o["price"] = r["price"]
        o["qty"] = r["qty"]
        o["client_id"] = r["client_id"]
        i += 1
    return i


def private_rows_python(
    owner: Any,
    flags: Any,
    owner_pidx: Int64Array,
    k: int,
    want_fills: bool,
    want_updates: bool,
) -> tuple[Int64Array, Int64Array]:
    """Row indices of participant ``k``'s own FILL rows and own other rows.

    Parameters
    ----------
    owner, flags
        The rows' ``owner`` (venue owner id, -1 public) and ``flags`` (EventKind bits).
    owner_pidx
        Venue owner id → participant index (-1 if unused).
    want_fills, want_updates
        Which of the two lists to fill (the other comes back empty).
    """
    n = owner.shape[0]
    fills = np.empty(n, dtype=np.int64)
    updates = np.empty(n, dtype=np.int64)
    nf = 0
    nu = 0
    for j in range(n):
        o = owner[j]
        if o < 0 or owner_pidx[o] != k:
            continue
        if flags[j] & _FILL:
            if want_fills:
                fills[nf] = j
                nf += 1
        elif want_updates:
            updates[nu] = j
            nu += 1
    return fills[:nf], updates[:nu]


def rows_with_python(rows: Any, bits: int) -> Any:
    """A fresh array of the ``rows`` (EVENT_DTYPE) whose ``flags`` share a bit with ``bits``."""
    k = 0
    for j in range(rows.shape[0]):
        if rows[j]["flags"] & bits:
            k += 1
    out = np.empty(k, rows.dtype)
    k = 0
    for j in range(rows.shape[0]):
        if rows[j]["flags"] & bits:
            out[k] = rows[j]
            k += 1
    return out


def scan_batch_python(
    rows: Any, keep_bits: int, owner_pidx: Int64Array, private_mode: Int64Array, last: Int64Array
) -> tuple[int, Any, Any, Int64Array, Int64Array, Int64Array, Int64Array, Int64Array]:
    """One pass over an engine batch: what the loop needs from it.

    Parameters
    ----------
    rows
        The batch (EVENT_DTYPE), in venue order.
    keep_bits
        EventKind bits of the rows the journal keeps (0: keep none).
    owner_pidx
        Venue owner id → participant index (-1 if unused).
    private_mode
        Per participant index: bit 1 wants its own FILL rows, bit 2 its other own rows.
    last
        Last trade price of every instrument (integer units, -1 if none).

    Returns
    -------
    present
        OR of every row's ``flags``.
    kept, trades
        Fresh arrays of the rows sharing a bit with ``keep_bits`` and of the TRADE rows.
    und_ts, und_signed
        Times (ns) and aggressor side × shares of the trades in the underlying (instrument 0).
    new_last
        A copy of ``last`` updated by the trades (later rows win); empty if no trade.
    dest, counts
        Per row ``2 k`` (own FILL row of participant ``k`` who wants fills), ``2 k + 1``
        (other own row, wanted) or -1; ``counts[c]`` rows with ``dest == c``.

    :func:`scan_into`, then :func:`rows_with` and :func:`trade_rows` (the loop
    calls the last two only when a batch has such rows).
    """
    n = rows.shape[0]
    dest = np.empty(n, dtype=np.int64)
    counts = np.empty(2 * private_mode.shape[0], dtype=np.int64)
    info = np.empty(3, dtype=np.int64)
    present = scan_into(rows, keep_bits, owner_pidx, private_mode, dest, counts, info)
    kept = rows_with(rows, keep_bits)
    trades, und_ts, und_signed, new_last = trade_rows(rows, info[1], info[2], last)
    if info[1] == 0:
        new_last = np.empty(0, dtype=np.int64)
    return present, kept, trades, und_ts, und_signed, new_last, dest, counts


def scan_into_python(
    rows: Any,
    keep_bits: int,
    owner_pidx: Int64Array,
    private_mode: Int64Array,
    dest: Int64Array,
    counts: Int64Array,
    info: Int64Array,
) -> int:
    """:func:`scan_batch`'s counting pass into the caller's buffers (nothing allocated).

    Writes ``dest[:n]`` and ``counts`` as :func:`scan_batch` returns them and
    ``info[:3]`` = rows kept, TRADE rows, trades in the underlying; returns
    ``present`` (the OR of the flags). The arrays themselves, when any, come from
    :func:`rows_with` (kept rows) and :func:`trade_rows` (the trades): most
    batches have neither, and every array a kernel returns costs ~1 us to box.
    ``dest`` must hold at least ``rows.shape[0]`` entries.
    """
    n = rows.shape[0]
    present = 0
    n_keep = 0
    n_trade = 0
    n_und = 0
    for c in range(counts.shape[0]):
        counts[c] = 0
    for j in range(n):
        r = rows[j]
        f = r["flags"]
        present |= f
        if f & keep_bits:
            n_keep += 1
        if f & _TRADE:
            n_trade += 1
            if r["instrument"] == 0:
                n_und += 1
        dest[j] = -1
        o = r["owner"]
        if 0 <= o < owner_pidx.shape[0]:
            k = owner_pidx[o]
            if k >= 0:
                m = private_mode[k]
                c = 2 * k if f & _FILL else 2 * k + 1
                if (f & _FILL and m & 1) or ((f & _FILL) == 0 and m & 2):
                    dest[j] = c
                    counts[c] += 1
    info[0] = n_keep
    info[1] = n_trade
    info[2] = n_und
    return present


def trade_rows_python(
    rows: Any, n_trade: int, n_und: int, last: Int64Array
) -> tuple[Any, Int64Array, Int64Array, Int64Array]:
    """The trades of a batch with ``n_trade`` TRADE rows, ``n_und`` of them in the underlying.

    Returns ``trades``, ``und_ts``, ``und_signed`` and ``new_last`` as :func:`scan_batch`.
    """
    trades = np.empty(n_trade, rows.dtype)
    und_ts = np.empty(n_und, dtype=np.int64)
    und_signed = np.empty(n_und, dtype=np.int64)
    new_last = np.empty(last.shape[0], dtype=np.int64)
    for i in range(last.shape[0]):
        new_last[i] = last[i]
    b = 0
    u = 0
    for j in range(rows.shape[0]):
        if rows[j]["flags"] & _TRADE:
            trades[b] = rows[j]
            b += 1
            ins = rows[j]["instrument"]
            new_last[ins] = rows[j]["price"]
            if ins == 0:
                und_ts[u] = rows[j]["ts_exchange"]
                und_signed[u] = np.int64(rows[j]["side"]) * rows[j]["qty"]
                u += 1
    return trades, und_ts, und_signed, new_last


def take_rows_python(rows: Any, dest: Int64Array, code: int, n: int) -> Any:
    """A fresh array of the ``n`` rows whose ``dest`` (:func:`scan_batch`) equals ``code``."""
    out = np.empty(n, rows.dtype)
    k = 0
    for j in range(rows.shape[0]):
        if dest[j] == code:
            out[k] = rows[j]
            k += 1
    return out


_held = numba.njit(cache=True)(_held_python)
scan_batch = numba.njit(cache=True)(scan_batch_python)
scan_into = numba.njit(cache=True)(scan_into_python)
trade_rows = numba.njit(cache=True)(trade_rows_python)
take_rows = numba.njit(cache=True)(take_rows_python)
rows_with = numba.njit(cache=True)(rows_with_python)
pack_message = numba.njit(cache=True)(pack_message_python)
private_rows = numba.njit(cache=True)(private_rows_python)

__all__ = [
    "pack_message",
    "pack_message_python",
    "private_rows",
    "private_rows_python",
    "rows_with",
    "rows_with_python",
    "scan_batch",
    "scan_batch_python",
    "scan_into",
    "scan_into_python",
    "take_rows",
    "take_rows_python",
    "trade_rows",
    "trade_rows_python",
]

"""Matching-engine kernels: all books in preallocated arrays (numba).

Readable specification first: every function below is plain Python over the
arrays of a :class:`BookState`. At the bottom of the module each function name
is rebound to ``numba.njit(cache=True)`` of itself, and :data:`process_python`
is a pure-Python clone of the whole call tree (its own globals), so the twin and
the kernel run the same source; ``tests/venue/test_engine_twin.py`` checks they
emit byte-identical events on random command streams.

Layout
------
* Orders live in a pool of slots (``o_*`` arrays) with a free-slot stack.
  A venue order id is ``(sequence << 32) | slot``: unique, increasing, and it
  names its slot, so a stale id never finds a reused slot.
* One price ladder per instrument (bids and asks share it: the book is never
  crossed, so a level holds only one side's orders). Level ``p`` of instrument
  ``i`` is ``lad_off[i] + p - lad_base[i]``; each level is a FIFO doubly linked
  list of slots (``lvl_head``, ``lvl_tail``, ``o_prev``, ``o_next``) with its
  total open quantity ``lvl_qty``.
* ``best[i, 0]`` / ``best[i, 1]``: best bid / ask price (EMPTY_PRICE if none).
* ``quote_slot[owner, i, side]``: slot of a participant's mass-quote side.
"""

from __future__ import annotations

import types
from typing import Any, NamedTuple

import numba
import numpy as np

from mmdesk.market.events import EMPTY_PRICE, EVENT_DTYPE, NO_ID, PUBLIC, EventKind, Reason
from mmdesk.venue.commands import COMMAND_DTYPE, CommandKind

# ---- constants (frozen into the kernels)
_EMPTY = EMPTY_PRICE
_NO_ID = NO_ID
_PUBLIC = PUBLIC
_NIL = -1  # null slot

F_ACK = int(EventKind.ACK)
F_REJECT = int(EventKind.REJECT)
F_CANCEL = int(EventKind.CANCEL)
F_REPLACE = int(EventKind.REPLACE)
F_FILL = int(EventKind.FILL)
F_MAKER = int(EventKind.MAKER)
F_TAKER = int(EventKind.TAKER)
F_TRADE = int(EventKind.TRADE)
F_TOP = int(EventKind.TOP)
F_QUOTE = int(EventKind.QUOTE)
F_FINAL = int(EventKind.FINAL)

R_OFF_TICK = int(Reason.OFF_TICK)
R_BELOW_MIN = int(Reason.BELOW_MIN_SIZE)
R_UNKNOWN_ORDER = int(Reason.UNKNOWN_ORDER)
R_CROSSED_QUOTE = int(Reason.CROSSED_QUOTE)
R_NON_POSITIVE = int(Reason.NON_POSITIVE_PRICE)
R_OUT_OF_RANGE = int(Reason.PRICE_OUT_OF_RANGE)
R_UNKNOWN_INSTR = int(Reason.UNKNOWN_INSTRUMENT)
R_UNKNOWN_OWNER = int(Reason.UNKNOWN_OWNER)
R_NOT_OWNER = int(Reason.NOT_OWNER)
R_BAD_SIDE = int(Reason.BAD_SIDE)
R_BAD_QTY = int(Reason.BAD_QTY)
R_UNKNOWN_CMD = int(Reason.UNKNOWN_COMMAND)
R_WOULD_CROSS = int(Reason.WOULD_CROSS)
R_REQUESTED = int(Reason.REQUESTED)
R_IOC = int(Reason.IOC_REMAINDER)
R_FOK = int(Reason.FOK_UNFILLABLE)
R_SELF = int(Reason.SELF_TRADE)
R_Q_REPLACED = int(Reason.QUOTE_REPLACED)
R_Q_PULLED = int(Reason.QUOTE_PULLED)

C_LIMIT = int(CommandKind.LIMIT)
C_IOC = int(CommandKind.IOC)
C_FOK = int(CommandKind.FOK)
C_CANCEL = int(CommandKind.CANCEL)
C_REPLACE = int(CommandKind.REPLACE)
C_QUOTE = int(CommandKind.QUOTE)

# ---- indices into BookState.state (int64 scalars)
S_EVENT_SEQ = 0  # next event sequence number
S_ORDER_SEQ = 1  # next order sequence number
S_MATCH_SEQ = 2  # next match id
S_N_EVENTS = 3  # rows written to events in the current call
S_FREE_TOP = 4  # number of free slots on the free stack
S_STATUS = 5  # 0 done, 1 needs a bigger event buffer, 2 needs a bigger order pool
N_STATE = 6

# ---- indices into BookState.params
P_STP = 0  # STPMode
P_EMIT_TOP = 1
P_EMIT_TRADES = 2
P_POST_ONLY = 3
N_PARAMS = 4

SLOT_MASK = (1 << 32) - 1


class BookState(NamedTuple):
    """Every array of the engine (one NamedTuple so kernels take one argument)."""

    # per class c
    cls_tick_start: np.ndarray  # int64[C, B] band starts, units
    cls_tick_step: np.ndarray  # int64[C, B] band steps, units
    cls_tick_nb: np.ndarray  # int64[C] bands used
    cls_min_qty: np.ndarray  # int64[C]
    cls_max_qty: np.ndarray  # int64[C]
    cls_maker_fee: np.ndarray  # float64[C] currency per unit qty
    cls_taker_fee: np.ndarray  # float64[C]
    # per instrument i
    ins_class: np.ndarray  # int64[n]
    lad_base: np.ndarray  # int64[n] lowest price of the ladder, units
    lad_width: np.ndarray  # int64[n] number of levels
    lad_off: np.ndarray  # int64[n] offset into the level arrays
    best: np.ndarray  # int64[n, 2] best bid / ask price, EMPTY if none
    n_rest: np.ndarray  # int64[n, 2] resting orders per side
    last_top: np.ndarray  # int64[n, 4] last published bid px, bid qty, ask px, ask qty
    # per level
    lvl_head: np.ndarray  # int32[L]
    lvl_tail: np.ndarray  # int32[L]
    lvl_qty: np.ndarray  # int64[L]
    # per order slot
    o_id: np.ndarray  # int64[N] order id, NO_ID when free
    o_instr: np.ndarray  # int32[N]
    o_side: np.ndarray  # int8[N] +1 / -1
    o_price: np.ndarray  # int64[N]
    o_qty: np.ndarray  # int64[N] open quantity (leaves)
    o_owner: np.ndarray  # int32[N]
    o_tag: np.ndarray  # int32[N]
    o_client: np.ndarray  # int64[N]
    o_quote: np.ndarray  # int8[N] 1 if a mass-quote side
    o_prev: np.ndarray  # int32[N]
    o_next: np.ndarray  # int32[N]
    free_stack: np.ndarray  # int32[N]
    # per participant
    quote_slot: np.ndarray  # int32[P, n, 2]
    # scalars
    state: np.ndarray  # int64[N_STATE]
    params: np.ndarray  # int64[N_PARAMS]


def _sidx(side: int) -> int:
    """Side +1 (buy/bid) → 0, -1 (sell/ask) → 1."""
    return 0 if side > 0 else 1


def _emit(
    b: BookState,
    ev: Any,
    ts: int,
    instr: int,
    side: int,
    flags: int,
    reason: int,
    price: int,
    qty: int,
    leaves: int,
    oid: int,
    client: int,
    owner: int,
    contra: int,
    tag: int,
    match_id: int,
    fee: float,
) -> None:
    k = b.state[S_N_EVENTS]
    r = ev[k]
    r["ts_exchange"] = ts
    r["ts_local"] = ts
    r["seq"] = b.state[S_EVENT_SEQ]
    r["instrument"] = instr
    r["side"] = side
    r["flags"] = flags
    r["reason"] = reason
    r["price"] = price
    r["qty"] = qty
    r["leaves"] = leaves
    r["order_id"] = oid
    r["client_id"] = client
    r["owner"] = owner
    r["contra"] = contra
    r["tag"] = tag
    r["match_id"] = match_id
    r["fee"] = fee
    b.state[S_N_EVENTS] = k + 1
    b.state[S_EVENT_SEQ] += 1


def _lvl(b: BookState, instr: int, price: int) -> int:
    return b.lad_off[instr] + price - b.lad_base[instr]


def _in_ladder(b: BookState, instr: int, price: int) -> bool:
    return b.lad_base[instr] <= price < b.lad_base[instr] + b.lad_width[instr]


def _on_grid(b: BookState, instr: int, p: int) -> bool:
    c = b.ins_class[instr]
    nb = b.cls_tick_nb[c]
    j = 0
    for k in range(1, nb):
        if b.cls_tick_start[c, k] <= p:
            j = k
        else:
            break
    return (p - b.cls_tick_start[c, j]) % b.cls_tick_step[c, j] == 0


def _check_price_qty(b: BookState, instr: int, price: int, qty: int) -> int:
    """Reason a (price, qty) is not acceptable on ``instr``; 0 if it is."""
    c = b.ins_class[instr]
    if qty <= 0 or qty > b.cls_max_qty[c]:
        return R_BAD_QTY
    if qty < b.cls_min_qty[c]:
        return R_BELOW_MIN
    if price <= 0:
        return R_NON_POSITIVE
    if not _on_grid(b, instr, price):
        return R_OFF_TICK
    if not _in_ladder(b, instr, price):
        return R_OUT_OF_RANGE
    return 0


def _lookup(b: BookState, oid: int) -> int:
    """Slot of live order ``oid``, or _NIL."""
    if oid <= 0:
        return _NIL
    slot = oid & SLOT_MASK
    if slot >= b.o_id.shape[0]:
        return _NIL
    if b.o_id[slot] != oid:
        return _NIL
    return slot


def _alloc(b: BookState) -> int:
    top = b.state[S_FREE_TOP] - 1
    b.state[S_FREE_TOP] = top
    slot = b.free_stack[top]
    oid = (b.state[S_ORDER_SEQ] << 32) | slot
    b.state[S_ORDER_SEQ] += 1
    b.o_id[slot] = oid
    b.o_prev[slot] = _NIL
    b.o_next[slot] = _NIL
    return slot


def _free(b: BookState, slot: int) -> None:
    if b.o_quote[slot] == 1:
        s = _sidx(b.o_side[slot])
        if b.quote_slot[b.o_owner[slot], b.o_instr[slot], s] == slot:
            b.quote_slot[b.o_owner[slot], b.o_instr[slot], s] = _NIL
    b.o_id[slot] = _NO_ID
    b.o_quote[slot] = 0
    top = b.state[S_FREE_TOP]
    b.free_stack[top] = slot
    b.state[S_FREE_TOP] = top + 1


def _link(b: BookState, slot: int) -> None:
    """Append a slot at the back of its price level's queue."""
    instr = b.o_instr[slot]
    price = b.o_price[slot]
    s = _sidx(b.o_side[slot])
    lv = _lvl(b, instr, price)
    tail = b.lvl_tail[lv]
    b.o_prev[slot] = tail
    b.o_next[slot] = _NIL
    if tail == _NIL:
        b.lvl_head[lv] = slot
    else:
        b.o_next[tail] = slot
    b.lvl_tail[lv] = slot
    b.lvl_qty[lv] += b.o_qty[slot]
    b.n_rest[instr, s] += 1
    cur = b.best[instr, s]
    if cur == _EMPTY or (s == 0 and price > cur) or (s == 1 and price < cur):
        b.best[instr, s] = price


def _unlink(b: BookState, slot: int) -> None:
    """Remove a slot from its level's queue; rescan the best price if its level empties."""
    instr = b.o_instr[slot]
    price = b.o_price[slot]
    s = _sidx(b.o_side[slot])
    lv = _lvl(b, instr, price)
    prv = b.o_prev[slot]
    nxt = b.o_next[slot]
    if prv == _NIL:
        b.lvl_head[lv] = nxt
    else:
        b.o_next[prv] = nxt
    if nxt == _NIL:
        b.lvl_tail[lv] = prv
    else:
        b.o_prev[nxt] = prv
    b.o_prev[slot] = _NIL
    b.o_next[slot] = _NIL
    b.lvl_qty[lv] -= b.o_qty[slot]
    b.n_rest[instr, s] -= 1
    if b.lvl_head[lv] == _NIL and b.best[instr, s] == price:
        if b.n_rest[instr, s] == 0:
            b.best[instr, s] = _EMPTY
        else:  # the side is not empty, so the scan stops inside the ladder
            step = -1 if s == 0 else 1
            k = lv + step
            head = b.lvl_head
            while head[k] == _NIL:
                k += step
            b.best[instr, s] = price + (k - lv)


def _crosses(side: int, limit: int, opp_best: int) -> bool:
    if opp_best == _EMPTY:
        return False
    if side > 0:
        return opp_best <= limit
    return opp_best >= limit


def _fillable(b: BookState, instr: int, side: int, limit: int, qty: int, owner: int) -> bool:
    """FOK pre-check: can ``qty`` fill at prices up to ``limit`` under the STP mode?"""
    o = 1 if side > 0 else 0
    p = b.best[instr, o]
    if p == _EMPTY:
        return False
    step = 1 if side > 0 else -1
    total = 0
    stop_at_self = b.params[P_STP] == 1
    while _crosses(side, limit, p) and _in_ladder(b, instr, p):
        slot = b.lvl_head[_lvl(b, instr, p)]
        while slot != _NIL:
            if b.o_owner[slot] == owner:
                if stop_at_self:
                    return total >= qty
            else:
                total += b.o_qty[slot]
                if total >= qty:
                    return True
            slot = b.o_next[slot]
        p += step
    return total >= qty


def _match(b: BookState, ev: Any, ts: int, slot: int, limit: int, qty: int) -> tuple[int, bool]:
    """Match an incoming order (its fields in ``slot``) against the opposite side.

    Returns (remaining qty, killed by self-trade prevention).
    """
    instr = b.o_instr[slot]
    side = b.o_side[slot]
    owner = b.o_owner[slot]
    o = 1 if side > 0 else 0
    c = b.ins_class[instr]
    qflag = F_QUOTE if b.o_quote[slot] == 1 else 0
    while qty > 0 and _crosses(side, limit, b.best[instr, o]):
        p = b.best[instr, o]
        lv = _lvl(b, instr, p)
        m = b.lvl_head[lv]
        mflag = F_QUOTE if b.o_quote[m] == 1 else 0
        if b.o_owner[m] == owner:
            if b.params[P_STP] == 1:
                return qty, True
            left = b.o_qty[m]
            _unlink(b, m)
            _emit(
                b,
                ev,
                ts,
                instr,
                b.o_side[m],
                F_CANCEL | F_FINAL | mflag,
                R_SELF,
                p,
                left,
                0,
                b.o_id[m],
                b.o_client[m],
                b.o_owner[m],
                -1,
                b.o_tag[m],
                _NO_ID,
                0.0,
            )
            _free(b, m)
            continue
        q = b.o_qty[m] if b.o_qty[m] < qty else qty
        qty -= q
        b.o_qty[m] -= q
        b.lvl_qty[lv] -= q
        mid = b.state[S_MATCH_SEQ]
        b.state[S_MATCH_SEQ] = mid + 1
        tfin = F_FINAL if qty == 0 else 0
        _emit(
            b,
            ev,
            ts,
            instr,
            side,
            F_FILL | F_TAKER | qflag | tfin,
            0,
            p,
            q,
            qty,
            b.o_id[slot],
            b.o_client[slot],
            owner,
            b.o_owner[m],
            b.o_tag[m],
            mid,
            q * b.cls_taker_fee[c],
        )
        mleft = b.o_qty[m]
        mfin = F_FINAL if mleft == 0 else 0
        _emit(
            b,
            ev,
            ts,
            instr,
            b.o_side[m],
            F_FILL | F_MAKER | mflag | mfin,
            0,
            p,
            q,
            mleft,
            b.o_id[m],
            b.o_client[m],
            b.o_owner[m],
            owner,
            b.o_tag[slot],
            mid,
            q * b.cls_maker_fee[c],
        )
        if b.params[P_EMIT_TRADES] == 1:
            _emit(b, ev, ts, instr, side, F_TRADE, 0, p, q, 0, _NO_ID, 0, _PUBLIC, -1, 0, mid, 0.0)
        if mleft == 0:
            _unlink(b, m)
            _free(b, m)
    return qty, False


def _reject(b: BookState, ev: Any, cmd: Any, reason: int, side: int, price: int, qty: int) -> None:
    _emit(
        b,
        ev,
        cmd["ts"],
        cmd["instrument"],
        side,
        F_REJECT,
        reason,
        price,
        qty,
        0,
        cmd["order_id"] if cmd["kind"] == C_CANCEL or cmd["kind"] == C_REPLACE else _NO_ID,
        cmd["client_id"],
        cmd["owner"],
        -1,
        cmd["tag"],
        _NO_ID,
        0.0,
    )


def _enter(
    b: BookState,
    ev: Any,
    ts: int,
    instr: int,
    side: int,
    price: int,
    qty: int,
    owner: int,
    tag: int,
    client: int,
    tif: int,
    is_quote: bool,
) -> int:
    """Place a validated new order (or quote side): ACK, match, rest or cancel the rest.

    Returns the slot if the order rests, else _NIL.
    """
    slot = _alloc(b)
    b.o_instr[slot] = instr
    b.o_side[slot] = side
    b.o_price[slot] = price
    b.o_qty[slot] = qty
    b.o_owner[slot] = owner
    b.o_tag[slot] = tag
    b.o_client[slot] = client
    b.o_quote[slot] = 1 if is_quote else 0
    qflag = F_QUOTE if is_quote else 0
    oid = b.o_id[slot]
    _emit(
        b,
        ev,
        ts,
        instr,
        side,
        F_ACK | qflag,
        0,
        price,
        qty,
        qty,
        oid,
        client,
        owner,
        -1,
        tag,
        _NO_ID,
        0.0,
    )
    if tif == C_FOK and not _fillable(b, instr, side, price, qty, owner):
        _emit(
            b,
            ev,
            ts,
            instr,
            side,
            F_CANCEL | F_FINAL,
            R_FOK,
            price,
            qty,
            0,
            oid,
            client,
            owner,
            -1,
            tag,
            _NO_ID,
            0.0,
        )
        _free(b, slot)
        return _NIL
    rem, killed = _match(b, ev, ts, slot, price, qty)
    if rem == 0:
        _free(b, slot)
        return _NIL
    if killed or tif != C_LIMIT:
        reason = R_SELF if killed else R_IOC
        _emit(
            b,
            ev,
            ts,
            instr,
            side,
            F_CANCEL | F_FINAL | qflag,
            reason,
            price,
            rem,
            0,
            oid,
            client,
            owner,
            -1,
            tag,
            _NO_ID,
            0.0,
        )
        _free(b, slot)
        return _NIL
    b.o_qty[slot] = rem
    _link(b, slot)
    return slot


def _cancel_slot(b: BookState, ev: Any, ts: int, slot: int, reason: int) -> None:
    left = b.o_qty[slot]
    _unlink(b, slot)
    qflag = F_QUOTE if b.o_quote[slot] == 1 else 0
    _emit(
        b,
        ev,
        ts,
        b.o_instr[slot],
        b.o_side[slot],
        F_CANCEL | F_FINAL | qflag,
        reason,
        b.o_price[slot],
        left,
        0,
        b.o_id[slot],
        b.o_client[slot],
        b.o_owner[slot],
        -1,
        b.o_tag[slot],
        _NO_ID,
        0.0,
    )
    _free(b, slot)


def _do_replace(b: BookState, ev: Any, ts: int, slot: int, price: int, qty: int) -> None:
    """Cancel/replace a live order: keeps priority iff same price and qty <= leaves."""
    instr = b.o_instr[slot]
    side = b.o_side[slot]
    qflag = F_QUOTE if b.o_quote[slot] == 1 else 0
    if price == b.o_price[slot] and qty <= b.o_qty[slot]:
        b.lvl_qty[_lvl(b, instr, price)] -= b.o_qty[slot] - qty
        b.o_qty[slot] = qty
        _emit(
            b,
            ev,
            ts,
            instr,
            side,
            F_REPLACE | qflag,
            0,
            price,
            qty,
            qty,
            b.o_id[slot],
            b.o_client[slot],
            b.o_owner[slot],
            -1,
            b.o_tag[slot],
            _NO_ID,
            0.0,
        )
        return
    _unlink(b, slot)
    b.o_price[slot] = price
    b.o_qty[slot] = qty
    _emit(
        b,
        ev,
        ts,
        instr,
        side,
        F_REPLACE | qflag,
        0,
        price,
        qty,
        qty,
        b.o_id[slot],
        b.o_client[slot],
        b.o_owner[slot],
        -1,
        b.o_tag[slot],
        _NO_ID,
        0.0,
    )
    rem, killed = _match(b, ev, ts, slot, price, qty)
    if rem == 0:
        _free(b, slot)
        return
    if killed:
        _emit(
            b,
            ev,
            ts,
            instr,
            side,
            F_CANCEL | F_FINAL | qflag,
            R_SELF,
            price,
            rem,
            0,
            b.o_id[slot],
            b.o_client[slot],
            b.o_owner[slot],
            -1,
            b.o_tag[slot],
            _NO_ID,
            0.0,
        )
        _free(b, slot)
        return
    b.o_qty[slot] = rem
    _link(b, slot)


def _quote_leg(b: BookState, ev: Any, cmd: Any) -> None:
    """One mass-quote leg: replace the owner's bid and ask on one instrument."""
    ts = cmd["ts"]
    instr = cmd["instrument"]
    owner = cmd["owner"]
    bp = cmd["price"]
    bq = cmd["qty"]
    ap = cmd["price2"]
    aq = cmd["qty2"]
    if bq < 0:
        _reject(b, ev, cmd, R_BAD_QTY, 1, bp, bq)
        return
    if aq < 0:
        _reject(b, ev, cmd, R_BAD_QTY, -1, ap, aq)
        return
    if bq > 0:
        r = _check_price_qty(b, instr, bp, bq)
        if r != 0:
            _reject(b, ev, cmd, r, 1, bp, bq)
            return
    if aq > 0:
        r = _check_price_qty(b, instr, ap, aq)
        if r != 0:
            _reject(b, ev, cmd, r, -1, ap, aq)
            return
    if bq > 0 and aq > 0 and bp >= ap:
        _reject(b, ev, cmd, R_CROSSED_QUOTE, 0, bp, bq)
        return
    need_bid = bq > 0
    need_ask = aq > 0
    # step 1: pull or keep the standing sides
    for s in range(2):
        old = b.quote_slot[owner, instr, s]
        if old == _NIL:
            continue
        p = bp if s == 0 else ap
        q = bq if s == 0 else aq
        if q == 0:
            _cancel_slot(b, ev, ts, old, R_Q_PULLED)
        elif p == b.o_price[old] and q <= b.o_qty[old]:
            if q < b.o_qty[old]:
                _do_replace(b, ev, ts, old, p, q)
            if s == 0:
                need_bid = False
            else:
                need_ask = False
        else:
            _cancel_slot(b, ev, ts, old, R_Q_REPLACED)
    # step 2: place the new sides, bid first
    for s in range(2):
        need = need_bid if s == 0 else need_ask
        if not need:
            continue
        side = 1 if s == 0 else -1
        p = bp if s == 0 else ap
        q = bq if s == 0 else aq
        if b.params[P_POST_ONLY] == 1 and _crosses(side, p, b.best[instr, 1 - s]):
            _reject(b, ev, cmd, R_WOULD_CROSS, side, p, q)
            continue
        slot = _enter(
            b, ev, ts, instr, side, p, q, owner, cmd["tag"], cmd["client_id"], C_LIMIT, True
        )
        if slot != _NIL:
            b.quote_slot[owner, instr, s] = slot


def _publish_top(b: BookState, ev: Any, ts: int, instr: int) -> None:
    for s in range(2):
        p = b.best[instr, s]
        q = 0 if p == _EMPTY else b.lvl_qty[_lvl(b, instr, p)]
        if p != b.last_top[instr, 2 * s] or q != b.last_top[instr, 2 * s + 1]:
            b.last_top[instr, 2 * s] = p
            b.last_top[instr, 2 * s + 1] = q
            _emit(
                b,
                ev,
                ts,
                instr,
                1 if s == 0 else -1,
                F_TOP,
                0,
                p,
                q,
                0,
                _NO_ID,
                0,
                _PUBLIC,
                -1,
                0,
                _NO_ID,
                0.0,
            )


def _command_instrument(b: BookState, cmd: Any) -> int:
    """Instrument a command acts on (the order's for CANCEL/REPLACE), -1 if unknown."""
    k = cmd["kind"]
    if k == C_CANCEL or k == C_REPLACE:
        slot = _lookup(b, cmd["order_id"])
        return -1 if slot == _NIL else b.o_instr[slot]
    i = cmd["instrument"]
    if i < 0 or i >= b.ins_class.shape[0]:
        return -1
    return i


def _one(b: BookState, ev: Any, cmd: Any, instr: int) -> None:
    """Process one command (capacity already checked)."""
    k = cmd["kind"]
    ts = cmd["ts"]
    owner = cmd["owner"]
    if owner < 0 or owner >= b.quote_slot.shape[0]:
        _reject(b, ev, cmd, R_UNKNOWN_OWNER, cmd["side"], cmd["price"], cmd["qty"])
        return
    if k == C_LIMIT or k == C_IOC or k == C_FOK:
        if instr < 0:
            _reject(b, ev, cmd, R_UNKNOWN_INSTR, cmd["side"], cmd["price"], cmd["qty"])
            return
        side = cmd["side"]
        if side != 1 and side != -1:
            _reject(b, ev, cmd, R_BAD_SIDE, side, cmd["price"], cmd["qty"])
            return
        r = _check_price_qty(b, instr, cmd["price"], cmd["qty"])
        if r != 0:
            _reject(b, ev, cmd, r, side, cmd["price"], cmd["qty"])
            return
        _enter(
            b,
            ev,
            ts,
            instr,
            side,
            cmd["price"],
            cmd["qty"],
            owner,
            cmd["tag"],
            cmd["client_id"],
            k,
            False,
        )
    elif k == C_CANCEL or k == C_REPLACE:
        if instr < 0:
            _reject(b, ev, cmd, R_UNKNOWN_ORDER, cmd["side"], cmd["price"], cmd["qty"])
            return
        slot = _lookup(b, cmd["order_id"])
        if b.o_owner[slot] != owner:
            _reject(b, ev, cmd, R_NOT_OWNER, cmd["side"], cmd["price"], cmd["qty"])
            return
        if k == C_CANCEL:
            _cancel_slot(b, ev, ts, slot, R_REQUESTED)
        else:
            r = _check_price_qty(b, instr, cmd["price"], cmd["qty"])
            if r != 0:
                _reject(b, ev, cmd, r, b.o_side[slot], cmd["price"], cmd["qty"])
                return
            _do_replace(b, ev, ts, slot, cmd["price"], cmd["qty"])
    elif k == C_QUOTE:
        if instr < 0:
            _reject(b, ev, cmd, R_UNKNOWN_INSTR, 0, cmd["price"], cmd["qty"])
            return
        _quote_leg(b, ev, cmd)
    else:
        _reject(b, ev, cmd, R_UNKNOWN_CMD, cmd["side"], cmd["price"], cmd["qty"])


def process(b: BookState, cmds: Any, start: int, ev: Any) -> int:
    """Process ``cmds[start:]`` into ``ev`` (from row state[S_N_EVENTS]).

    Stops early, setting state[S_STATUS] (1: event buffer too small, 2: order pool
    too small), before a command that might not fit; returns the index of the
    first unprocessed command.
    """
    b.state[S_STATUS] = 0
    cap = ev.shape[0]
    for i in range(start, cmds.shape[0]):
        cmd = cmds[i]
        instr = _command_instrument(b, cmd)
        need = 16
        if instr >= 0:
            need += 3 * (b.n_rest[instr, 0] + b.n_rest[instr, 1])
        if b.state[S_N_EVENTS] + need > cap:
            b.state[S_STATUS] = 1
            return i
        if b.state[S_FREE_TOP] < 2:
            b.state[S_STATUS] = 2
            return i
        _one(b, ev, cmd, instr)
        if instr >= 0 and b.params[P_EMIT_TOP] == 1:
            _publish_top(b, ev, cmd["ts"], instr)
    return cmds.shape[0]


def process_flat(
    cmds: Any,
    start: int,
    ev: Any,
    cls_tick_start: Any,
    cls_tick_step: Any,
    cls_tick_nb: Any,
    cls_min_qty: Any,
    cls_max_qty: Any,
    cls_maker_fee: Any,
    cls_taker_fee: Any,
    ins_class: Any,
    lad_base: Any,
    lad_width: Any,
    lad_off: Any,
    best: Any,
    n_rest: Any,
    last_top: Any,
    lvl_head: Any,
    lvl_tail: Any,
    lvl_qty: Any,
    o_id: Any,
    o_instr: Any,
    o_side: Any,
    o_price: Any,
    o_qty: Any,
    o_owner: Any,
    o_tag: Any,
    o_client: Any,
    o_quote: Any,
    o_prev: Any,
    o_next: Any,
    free_stack: Any,
    quote_slot: Any,
    state: Any,
    params: Any,
) -> int:
    """:func:`process` with the BookState arrays as separate arguments.

    Numba's dispatcher fingerprints plain array arguments in C but types a
    NamedTuple argument in Python; this entry point keeps a call from Python at a
    few microseconds. Call it as ``process_flat(cmds, start, ev, *book)``.
    """
    b = BookState(
        cls_tick_start,
        cls_tick_step,
        cls_tick_nb,
        cls_min_qty,
        cls_max_qty,
        cls_maker_fee,
        cls_taker_fee,
        ins_class,
        lad_base,
        lad_width,
        lad_off,
        best,
        n_rest,
        last_top,
        lvl_head,
        lvl_tail,
        lvl_qty,
        o_id,
        o_instr,
        o_side,
        o_price,
        o_qty,
        o_owner,
        o_tag,
        o_client,
        o_quote,
        o_prev,
        o_next,
        free_stack,
        quote_slot,
        state,
        params,
    )
    return process(b, cmds, start, ev)


# Query kernels take only the arrays they read: plain array arguments keep a call
# from Python at ~1-2 us, where a BookState argument costs ~80 us of typing.


def queue_ahead(o_prev: Any, o_qty: Any, slot: int) -> int:
    """Open quantity queued ahead of ``slot`` at its price level (contracts/shares)."""
    total = 0
    s = o_prev[slot]
    while s != _NIL:
        total += o_qty[s]
        s = o_prev[s]
    return total


def depth(
    best: Any, lvl_qty: Any, lad_base: Any, lad_width: Any, lad_off: Any,
    instr: int, side: int, n: int, out_px: Any, out_qty: Any,
) -> int:  # fmt: skip
    """Fill the first ``n`` non-empty levels of one side (best first); returns levels found."""
    s = 0 if side > 0 else 1
    p = best[instr, s]
    k = 0
    if p == _EMPTY:
        return 0
    lo = lad_base[instr]
    hi = lo + lad_width[instr]
    step = -1 if s == 0 else 1
    while k < n and lo <= p < hi:
        q = lvl_qty[lad_off[instr] + p - lo]
        if q > 0:
            out_px[k] = p
            out_qty[k] = q
            k += 1
        p += step
    return k


def tops(best: Any, lvl_qty: Any, lad_base: Any, lad_off: Any, out: Any) -> None:
    """Fill out[n, 4] with bid px, bid qty, ask px, ask qty for every instrument."""
    for i in range(best.shape[0]):
        for s in range(2):
            p = best[i, s]
            out[i, 2 * s] = p
            out[i, 2 * s + 1] = 0 if p == _EMPTY else lvl_qty[lad_off[i] + p - lad_base[i]]


# ---- twin and kernels -------------------------------------------------------------
_KERNEL_NAMES = (
    "_sidx", "_emit", "_lvl", "_in_ladder", "_on_grid", "_check_price_qty", "_lookup",
    "_alloc", "_free", "_link", "_unlink", "_crosses", "_fillable", "_match", "_reject",
    "_enter", "_cancel_slot", "_do_replace", "_quote_leg", "_publish_top",
    "_command_instrument", "_one", "process", "process_flat", "queue_ahead", "depth", "tops",
)  # fmt: skip

_py_globals: dict[str, Any] = dict(globals())
for _name in _KERNEL_NAMES:
    _f = globals()[_name]
    _py_globals[_name] = types.FunctionType(_f.__code__, _py_globals, _name, _f.__defaults__)

#: Pure-Python twin of :func:`process` (same source, no numba), the readable spec.
process_python: Any = _py_globals["process"]
process_flat_python: Any = _py_globals["process_flat"]


def copy_events_python(src: Any, k: int) -> Any:
    """A fresh copy of ``src[:k]`` (numpy's structured copy costs ~7 us of set-up per call)."""
    out = np.empty(k, src.dtype)
    for i in range(k):
        out[i] = src[i]
    return out


copy_events = numba.njit(cache=True)(copy_events_python)


def nondecreasing_from_python(ts: Any, first: int) -> bool:
    """True if ``ts`` (int64 ns) is non-decreasing and starts at or after ``first``."""
    prev = first
    for i in range(ts.shape[0]):
        if ts[i] < prev:
            return False
        prev = ts[i]
    return True


nondecreasing_from = numba.njit(cache=True)(nondecreasing_from_python)

#: error_model="numpy": integer % and // cannot raise (tick steps are validated > 0), so
#: no exception path keeps LLVM from inlining the helpers. _nrt=False: the kernels
#: allocate nothing, and without it every helper call increfs/decrefs each array of the
#: BookState (measured ~190 ns per call against ~2 ns without).
_JIT_OPTIONS: dict[str, Any] = {"cache": True, "error_model": "numpy", "_nrt": False}

#: dtype and rank of every BookState array (the engine allocates exactly these).
BOOK_LAYOUT: dict[str, tuple[type, int]] = {
    "cls_tick_start": (np.int64, 2), "cls_tick_step": (np.int64, 2), "cls_tick_nb": (np.int64, 1),
    "cls_min_qty": (np.int64, 1), "cls_max_qty": (np.int64, 1),
    "cls_maker_fee": (np.float64, 1), "cls_taker_fee": (np.float64, 1),
    "ins_class": (np.int64, 1), "lad_base": (np.int64, 1), "lad_width": (np.int64, 1),
    "lad_off": (np.int64, 1), "best": (np.int64, 2), "n_rest": (np.int64, 2),
    "last_top": (np.int64, 2), "lvl_head": (np.int32, 1), "lvl_tail": (np.int32, 1),
    "lvl_qty": (np.int64, 1), "o_id": (np.int64, 1), "o_instr": (np.int32, 1),
    "o_side": (np.int8, 1), "o_price": (np.int64, 1), "o_qty": (np.int64, 1),
    "o_owner": (np.int32, 1), "o_tag": (np.int32, 1), "o_client": (np.int64, 1),
    "o_quote": (np.int8, 1), "o_prev": (np.int32, 1), "o_next": (np.int32, 1),
    "free_stack": (np.int32, 1), "quote_slot": (np.int32, 3), "state": (np.int64, 1),
    "params": (np.int64, 1),
}  # fmt: skip


def _signatures() -> dict[str, Any]:
    """Explicit signatures for the helpers called with many argument-type mixes.

    Without them numba compiles one specialisation per call site's mix of int8 /
    int32 / int64 / literal arguments (28 of ``_emit`` alone), which dominated the
    cold compile time; with them every call casts to int64.
    """
    from numba import types as nt

    book = numba.typeof(
        BookState(**{k: np.zeros((1,) * nd, dt) for k, (dt, nd) in BOOK_LAYOUT.items()})
    )
    ev = numba.typeof(np.zeros(1, EVENT_DTYPE))
    cmd = numba.from_dtype(COMMAND_DTYPE)
    i8 = nt.int64
    b1 = nt.boolean
    return {
        "_emit": nt.none(book, ev, *([i8] * 14), nt.float64),
        "_reject": nt.none(book, ev, cmd, i8, i8, i8, i8),
        "_sidx": i8(i8),
        "_lvl": i8(book, i8, i8),
        "_in_ladder": b1(book, i8, i8),
        "_on_grid": b1(book, i8, i8),
        "_check_price_qty": i8(book, i8, i8, i8),
        "_lookup": i8(book, i8),
        "_alloc": i8(book),
        "_free": nt.none(book, i8),
        "_link": nt.none(book, i8),
        "_unlink": nt.none(book, i8),
        "_crosses": b1(i8, i8, i8),
        "_fillable": b1(book, i8, i8, i8, i8, i8),
        "_match": nt.Tuple((i8, b1))(book, ev, i8, i8, i8, i8),
        "_enter": i8(book, ev, i8, i8, i8, i8, i8, i8, i8, i8, i8, b1),
        "_cancel_slot": nt.none(book, ev, i8, i8, i8),
        "_do_replace": nt.none(book, ev, i8, i8, i8, i8),
        "_quote_leg": nt.none(book, ev, cmd),
        "_publish_top": nt.none(book, ev, i8, i8),
        "_command_instrument": i8(book, cmd),
        "_one": nt.none(book, ev, cmd, i8),
    }


_SIGNATURES = _signatures()
for _name in _KERNEL_NAMES:
    if _name in _SIGNATURES:
        globals()[_name] = numba.njit(_SIGNATURES[_name], **_JIT_OPTIONS)(globals()[_name])
    else:
        globals()[_name] = numba.njit(**_JIT_OPTIONS)(globals()[_name])

"""The matching engine: every book of the venue (underlying and options) in one object.

Drive it with batches of :data:`~mmdesk.venue.commands.COMMAND_DTYPE` rows; it
returns :data:`~mmdesk.market.events.EVENT_DTYPE` rows. The rules it applies are
written down, numbered, in ``docs/matching-rules.md``; the kernels live in
:mod:`mmdesk.venue._book`.

Example
-------
>>> import numpy as np
>>> from mmdesk.venue.config import VenueConfig
>>> eng = MatchingEngine(VenueConfig(), instrument_class=[0, 1, 1])
>>> ev = eng.limit(ts=1, instrument=1, side=-1, price=105, qty=10, owner=1)
>>> ev = eng.limit(ts=2, instrument=1, side=+1, price=105, qty=4, owner=2)
>>> int(eng.best_ask(1)), int(eng.ask_size(1))
(105, 6)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from mmdesk.market.events import EMPTY_PRICE, EVENT_DTYPE, NO_ID
from mmdesk.typing import Int64Array
from mmdesk.venue import _book
from mmdesk.venue._book import BookState
from mmdesk.venue.commands import COMMAND_DTYPE, CommandKind, make_commands, mass_quote
from mmdesk.venue.config import VenueConfig
from mmdesk.venue.fees import fee_rates
from mmdesk.venue.ticks import TickTable, stack_tables

__all__ = ["MatchingEngine", "centred_ladder_base"]

EventArray = npt.NDArray[np.void]


class MatchingEngine:
    """All books of one venue, price–time priority, batch command interface.

    Parameters
    ----------
    config : VenueConfig
        Venue rules (tick tables, fees, sizes per instrument class; STP mode...).
    instrument_class : sequence of int
        Class index (into ``config.classes``) of each instrument 0..n-1; by the
        default config 0 = underlying, 1 = option.
    ladder_base : int or sequence of int, optional
        Lowest price (integer units) each book can hold; the book holds
        ``config.ladder_width`` consecutive integer prices from there. Default 1.
        Orders outside the ladder are rejected with PRICE_OUT_OF_RANGE.
    python : bool
        Run the pure-Python twin instead of the numba kernel (tests only; slow).
    """

    def __init__(
        self,
        config: VenueConfig,
        instrument_class: Sequence[int] | npt.ArrayLike,
        ladder_base: int | Sequence[int] | npt.ArrayLike = 1,
        *,
        python: bool = False,
    ) -> None:
        self.config = config
        ins_class = np.asarray(instrument_class, dtype=np.int64).ravel()
        n = ins_class.size
        if n == 0:
            raise ValueError("instrument_class must name at least one instrument")
        n_cls = len(config.classes)
        bad = (ins_class < 0) | (ins_class >= n_cls)
        if np.any(bad):
            raise ValueError(
                f"instrument_class must lie in 0..{n_cls - 1}, got {ins_class[bad][:5].tolist()}"
            )
        base = np.broadcast_to(np.asarray(ladder_base, dtype=np.int64), (n,)).copy()
        if np.any(base < 1):
            raise ValueError(f"ladder_base must be >= 1, got {base[base < 1][:5].tolist()}")
        self.n_instruments = n
        self.tick_tables = [TickTable(c.ticks) for c in config.classes]
        self.unit = self.tick_tables[0].unit
        starts, steps, nbands = stack_tables(self.tick_tables)
        width = np.full(n, config.ladder_width, dtype=np.int64)
        off = np.concatenate([[0], np.cumsum(width)[:-1]]).astype(np.int64)
        n_levels = int(width.sum())
        cap = config.initial_order_capacity
        state = np.zeros(_book.N_STATE, dtype=np.int64)
        state[_book.S_ORDER_SEQ] = 1
        state[_book.S_MATCH_SEQ] = 1
        state[_book.S_FREE_TOP] = cap
        params = np.zeros(_book.N_PARAMS, dtype=np.int64)
        params[_book.P_STP] = int(config.stp)
        params[_book.P_EMIT_TOP] = int(config.emit_top)
        params[_book.P_EMIT_TRADES] = int(config.emit_trades)
        params[_book.P_POST_ONLY] = int(config.quote_post_only)
        maker_fee, taker_fee = fee_rates(config.classes)
        last_top = np.zeros((n, 4), dtype=np.int64)
        last_top[:, 0] = EMPTY_PRICE
        last_top[:, 2] = EMPTY_PRICE
        self._b = BookState(
            cls_tick_start=starts,
            cls_tick_step=steps,
            cls_tick_nb=nbands,
            cls_min_qty=np.array([c.min_qty for c in config.classes], dtype=np.int64),
            cls_max_qty=np.array([c.max_qty for c in config.classes], dtype=np.int64),
            cls_maker_fee=maker_fee,
            cls_taker_fee=taker_fee,
            ins_class=ins_class,
            lad_base=base,
            lad_width=width,
            lad_off=off,
            best=np.full((n, 2), EMPTY_PRICE, dtype=np.int64),
            n_rest=np.zeros((n, 2), dtype=np.int64),
            last_top=last_top,
            lvl_head=np.full(n_levels, -1, dtype=np.int32),
            lvl_tail=np.full(n_levels, -1, dtype=np.int32),
            lvl_qty=np.zeros(n_levels, dtype=np.int64),
            **_new_pool(cap),
            quote_slot=np.full((config.max_participants, n, 2), -1, dtype=np.int32),
            state=state,
            params=params,
        )
        self._events = np.zeros(config.initial_event_capacity, dtype=EVENT_DTYPE)
        self._process = _book.process_flat_python if python else _book.process_flat
        self._last_ts = np.iinfo(np.int64).min
        self.n_commands = 0
        self.n_events = 0

    # ------------------------------------------------------------------ commands
    def process(self, commands: EventArray, *, copy: bool = True) -> EventArray:
        """Apply a batch of commands in order; return the events they produced.

        Parameters
        ----------
        commands : ndarray of COMMAND_DTYPE
            Sorted by ``ts`` (ns, non-decreasing, not before the previous batch).
        copy : bool
            True (default): return a fresh array the caller owns. False: return a
            view of the engine's event buffer (not to be modified), valid only until
            the next call (saves one copy of every row for a caller that reads the rows
            and keeps nothing of them).

        Returns
        -------
        ndarray of EVENT_DTYPE
            The events, in venue sequence order.
        """
        if commands.dtype != COMMAND_DTYPE:
            raise ValueError(f"commands must have COMMAND_DTYPE, got dtype {commands.dtype}")
        n = commands.shape[0]
        if n == 0:
            return np.zeros(0, dtype=EVENT_DTYPE)
        ts = commands["ts"]
        if not _book.nondecreasing_from(ts, self._last_ts):
            raise ValueError(
                f"commands.ts must be non-decreasing and >= last processed ts {self._last_ts}"
            )
        b = self._b
        b.state[_book.S_N_EVENTS] = 0
        i = 0
        while True:
            b = self._b  # the pool may have been replaced by _grow_pool
            i = self._process(commands, i, self._events, *b)
            if i >= n:
                break
            if b.state[_book.S_STATUS] == 1:
                self._grow_events()
            else:
                self._grow_pool()
        self._last_ts = int(ts[-1])
        k = int(b.state[_book.S_N_EVENTS])
        self.n_commands += n
        self.n_events += k
        if copy:
            out: EventArray = _book.copy_events(self._events, k)
            return out
        view: EventArray = self._events[:k]
        return view

    def _grow_events(self) -> None:
        k = int(self._b.state[_book.S_N_EVENTS])
        new = np.zeros(2 * self._events.shape[0], dtype=EVENT_DTYPE)
        new[:k] = self._events[:k]
        self._events = new

    def _grow_pool(self) -> None:
        b = self._b
        old = b.o_id.shape[0]
        pool = _new_pool(2 * old)
        for name, arr in pool.items():
            if name != "free_stack":
                arr[:old] = getattr(b, name)
        free_top = int(b.state[_book.S_FREE_TOP])
        stack = pool["free_stack"]
        stack[:free_top] = b.free_stack[:free_top]
        stack[free_top : free_top + old] = np.arange(2 * old - 1, old - 1, -1, dtype=np.int32)
        b.state[_book.S_FREE_TOP] = free_top + old
        self._b = b._replace(**pool)

    def _one(self, **fields: Any) -> EventArray:
        cmd = make_commands(1)
        for k, v in fields.items():
            cmd[k] = v
        return self.process(cmd)

    def limit(
        self, ts: int, instrument: int, side: int, price: int, qty: int, owner: int,
        *, tag: int = 0, client_id: int = 0, kind: CommandKind = CommandKind.LIMIT,
    ) -> EventArray:  # fmt: skip
        """Send one LIMIT (or IOC/FOK via ``kind``) order; price in units, qty in contracts."""
        return self._one(
            ts=ts, kind=int(kind), instrument=instrument, side=side, price=price, qty=qty,
            owner=owner, tag=tag, client_id=client_id,
        )  # fmt: skip

    def ioc(self, ts: int, instrument: int, side: int, price: int, qty: int, owner: int,
            *, tag: int = 0, client_id: int = 0) -> EventArray:  # fmt: skip
        """Immediate-or-cancel order: trade what crosses up to ``price``, cancel the rest."""
        return self.limit(ts, instrument, side, price, qty, owner, tag=tag,
                          client_id=client_id, kind=CommandKind.IOC)  # fmt: skip

    def fok(self, ts: int, instrument: int, side: int, price: int, qty: int, owner: int,
            *, tag: int = 0, client_id: int = 0) -> EventArray:  # fmt: skip
        """Fill-or-kill order: fill ``qty`` completely at once or nothing happens."""
        return self.limit(ts, instrument, side, price, qty, owner, tag=tag,
                          client_id=client_id, kind=CommandKind.FOK)  # fmt: skip

    def cancel(self, ts: int, order_id: int, owner: int) -> EventArray:
        """Cancel a live order of ``owner``."""
        return self._one(ts=ts, kind=int(CommandKind.CANCEL), order_id=order_id, owner=owner)

    def replace(self, ts: int, order_id: int, owner: int, price: int, qty: int) -> EventArray:
        """Cancel/replace: new price (units) and new open qty; see rule R7 for priority."""
        return self._one(
            ts=ts, kind=int(CommandKind.REPLACE), order_id=order_id, owner=owner, price=price,
            qty=qty,
        )  # fmt: skip

    def quote(
        self, ts: int, owner: int, instrument: npt.ArrayLike, bid_price: npt.ArrayLike,
        bid_qty: npt.ArrayLike, ask_price: npt.ArrayLike, ask_qty: npt.ArrayLike,
        *, tag: int = 0, client_id: int = 0,
    ) -> EventArray:  # fmt: skip
        """Mass quote: replace ``owner``'s bid and ask on each instrument (qty 0 pulls a side)."""
        return self.process(
            mass_quote(ts, owner, instrument, bid_price, bid_qty, ask_price, ask_qty,
                       tag=tag, client_id=client_id)
        )  # fmt: skip

    # ------------------------------------------------------------------ queries
    def _check_instr(self, instrument: int) -> int:
        i = int(instrument)
        if not 0 <= i < self.n_instruments:
            raise ValueError(f"instrument must lie in 0..{self.n_instruments - 1}, got {i}")
        return i

    def best_bid(self, instrument: int) -> int:
        """Best bid price (units), EMPTY_PRICE (-1) if no bid."""
        return int(self._b.best[self._check_instr(instrument), 0])

    def best_ask(self, instrument: int) -> int:
        """Best ask price (units), EMPTY_PRICE (-1) if no ask."""
        return int(self._b.best[self._check_instr(instrument), 1])

    def _size_at_best(self, instrument: int, s: int) -> int:
        b = self._b
        i = self._check_instr(instrument)
        p = int(b.best[i, s])
        return 0 if p == EMPTY_PRICE else int(b.lvl_qty[b.lad_off[i] + p - b.lad_base[i]])

    def bid_size(self, instrument: int) -> int:
        """Open quantity at the best bid (0 if none)."""
        return self._size_at_best(instrument, 0)

    def ask_size(self, instrument: int) -> int:
        """Open quantity at the best ask (0 if none)."""
        return self._size_at_best(instrument, 1)

    def tops(self) -> Int64Array:
        """Top of every book: int64[n, 4] columns bid px, bid qty, ask px, ask qty (units)."""
        out = np.empty((self.n_instruments, 4), dtype=np.int64)
        b = self._b
        _book.tops(b.best, b.lvl_qty, b.lad_base, b.lad_off, out)
        return out

    def depth(self, instrument: int, side: int, levels: int = 5) -> tuple[Int64Array, Int64Array]:
        """Up to ``levels`` non-empty price levels of one side, best first: (prices, sizes)."""
        i = self._check_instr(instrument)
        if side not in (1, -1):
            raise ValueError(f"side must be +1 (bid) or -1 (ask), got {side}")
        px = np.zeros(levels, dtype=np.int64)
        qty = np.zeros(levels, dtype=np.int64)
        b = self._b
        k = _book.depth(
            b.best, b.lvl_qty, b.lad_base, b.lad_width, b.lad_off, i, side, levels, px, qty
        )
        return px[:k], qty[:k]

    def _slot(self, order_id: int) -> int:
        b = self._b
        slot = int(order_id) & _book.SLOT_MASK
        if order_id <= 0 or slot >= b.o_id.shape[0] or b.o_id[slot] != order_id:
            return -1
        return slot

    def is_live(self, order_id: int) -> bool:
        """True while the order rests in a book."""
        return self._slot(order_id) >= 0

    def leaves(self, order_id: int) -> int:
        """Open quantity of a live order (0 if not live)."""
        s = self._slot(order_id)
        return 0 if s < 0 else int(self._b.o_qty[s])

    def queue_ahead(self, order_id: int) -> int:
        """Quantity queued ahead of a live order at its price level (contracts/shares).

        Raises ValueError if the order is not live.
        """
        s = self._slot(order_id)
        if s < 0:
            raise ValueError(f"order_id {order_id} is not a live order")
        return int(_book.queue_ahead(self._b.o_prev, self._b.o_qty, s))

    def quote_order(self, owner: int, instrument: int, side: int) -> int:
        """Venue order id of ``owner``'s standing mass-quote side, NO_ID (-1) if none."""
        i = self._check_instr(instrument)
        slot = int(self._b.quote_slot[owner, i, 0 if side > 0 else 1])
        return NO_ID if slot < 0 else int(self._b.o_id[slot])

    def open_orders(self) -> int:
        """Number of resting orders over all books."""
        return int(self._b.n_rest.sum())


def centred_ladder_base(reference_units: npt.ArrayLike, width: int) -> Int64Array:
    """Ladder base (units) that centres a book of ``width`` levels on a reference price.

    Use it for the underlying: ``ladder_base=centred_ladder_base(spot_units, cfg.ladder_width)``
    lets the price move ``width // 2`` units either way (never below 1).
    """
    ref = np.asarray(reference_units, dtype=np.int64)
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    out: Int64Array = np.maximum(ref - width // 2, 1)
    return out


def _new_pool(cap: int) -> dict[str, np.ndarray]:
    return {
        "o_id": np.full(cap, NO_ID, dtype=np.int64),
        "o_instr": np.zeros(cap, dtype=np.int32),
        "o_side": np.zeros(cap, dtype=np.int8),
        "o_price": np.zeros(cap, dtype=np.int64),
        "o_qty": np.zeros(cap, dtype=np.int64),
        "o_owner": np.zeros(cap, dtype=np.int32),
        "o_tag": np.zeros(cap, dtype=np.int32),
        "o_client": np.zeros(cap, dtype=np.int64),
        "o_quote": np.zeros(cap, dtype=np.int8),
        "o_prev": np.full(cap, -1, dtype=np.int32),
        "o_next": np.full(cap, -1, dtype=np.int32),
        "free_stack": np.arange(cap - 1, -1, -1, dtype=np.int32),
    }

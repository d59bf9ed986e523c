"""Prop books: a strategy sees market data, its own state and the internal quote — nothing else."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from enum import Enum

import numpy as np
import pytest

from mmdesk.desk.crossing import BookLedger, CrossingConfig, CrossMarks, InternalCrossing
from mmdesk.desk.firm_records import CrossRecord, CrossRequest, InternalQuote
from mmdesk.desk.prop import PropBook, PropContext, PropStrategy, mark_to_internal
from mmdesk.risk.gate import RiskGate
from mmdesk.risk.limits import LimitsConfig
from mmdesk.risk.positions import ChainLayout, Positions
from mmdesk.venue.participant import MarketView

N = 6
MULT = 100.0


def layout() -> ChainLayout:
    expiry_ns = np.repeat(np.array([1, 2], dtype=np.int64) * 10**15, N // 2)
    return ChainLayout.from_arrays(expiry_ns, np.tile([95.0, 100.0, 105.0], 2), MULT)


def quote() -> InternalQuote:
    mid = np.array([100.0, 6.0, 3.0, 1.2, 7.0, 4.0, 2.1])
    return InternalQuote.make(10, mid, np.full(N + 1, 0.05), MULT)


def marks() -> CrossMarks:
    return CrossMarks.make(
        spot=100.0,
        delta=np.array([0.7, 0.5, 0.3, 0.65, 0.5, 0.35]),
        gamma=np.full(N, 0.03),
        vega=np.array([0.08, 0.1, 0.08, 0.12, 0.15, 0.12]),
        strike_limit=np.full(N, 400.0),
        tick=0.01,
        spot_variance=1.3e-5,
        volvol_variance=np.array([1e-10, 5e-11]),
    )


def market_view() -> MarketView:
    bid = np.array([9_995, 590, 290, 110, 690, 390, 200], dtype=np.int64)
    return MarketView(
        ts_exchange=5,
        ts_local=10,
        bid=bid,
        ask=bid + 10,
        bid_qty=np.full(N + 1, 10, dtype=np.int64),
        ask_qty=np.full(N + 1, 10, dtype=np.int64),
        last=np.full(N + 1, -1, dtype=np.int64),
        price_unit=0.01,
    )


class Recorder:
    """A strategy that keeps what it was handed and buys one contract of option 0."""

    def __init__(self) -> None:
        self.seen: list[PropContext] = []

    def decide(self, context: PropContext) -> Sequence[CrossRequest]:
        self.seen.append(context)
        return [CrossRequest(1, 1.0)]


def firm() -> tuple[BookLedger, PropBook, PropBook, InternalCrossing, Recorder]:
    lay = layout()
    central = BookLedger("central", Positions(lay), RiskGate(LimitsConfig()))
    central.positions.contracts[:] = [5, -3, 0, 2, 0, 7]
    central.positions.shares = -120.0
    rec = Recorder()
    a = PropBook("alpha", rec, lay, LimitsConfig(delta=2_000.0), capital=1e6)
    b = PropBook("beta", Recorder(), lay, LimitsConfig(), capital=1e6)
    b.positions.contracts[4] = 9.0
    return central, a, b, InternalCrossing(CrossingConfig(), central), rec


_ALLOWED_LEAVES = (int, float, str, bool, type(None), Enum)


def reachable(root: object) -> list[object]:
    """Every object reachable from ``root`` through fields, items and array bases."""
    seen: dict[int, object] = {}
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen[id(obj)] = obj
        if isinstance(obj, np.ndarray):
            if obj.base is not None:
                stack.append(obj.base)
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            stack.extend(getattr(obj, f.name) for f in dataclasses.fields(obj))
        elif isinstance(obj, tuple | list | set | frozenset):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif hasattr(obj, "__dict__") and not isinstance(obj, _ALLOWED_LEAVES):
            stack.extend(vars(obj).values())
    return list(seen.values())


def test_strategy_sees_only_market_data_its_own_state_and_the_internal_quote() -> None:
    central, a, b, _, rec = firm()
    a.decide(market_view(), quote())
    (ctx,) = rec.seen
    assert {f.name for f in dataclasses.fields(ctx)} == {"view", "state", "quote"}
    for obj in reachable(ctx):
        # no book, ledger, gate, crossing desk or positions of anyone, the own book included
        assert not isinstance(obj, Positions | RiskGate | BookLedger | PropBook | InternalCrossing)
        assert obj is not central and obj is not b and obj is not a
        # only immutable records, read-only arrays and plain values
        if isinstance(obj, np.ndarray):
            assert not obj.flags.writeable
        elif dataclasses.is_dataclass(obj):
            assert type(obj).__dataclass_params__.frozen  # type: ignore[attr-defined]
        else:
            assert isinstance(obj, (*_ALLOWED_LEAVES, tuple)), type(obj)


def test_no_array_handed_to_the_strategy_shares_memory_with_a_book() -> None:
    central, a, b, _, rec = firm()
    view = market_view()
    a.decide(view, quote())
    arrays = [o for o in reachable(rec.seen[0]) if isinstance(o, np.ndarray)]
    owned = [
        central.positions.contracts,
        a.positions.contracts,
        b.positions.contracts,
        view.bid,
        view.ask,
        view.bid_qty,
        view.ask_qty,
        view.last,
    ]
    for arr in arrays:
        for other in owned:
            assert not np.shares_memory(arr, other)


def test_mutation_attempts_through_the_context_raise() -> None:
    _, a, _, _, rec = firm()
    a.decide(market_view(), quote())
    ctx = rec.seen[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.state = ctx.state  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.state.cash = 1e12  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.quote.mid = np.zeros(N + 1)  # type: ignore[misc]
    for arr in (ctx.state.contracts, ctx.quote.mid, ctx.quote.half_spread, ctx.view.bid):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 1
    with pytest.raises(ValueError, match="read-only"):
        ctx.quote.bid[0] = 0.0


def test_snapshot_is_the_books_own_state_marked_to_the_internal_mids() -> None:
    _, a, _, desk, rec = firm()
    q, m = quote(), marks()
    for req in a.decide(market_view(), q):
        assert isinstance(desk.cross(20, a.ledger, req, q, m), CrossRecord)
    a.decide(market_view(), q)
    state = rec.seen[1].state
    assert state.name == "alpha"
    np.testing.assert_array_equal(state.contracts, a.positions.contracts)
    assert state.contracts[0] == 1.0
    assert state.value == pytest.approx(mark_to_internal(a.positions, q))
    assert state.pnl == pytest.approx(state.value - 1e6)
    # the central book was long option 0: the buy took risk off it, so the prop book got
    # share × half-spread back and, marked at mid, is up exactly that
    assert state.pnl == pytest.approx(CrossingConfig().favourable_share * 0.05 * MULT)


def test_internal_quote_is_the_same_whatever_the_central_inventory() -> None:
    """The quote carries mid and half-spread only: nothing varies with who holds what."""
    q = quote()
    assert {f.name for f in dataclasses.fields(q)} == {"ts_ns", "mid", "half_spread", "multiplier"}
    np.testing.assert_allclose(q.ask - q.bid, 2.0 * q.half_spread)


def test_a_strategy_returning_anything_but_cross_requests_is_refused() -> None:
    class Bad:
        def decide(self, context: PropContext) -> Sequence[CrossRequest]:
            return [("buy", 1)]  # type: ignore[list-item]

    assert isinstance(Bad(), PropStrategy)
    book = PropBook("bad", Bad(), layout(), LimitsConfig())
    with pytest.raises(TypeError, match="CrossRequest"):
        book.decide(market_view(), quote())


def test_prop_book_has_its_own_gate_and_limits() -> None:
    central, a, b, desk, _ = firm()
    q, m = quote(), marks()
    assert a.ledger.gate is not b.ledger.gate is not central.gate
    assert a.ledger.gate.limits.delta == 2_000.0
    # 30 contracts × 0.7 delta × 100 = 2,100 shares: over alpha's delta limit, fine for beta
    denied = desk.cross(1, a.ledger, CrossRequest(1, 30.0), q, m)
    allowed = desk.cross(1, b.ledger, CrossRequest(1, 30.0), q, m)
    assert not isinstance(denied, CrossRecord)
    assert isinstance(allowed, CrossRecord)

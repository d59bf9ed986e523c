"""One test per written matching rule (docs/matching-rules.md, R1..R18)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from mmdesk.market.events import (
    EMPTY_PRICE,
    EVENT_DTYPE,
    PUBLIC,
    EventKind,
    Reason,
    events_digest,
    has_kind,
)
from mmdesk.venue.commands import CommandKind, make_commands
from mmdesk.venue.config import (
    DEFAULT_OPTION_TICKS,
    DEFAULT_UNDERLYING_TICKS,
    FeeConfig,
    InstrumentClassConfig,
    STPMode,
    VenueConfig,
)
from mmdesk.venue.engine import MatchingEngine

Events = npt.NDArray[np.void]
UND, OPT, OPT2 = 0, 1, 2
BUY, SELL = 1, -1


def make_engine(python: bool = False, **kw: object) -> MatchingEngine:
    fields: dict[str, object] = {"ladder_width": 2048, "initial_order_capacity": 16}
    fields.update(kw)
    cfg = VenueConfig.model_validate(fields)
    return MatchingEngine(cfg, instrument_class=[0, 1, 1], ladder_base=[9000, 1, 1], python=python)


def rows(ev: Events, kind: EventKind, owner: int | None = None) -> Events:
    out = ev[has_kind(ev, kind)]
    if owner is not None:
        out = out[out["owner"] == owner]
    return out


def oid(ev: Events) -> int:
    """Order id of the (single) ACK row."""
    ack = rows(ev, EventKind.ACK)
    assert len(ack) == 1
    return int(ack["order_id"][0])


class Clock:
    def __init__(self) -> None:
        self.t = 0

    def __call__(self) -> int:
        self.t += 1_000
        return self.t


@pytest.fixture
def eng() -> MatchingEngine:
    return make_engine()


@pytest.fixture
def ts() -> Clock:
    return Clock()


def test_r1_incoming_buy_trades_lowest_ask_first(eng: MatchingEngine, ts: Clock) -> None:
    eng.limit(ts(), OPT, SELL, 105, 1, owner=1)
    eng.limit(ts(), OPT, SELL, 103, 1, owner=2)
    eng.limit(ts(), OPT, SELL, 104, 1, owner=3)
    ev = eng.limit(ts(), OPT, BUY, 104, 3, owner=9)
    fills = rows(ev, EventKind.FILL | EventKind.TAKER)
    assert fills["price"].tolist() == [103, 104]
    assert rows(ev, EventKind.FILL | EventKind.MAKER)["owner"].tolist() == [2, 3]
    assert eng.best_ask(OPT) == 105 and eng.best_bid(OPT) == 104  # 1 lot rests at 104


def test_r2_same_price_trades_in_arrival_order(eng: MatchingEngine, ts: Clock) -> None:
    for owner in (4, 2, 7):
        eng.limit(ts(), OPT, BUY, 90, 2, owner=owner)
    ev = eng.limit(ts(), OPT, SELL, 90, 5, owner=9)
    makers = rows(ev, EventKind.FILL | EventKind.MAKER)
    assert makers["owner"].tolist() == [4, 2, 7]
    assert makers["qty"].tolist() == [2, 2, 1]


def test_r3_execution_at_resting_price_improvement_to_aggressor(
    eng: MatchingEngine, ts: Clock
) -> None:
    eng.limit(ts(), OPT, SELL, 100, 3, owner=1)
    ev = eng.limit(ts(), OPT, BUY, 150, 3, owner=2)
    assert rows(ev, EventKind.FILL)["price"].tolist() == [100, 100]


def test_r4_partial_fills_remainder_rests_and_partially_filled_keeps_place(
    eng: MatchingEngine, ts: Clock
) -> None:
    a = oid(eng.limit(ts(), OPT, SELL, 100, 10, owner=1))
    eng.limit(ts(), OPT, SELL, 100, 10, owner=2)
    eng.limit(ts(), OPT, SELL, 101, 5, owner=3)
    eng.limit(ts(), OPT, BUY, 100, 4, owner=9)
    assert eng.leaves(a) == 6 and eng.queue_ahead(a) == 0  # still first
    ev = eng.limit(ts(), OPT, BUY, 101, 22, owner=9)
    makers = rows(ev, EventKind.FILL | EventKind.MAKER)
    assert makers["owner"].tolist() == [1, 2, 3]
    assert makers["qty"].tolist() == [6, 10, 5]
    taker = rows(ev, EventKind.FILL | EventKind.TAKER)
    assert taker["leaves"].tolist() == [16, 6, 1]
    assert (eng.best_bid(OPT), eng.bid_size(OPT)) == (101, 1)  # remainder rests at its limit


def test_r5_ioc_remainder_is_cancelled_never_rests(eng: MatchingEngine, ts: Clock) -> None:
    eng.limit(ts(), OPT, SELL, 100, 5, owner=1)
    ev = eng.ioc(ts(), OPT, BUY, 100, 8, owner=2)
    assert rows(ev, EventKind.FILL | EventKind.TAKER)["qty"].tolist() == [5]
    cxl = rows(ev, EventKind.CANCEL)
    assert cxl["reason"].tolist() == [Reason.IOC_REMAINDER] and cxl["qty"].tolist() == [3]
    assert eng.best_bid(OPT) == EMPTY_PRICE and eng.open_orders() == 0


def test_r6_fok_fills_completely_or_leaves_book_unchanged(eng: MatchingEngine, ts: Clock) -> None:
    eng.limit(ts(), OPT, SELL, 100, 5, owner=1)
    eng.limit(ts(), OPT, SELL, 102, 5, owner=1)
    ev = eng.fok(ts(), OPT, BUY, 101, 8, owner=2)  # only 5 at or below 101
    assert len(rows(ev, EventKind.FILL)) == 0
    assert rows(ev, EventKind.CANCEL)["reason"].tolist() == [Reason.FOK_UNFILLABLE]
    assert eng.depth(OPT, SELL)[1].tolist() == [5, 5]
    ev = eng.fok(ts(), OPT, BUY, 102, 8, owner=2)
    assert rows(ev, EventKind.FILL | EventKind.TAKER)["qty"].tolist() == [5, 3]
    assert len(rows(ev, EventKind.CANCEL)) == 0


def test_r7_cancel_removes_order_and_rejects_unknown_or_foreign(
    eng: MatchingEngine, ts: Clock
) -> None:
    a = oid(eng.limit(ts(), OPT, BUY, 90, 5, owner=1))
    ev = eng.cancel(ts(), a, owner=2)
    assert rows(ev, EventKind.REJECT)["reason"].tolist() == [Reason.NOT_OWNER]
    assert eng.is_live(a)
    ev = eng.cancel(ts(), a, owner=1)
    c = rows(ev, EventKind.CANCEL | EventKind.FINAL)
    assert c["reason"].tolist() == [Reason.REQUESTED] and c["qty"].tolist() == [5]
    assert not eng.is_live(a) and eng.best_bid(OPT) == EMPTY_PRICE
    ev = eng.cancel(ts(), a, owner=1)
    assert rows(ev, EventKind.REJECT)["reason"].tolist() == [Reason.UNKNOWN_ORDER]


def test_r8_replace_size_down_keeps_priority_price_or_size_up_loses(
    eng: MatchingEngine, ts: Clock
) -> None:
    a = oid(eng.limit(ts(), OPT, BUY, 90, 5, owner=1))
    b = oid(eng.limit(ts(), OPT, BUY, 90, 5, owner=2))
    eng.replace(ts(), a, owner=1, price=90, qty=3)  # size down: keeps place
    assert eng.queue_ahead(a) == 0 and eng.queue_ahead(b) == 3 and eng.leaves(a) == 3
    eng.replace(ts(), a, owner=1, price=90, qty=4)  # size up: back of the queue
    assert eng.queue_ahead(a) == 5 and eng.queue_ahead(b) == 0
    eng.replace(ts(), b, owner=2, price=91, qty=5)  # price change: new level, back
    eng.replace(ts(), b, owner=2, price=90, qty=5)
    assert eng.queue_ahead(b) == 4 and eng.queue_ahead(a) == 0
    # a replace whose new price crosses trades as the taker, keeping its order id
    eng.limit(ts(), OPT, SELL, 95, 2, owner=3)
    ev = eng.replace(ts(), a, owner=1, price=95, qty=4)
    taker = rows(ev, EventKind.FILL | EventKind.TAKER)
    assert taker["order_id"].tolist() == [a] and taker["qty"].tolist() == [2]
    assert eng.leaves(a) == 2 and eng.best_bid(OPT) == 95


def test_r9_mass_quote_replaces_both_sides_and_same_price_size_keeps_priority(
    eng: MatchingEngine, ts: Clock
) -> None:
    mm, other = 5, 6
    ev = eng.quote(ts(), mm, [OPT, OPT2], [100, 50], [10, 10], [110, 60], [10, 10])
    assert len(rows(ev, EventKind.ACK | EventKind.QUOTE)) == 4
    assert eng.tops()[1:].tolist() == [[100, 10, 110, 10], [50, 10, 60, 10]]
    eng.limit(ts(), OPT, BUY, 100, 7, owner=other)  # joins behind the quote
    bid = eng.quote_order(mm, OPT, BUY)
    eng.quote(ts(), mm, [OPT, OPT2], [100, 50], [10, 10], [110, 60], [10, 10])  # re-entry
    assert eng.quote_order(mm, OPT, BUY) == bid and eng.queue_ahead(bid) == 0
    ev = eng.limit(ts(), OPT, SELL, 100, 12, owner=9)
    assert rows(ev, EventKind.FILL | EventKind.MAKER)["owner"].tolist() == [mm, other]
    # zero size pulls a side; a price change re-enters at the back
    ev = eng.quote(ts(), mm, [OPT2], [0], [0], [61], [10])
    assert rows(ev, EventKind.CANCEL)["reason"].tolist() == [
        Reason.QUOTE_PULLED,
        Reason.QUOTE_REPLACED,
    ]
    assert eng.best_bid(OPT2) == EMPTY_PRICE and eng.best_ask(OPT2) == 61
    # a crossed leg is rejected and the standing quote stays
    ev = eng.quote(ts(), mm, [OPT2], [70], [5], [65], [5])
    assert rows(ev, EventKind.REJECT)["reason"].tolist() == [Reason.CROSSED_QUOTE]
    assert eng.best_ask(OPT2) == 61 and eng.ask_size(OPT2) == 10
    # after a partial fill, re-sending the original size is a size increase: loses priority
    eng.limit(ts(), OPT2, SELL, 61, 5, owner=other)
    eng.limit(ts(), OPT2, BUY, 61, 4, owner=9)  # takes 4 from the quote
    ask = eng.quote_order(mm, OPT2, SELL)
    eng.quote(ts(), mm, [OPT2], [0], [0], [61], [10])
    assert eng.quote_order(mm, OPT2, SELL) != ask
    assert eng.queue_ahead(eng.quote_order(mm, OPT2, SELL)) == 5


def test_r9_post_only_quote_side_that_would_trade_is_rejected(ts: Clock) -> None:
    eng = make_engine(quote_post_only=True)
    eng.limit(ts(), OPT, SELL, 100, 5, owner=1)
    ev = eng.quote(ts(), 2, [OPT], [100], [5], [105], [5])
    assert rows(ev, EventKind.REJECT)["reason"].tolist() == [Reason.WOULD_CROSS]
    assert len(rows(ev, EventKind.FILL)) == 0
    assert eng.quote_order(2, OPT, SELL) != -1 and eng.quote_order(2, OPT, BUY) == -1


def test_r10_self_trade_prevention_cancel_resting(ts: Clock) -> None:
    eng = make_engine(stp=STPMode.CANCEL_RESTING)
    own = oid(eng.limit(ts(), OPT, SELL, 100, 5, owner=1))
    eng.limit(ts(), OPT, SELL, 101, 5, owner=2)
    ev = eng.limit(ts(), OPT, BUY, 101, 3, owner=1)
    cxl = rows(ev, EventKind.CANCEL)
    assert cxl["order_id"].tolist() == [own] and cxl["reason"].tolist() == [Reason.SELF_TRADE]
    assert rows(ev, EventKind.FILL | EventKind.MAKER)["owner"].tolist() == [2]


def test_r10_self_trade_prevention_cancel_newest(ts: Clock) -> None:
    eng = make_engine(stp=STPMode.CANCEL_NEWEST)
    eng.limit(ts(), OPT, SELL, 100, 2, owner=2)
    own = oid(eng.limit(ts(), OPT, SELL, 100, 5, owner=1))
    ev = eng.limit(ts(), OPT, BUY, 101, 6, owner=1)
    assert rows(ev, EventKind.FILL | EventKind.TAKER)["qty"].tolist() == [2]
    cxl = rows(ev, EventKind.CANCEL)
    assert cxl["owner"].tolist() == [1] and cxl["qty"].tolist() == [4]
    assert cxl["reason"].tolist() == [Reason.SELF_TRADE]
    assert eng.is_live(own) and eng.best_bid(OPT) == EMPTY_PRICE
    ev = eng.fok(ts(), OPT, BUY, 100, 1, owner=1)  # only own liquidity: unfillable
    assert rows(ev, EventKind.CANCEL)["reason"].tolist() == [Reason.FOK_UNFILLABLE]


def test_r11_taker_pays_maker_rate_rebate_per_contract_and_share(ts: Clock) -> None:
    cfg = VenueConfig(
        ladder_width=2048,
        classes=(
            InstrumentClassConfig(
                name="u", ticks=DEFAULT_UNDERLYING_TICKS, fees=FeeConfig(maker=-0.001, taker=0.002)
            ),
            InstrumentClassConfig(
                name="o", ticks=DEFAULT_OPTION_TICKS, fees=FeeConfig(maker=-0.25, taker=0.65)
            ),
        ),
    )
    eng = MatchingEngine(cfg, instrument_class=[0, 1], ladder_base=[9000, 1])
    eng.limit(ts(), OPT, SELL, 100, 10, owner=1)
    ev = eng.limit(ts(), OPT, BUY, 100, 4, owner=2)
    assert rows(ev, EventKind.FILL | EventKind.TAKER)["fee"].tolist() == pytest.approx([2.6])
    assert rows(ev, EventKind.FILL | EventKind.MAKER)["fee"].tolist() == pytest.approx([-1.0])
    eng.limit(ts(), UND, BUY, 10_000, 300, owner=1)
    ev = eng.limit(ts(), UND, SELL, 10_000, 200, owner=2)
    assert rows(ev, EventKind.FILL | EventKind.TAKER)["fee"].tolist() == pytest.approx([0.4])
    assert rows(ev, EventKind.FILL | EventKind.MAKER)["fee"].tolist() == pytest.approx([-0.2])
    assert rows(ev, EventKind.TRADE)["fee"].tolist() == [0.0]


def test_r12_prices_must_be_positive_on_grid_and_in_ladder(eng: MatchingEngine, ts: Clock) -> None:
    def reason(instr: int, price: int) -> int:
        ev = eng.limit(ts(), instr, BUY, price, 1, owner=1)
        rej = rows(ev, EventKind.REJECT)
        return int(rej["reason"][0]) if len(rej) else 0

    assert reason(OPT, 299) == 0 and reason(OPT, 305) == 0 and reason(OPT, 300) == 0
    assert reason(OPT, 301) == Reason.OFF_TICK  # 3.01: options step 0.05 at/above 3.00
    assert reason(UND, 10_001) == 0  # the underlying steps 0.01 everywhere
    assert reason(OPT, 0) == Reason.NON_POSITIVE_PRICE
    assert reason(OPT, 2050) == Reason.PRICE_OUT_OF_RANGE  # ladder holds 1..2048
    assert reason(UND, 8_000) == Reason.PRICE_OUT_OF_RANGE  # below ladder base 9000


def test_r13_size_limits_reject_below_minimum_and_non_positive(ts: Clock) -> None:
    cls = InstrumentClassConfig(name="o", ticks=DEFAULT_OPTION_TICKS, min_qty=10, max_qty=500)
    eng = MatchingEngine(VenueConfig(ladder_width=2048, classes=(cls,)), instrument_class=[0])
    for qty, want in ((9, Reason.BELOW_MIN_SIZE), (0, Reason.BAD_QTY), (501, Reason.BAD_QTY)):
        ev = eng.limit(ts(), 0, BUY, 100, qty, owner=1)
        assert rows(ev, EventKind.REJECT)["reason"].tolist() == [want]
    assert len(rows(eng.limit(ts(), 0, BUY, 100, 10, owner=1), EventKind.ACK)) == 1
    ev = eng.quote(ts(), 2, [0], [90], [5], [110], [20])  # a quote side obeys the same limits
    assert rows(ev, EventKind.REJECT)["reason"].tolist() == [Reason.BELOW_MIN_SIZE]


def test_r14_queue_ahead_falls_with_fills_cancels_and_size_downs_ahead(
    eng: MatchingEngine, ts: Clock
) -> None:
    a = oid(eng.limit(ts(), OPT, BUY, 90, 5, owner=1))
    b = oid(eng.limit(ts(), OPT, BUY, 90, 7, owner=2))
    c = oid(eng.limit(ts(), OPT, BUY, 90, 3, owner=3))
    assert [eng.queue_ahead(x) for x in (a, b, c)] == [0, 5, 12]
    eng.limit(ts(), OPT, SELL, 90, 2, owner=9)  # fill ahead
    assert eng.queue_ahead(c) == 10
    eng.cancel(ts(), b, owner=2)  # cancel ahead
    assert eng.queue_ahead(c) == 3
    eng.limit(ts(), OPT, BUY, 90, 50, owner=4)  # later arrival: no effect
    assert eng.queue_ahead(c) == 3
    eng.replace(ts(), a, owner=1, price=90, qty=1)  # size down ahead
    assert eng.queue_ahead(c) == 1
    with pytest.raises(ValueError, match="order_id"):
        eng.queue_ahead(b)


def test_r15_top_rows_only_when_best_price_or_size_changes(eng: MatchingEngine, ts: Clock) -> None:
    ev = eng.limit(ts(), OPT, BUY, 90, 5, owner=1)
    top = rows(ev, EventKind.TOP)
    assert top[["side", "price", "qty", "owner"]].tolist() == [(1, 90, 5, PUBLIC)]
    assert len(rows(eng.limit(ts(), OPT, BUY, 89, 5, owner=1), EventKind.TOP)) == 0
    assert rows(eng.limit(ts(), OPT, BUY, 90, 2, owner=2), EventKind.TOP)["qty"].tolist() == [7]
    ev = eng.limit(ts(), OPT, SELL, 90, 7, owner=3)  # clears the level: best moves to 89
    assert rows(ev, EventKind.TOP)[["side", "price", "qty"]].tolist() == [(1, 89, 5)]
    ev = eng.limit(ts(), OPT, SELL, 89, 5, owner=3)
    assert rows(ev, EventKind.TOP)[["side", "price", "qty"]].tolist() == [(1, EMPTY_PRICE, 0)]


def test_r16_each_match_prints_one_public_trade_after_taker_and_maker_fills(
    eng: MatchingEngine, ts: Clock
) -> None:
    eng.limit(ts(), OPT, BUY, 90, 5, owner=1)
    eng.limit(ts(), OPT, BUY, 89, 5, owner=2)
    ev = eng.limit(ts(), OPT, SELL, 89, 7, owner=3)
    fills_and_trades = ev[has_kind(ev, EventKind.FILL) | has_kind(ev, EventKind.TRADE)]
    flags = fills_and_trades["flags"] & (EventKind.TAKER | EventKind.MAKER | EventKind.TRADE)
    assert flags.tolist() == [EventKind.TAKER, EventKind.MAKER, EventKind.TRADE] * 2
    trades = rows(ev, EventKind.TRADE)
    assert trades[["price", "qty", "side", "owner"]].tolist() == [
        (90, 5, SELL, PUBLIC),
        (89, 2, SELL, PUBLIC),
    ]
    assert len(set(fills_and_trades["match_id"][:3])) == 1
    assert fills_and_trades["tag"][0] == 0 and fills_and_trades["contra"][0] == 1


def test_r17_validation_order_and_rejects_change_nothing(eng: MatchingEngine, ts: Clock) -> None:
    def reason(**kw: int) -> int:
        fields = {"instrument": OPT, "side": BUY, "price": 100, "qty": 1, "owner": 1}
        fields.update(kw)
        ev = eng.limit(ts(), **fields)
        return int(rows(ev, EventKind.REJECT)["reason"][0])

    assert reason(owner=10_000, instrument=99, qty=0) == Reason.UNKNOWN_OWNER
    assert reason(instrument=99, side=0, qty=0) == Reason.UNKNOWN_INSTRUMENT
    assert reason(side=0, qty=0, price=301) == Reason.BAD_SIDE
    assert reason(qty=0, price=301) == Reason.BAD_QTY
    assert reason(price=-5) == Reason.NON_POSITIVE_PRICE
    assert eng.open_orders() == 0 and eng.tops()[:, [1, 3]].sum() == 0


def _random_stream(n_batches: int, seed: int, eng: MatchingEngine) -> list[npt.NDArray[np.void]]:
    """Adaptive random command batches (cancels/replaces target acked order ids)."""
    rng = np.random.default_rng(seed)
    live: dict[int, tuple[int, int]] = {}  # id -> (owner, price)
    out = []
    t = 0
    for _ in range(n_batches):
        n = 40
        cmd = make_commands(n)
        cmd["ts"] = t + np.arange(n)
        t += n
        kind = rng.choice(
            [CommandKind.LIMIT, CommandKind.IOC, CommandKind.FOK, CommandKind.CANCEL,
             CommandKind.REPLACE, CommandKind.QUOTE],
            p=[0.4, 0.1, 0.05, 0.2, 0.15, 0.1], size=n,
        )  # fmt: skip
        cmd["kind"] = kind
        cmd["instrument"] = rng.integers(1, 3, size=n)
        cmd["side"] = rng.choice([1, -1], size=n)
        cmd["owner"] = rng.integers(0, 4, size=n)
        cmd["tag"] = cmd["owner"] + 100
        cmd["price"] = rng.integers(95, 106, size=n)
        cmd["qty"] = rng.integers(1, 8, size=n)
        cmd["price2"] = cmd["price"] + rng.integers(-1, 4, size=n)
        cmd["qty2"] = rng.integers(0, 8, size=n)
        ids = list(live)
        for j in np.flatnonzero((kind == CommandKind.CANCEL) | (kind == CommandKind.REPLACE)):
            if ids and rng.random() < 0.9:
                k = ids[rng.integers(len(ids))]
                cmd["order_id"][j] = k
                cmd["owner"][j] = live[k][0]
                cmd["price"][j] = live[k][1] + rng.integers(-1, 2)
            else:
                cmd["order_id"][j] = rng.integers(1, 1 << 40)
        ev = eng.process(cmd)
        for r in ev[has_kind(ev, EventKind.ACK) | has_kind(ev, EventKind.REPLACE)]:
            live[int(r["order_id"])] = (int(r["owner"]), int(r["price"]))
        for r in ev[has_kind(ev, EventKind.FINAL)]:
            live.pop(int(r["order_id"]), None)
        out.append(cmd)
    return out


def test_r18_same_commands_give_byte_identical_events_and_twin_agrees() -> None:
    batches = _random_stream(30, seed=11, eng=make_engine())
    kinds = np.concatenate(batches)["kind"]
    assert set(np.unique(kinds).tolist()) == {int(k) for k in CommandKind}
    digests = []
    fills = 0
    for python, capacity in ((False, 64), (False, 1 << 16), (True, 64)):
        eng = make_engine(python=python, initial_event_capacity=capacity)
        ev = np.concatenate([eng.process(b) for b in batches])
        assert ev.dtype == EVENT_DTYPE and np.all(np.diff(ev["seq"]) == 1)
        digests.append(events_digest(ev))
        fills = int(has_kind(ev, EventKind.FILL).sum())
    assert fills > 50  # the stream really trades
    assert digests[0] == digests[1] == digests[2]  # buffer growth and the twin change nothing


@pytest.mark.parametrize("stp", [STPMode.CANCEL_RESTING, STPMode.CANCEL_NEWEST])
def test_book_invariants_hold_on_random_streams(stp: STPMode) -> None:
    """Never crossed; level sizes = sum of their orders; fills pair up buy/sell; no self-trade."""
    eng = make_engine(stp=stp)
    batches = _random_stream(25, seed=5 + int(stp), eng=eng)
    replay = make_engine(stp=stp)
    opened: dict[int, int] = {}
    for cmd in batches:
        ev = replay.process(cmd)
        tops = replay.tops()
        both = (tops[:, 0] > 0) & (tops[:, 2] > 0)
        assert (tops[both, 0] < tops[both, 2]).all()
        taker = rows(ev, EventKind.FILL | EventKind.TAKER)
        maker = rows(ev, EventKind.FILL | EventKind.MAKER)
        assert taker["match_id"].tolist() == maker["match_id"].tolist()
        assert (taker["qty"] == maker["qty"]).all() and (taker["side"] == -maker["side"]).all()
        assert (taker["owner"] != maker["owner"]).all()
        for r in rows(ev, EventKind.ACK):
            opened[int(r["order_id"])] = int(r["qty"])
    b = replay._b
    live = np.flatnonzero(b.o_id >= 0)
    assert len(live) == replay.open_orders()
    for i in range(replay.n_instruments):
        for side in (1, -1):
            px, qty = replay.depth(i, side, levels=4096)
            mine = live[(b.o_instr[live] == i) & (b.o_side[live] == side)]
            assert qty.sum() == b.o_qty[mine].sum()
            for p, q in zip(px.tolist(), qty.tolist(), strict=True):
                assert q == b.o_qty[mine[b.o_price[mine] == p]].sum()
    assert len(opened) > 100


def test_centred_ladder_lets_the_underlying_move_half_the_width_either_way(ts: Clock) -> None:
    from mmdesk.venue.engine import centred_ladder_base

    base = centred_ladder_base([500_000, 100], 2048)
    assert base.tolist() == [500_000 - 1024, 1]
    eng = MatchingEngine(VenueConfig(ladder_width=2048), [0, 1], ladder_base=base)
    assert len(rows(eng.limit(ts(), 0, BUY, 500_000 - 1024, 1, owner=1), EventKind.ACK)) == 1
    ev = eng.limit(ts(), 0, BUY, 500_000 + 1024, 1, owner=1)
    assert rows(ev, EventKind.REJECT)["reason"].tolist() == [Reason.PRICE_OUT_OF_RANGE]


def test_r9_quote_side_cancelled_by_id_is_gone_and_next_leg_enters_fresh(
    eng: MatchingEngine, ts: Clock
) -> None:
    eng.quote(ts(), 5, [OPT], [100], [10], [110], [10])
    bid = eng.quote_order(5, OPT, BUY)
    ev = eng.cancel(ts(), bid, owner=5)
    assert rows(ev, EventKind.CANCEL | EventKind.QUOTE)["order_id"].tolist() == [bid]
    assert eng.quote_order(5, OPT, BUY) == -1 and eng.best_bid(OPT) == EMPTY_PRICE
    ev = eng.quote(ts(), 5, [OPT], [100], [10], [110], [10])
    assert len(rows(ev, EventKind.ACK | EventKind.QUOTE)) == 1  # only the bid is new
    assert eng.quote_order(5, OPT, BUY) not in (-1, bid)


def test_r10_fok_counts_only_other_participants_liquidity(ts: Clock) -> None:
    eng = make_engine(stp=STPMode.CANCEL_RESTING)
    eng.limit(ts(), OPT, SELL, 100, 5, owner=1)  # own
    eng.limit(ts(), OPT, SELL, 100, 3, owner=2)
    ev = eng.fok(ts(), OPT, BUY, 100, 5, owner=1)
    assert rows(ev, EventKind.CANCEL)["reason"].tolist() == [Reason.FOK_UNFILLABLE]
    assert eng.ask_size(OPT) == 8  # nothing touched, own order not cancelled either
    ev = eng.fok(ts(), OPT, BUY, 100, 3, owner=1)
    assert rows(ev, EventKind.FILL | EventKind.MAKER)["owner"].tolist() == [2]
    assert rows(ev, EventKind.CANCEL)["reason"].tolist() == [Reason.SELF_TRADE]


def test_r12_replace_to_an_off_tick_price_is_rejected_and_order_unchanged(
    eng: MatchingEngine, ts: Clock
) -> None:
    a = oid(eng.limit(ts(), OPT, BUY, 300, 5, owner=1))
    ev = eng.replace(ts(), a, owner=1, price=302, qty=5)
    assert rows(ev, EventKind.REJECT)["reason"].tolist() == [Reason.OFF_TICK]
    assert eng.is_live(a) and eng.leaves(a) == 5 and eng.best_bid(OPT) == 300

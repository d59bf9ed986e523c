"""The loop's batch kernels: packing messages into commands, routing private rows."""

from __future__ import annotations

import numpy as np

from mmdesk.market.events import EventKind, empty_events
from mmdesk.sim._pack import (
    pack_message,
    pack_message_python,
    private_rows,
    private_rows_python,
    rows_with,
    scan_batch,
    scan_batch_python,
    scan_into,
    scan_into_python,
    take_rows,
    take_rows_python,
    trade_rows,
    trade_rows_python,
)
from mmdesk.venue.commands import COMMAND_DTYPE, CommandKind
from mmdesk.venue.participant import TIF_DAY, TIF_FOK, TIF_IOC, make_orders, make_quotes


def _owners() -> tuple[np.ndarray, np.ndarray]:
    pidx = np.full(16, -1, dtype=np.int64)
    pidx[[4, 5, 6, 9]] = 3  # participant 3 holds owners 4, 5, 6 and 9
    pidx[7] = 2
    tag = np.arange(16, dtype=np.int64) * 10
    return pidx, tag


def test_pack_message_kernel_agrees_with_its_twin_and_keeps_message_order(
    rng: np.random.Generator,
) -> None:
    q = make_quotes(rng.integers(1, 50, 30), rng.integers(1, 900, 30), 5, 1000, 7,
                    owner=rng.choice([-1, 4, 5], 30))  # fmt: skip
    o = make_orders(rng.integers(0, 50, 20), rng.choice([-1, 1], 20), 300, 3,
                    TIF_IOC, client_id=np.arange(20), owner=rng.choice([-1, 6], 20))  # fmt: skip
    o["tif"][:5] = TIF_DAY
    o["tif"][5:8] = TIF_FOK
    cancels = np.array([11, 12, 13], dtype=np.int64)
    pidx, tag = _owners()
    outs = []
    for fn in (pack_message, pack_message_python):
        out = np.zeros(56, dtype=COMMAND_DTYPE)
        assert fn(77, cancels, q, o, 9, 3, pidx, tag, 2, out) == 55
        outs.append(out)
    np.testing.assert_array_equal(outs[0], outs[1])
    out = outs[0]
    assert np.all(out["ts"][2:55] == 77) and np.all(out["ts"][:2] == 0)
    assert np.all(out["kind"][2:5] == CommandKind.CANCEL)
    assert out["order_id"][2:5].tolist() == [11, 12, 13]
    assert np.all(out["kind"][5:35] == CommandKind.QUOTE)
    assert out["owner"][5:35].tolist() == np.where(q["owner"] < 0, 9, q["owner"]).tolist()
    assert out["price2"][5:35].tolist() == [1000] * 30
    kinds = out["kind"][35:55]
    assert np.all(kinds[:5] == CommandKind.LIMIT) and np.all(kinds[5:8] == CommandKind.FOK)
    assert np.all(kinds[8:] == CommandKind.IOC)
    assert out["client_id"][35:55].tolist() == list(range(20))
    assert np.all(out["tag"][2:55] == tag[out["owner"][2:55]])


def test_pack_message_refuses_an_owner_the_sender_does_not_hold() -> None:
    pidx, tag = _owners()
    o = make_orders(1, 1, 300, 3, TIF_IOC, owner=7)  # owner 7 belongs to participant 2
    q = make_quotes(1, 100, 1, 101, 1)
    none = np.zeros(0, dtype=np.int64)
    for fn in (pack_message, pack_message_python):
        out = np.zeros(2, dtype=COMMAND_DTYPE)
        assert fn(1, none, q[:0], o, 9, 3, pidx, tag, 0, out) == -1
        assert fn(1, none, q, o[:0], 15, 3, pidx, tag, 0, out) == -1  # default owner not held
        assert fn(1, none, q, o[:0], 9, 3, pidx, tag, 0, out) == 1


def test_private_rows_are_the_participants_own_fills_and_updates(
    rng: np.random.Generator,
) -> None:
    pidx, _ = _owners()
    rows = empty_events(200)
    rows["owner"] = rng.choice([-1, 4, 5, 7, 9, 12], 200)
    kinds = [EventKind.ACK, EventKind.FILL | EventKind.MAKER, EventKind.TOP, EventKind.CANCEL]
    rows["flags"] = rng.choice([int(k) for k in kinds], 200)
    own = (rows["owner"] >= 0) & (pidx[np.maximum(rows["owner"], 0)] == 3)
    fill = (rows["flags"] & int(EventKind.FILL)) != 0
    for wf in (False, True):
        for wu in (False, True):
            got = [fn(rows["owner"], rows["flags"], pidx, 3, wf, wu)
                   for fn in (private_rows, private_rows_python)]  # fmt: skip
            for f, u in got:
                assert f.tolist() == (np.flatnonzero(own & fill).tolist() if wf else [])
                assert u.tolist() == (np.flatnonzero(own & ~fill).tolist() if wu else [])


def test_scan_batch_kernel_agrees_with_its_twin_and_with_numpy_selections(
    rng: np.random.Generator,
) -> None:
    pidx, _ = _owners()
    rows = empty_events(300)
    rows["owner"] = rng.choice([-1, 4, 5, 7, 9, 12, 40], 300)
    kinds = [EventKind.ACK, EventKind.FILL | EventKind.MAKER, EventKind.TOP, EventKind.CANCEL,
             EventKind.TRADE, EventKind.SETTLE]  # fmt: skip
    rows["flags"] = rng.choice([int(k) for k in kinds], 300)
    rows["instrument"] = rng.integers(0, 6, 300)
    rows["price"] = rng.integers(1, 1000, 300)
    rows["side"] = rng.choice([-1, 1], 300)
    rows["qty"] = rng.integers(1, 50, 300)
    rows["ts_exchange"] = np.arange(300)
    mode = np.array([0, 0, 1, 3, 2, 0], dtype=np.int64)  # participant 2 fills, 3 both, 4 updates
    last = rng.integers(-1, 100, 6)
    keep = int(EventKind.FILL | EventKind.TRADE | EventKind.SETTLE)
    got = [fn(rows, keep, pidx, mode, last) for fn in (scan_batch, scan_batch_python)]
    for a, b in zip(got[0], got[1], strict=True):
        np.testing.assert_array_equal(a, b)
    present, kept, tr, und_ts, und_q, new_last, dest, counts = got[0]
    assert present == int(np.bitwise_or.reduce(rows["flags"]))
    np.testing.assert_array_equal(kept, rows[(rows["flags"] & keep) != 0])
    is_tr = (rows["flags"] & int(EventKind.TRADE)) != 0
    np.testing.assert_array_equal(tr, rows[is_tr])
    und = tr["instrument"] == 0
    assert und_ts.tolist() == tr["ts_exchange"][und].tolist()
    assert und_q.tolist() == (tr["side"][und].astype(np.int64) * tr["qty"][und]).tolist()
    ref_last = last.copy()
    ref_last[tr["instrument"]] = tr["price"]
    assert new_last.tolist() == ref_last.tolist()
    for k, (wf, wu) in {2: (True, False), 3: (True, True), 4: (False, True)}.items():
        fi, ui = private_rows(rows["owner"], rows["flags"], pidx, k, wf, wu)
        for code, idx in ((2 * k, fi), (2 * k + 1, ui)):
            assert counts[code] == idx.shape[0]
            for fn in (take_rows, take_rows_python):
                np.testing.assert_array_equal(fn(rows, dest, code, idx.shape[0]), rows[idx])
    assert counts.sum() == (dest >= 0).sum()
    # no trade: the last-trade prices are left alone (empty result)
    quiet = rows[~is_tr]
    assert scan_batch(quiet, 0, pidx, mode, last)[5].shape == (0,)


def test_scan_into_then_the_arrays_on_demand_is_scan_batch(rng: np.random.Generator) -> None:
    pidx, _ = _owners()
    mode = np.array([0, 0, 1, 3, 2, 0], dtype=np.int64)
    keep = int(EventKind.FILL | EventKind.TRADE | EventKind.SETTLE)
    kinds = [int(k) for k in (EventKind.ACK, EventKind.FILL, EventKind.TOP, EventKind.TRADE)]
    for n in (0, 1, 40, 300):
        rows = empty_events(n)
        rows["owner"] = rng.choice([-1, 4, 5, 7, 9, 12, 40], n)
        rows["flags"] = rng.choice(kinds, n)
        rows["instrument"] = rng.integers(0, 6, n)
        rows["price"] = rng.integers(1, 1000, n)
        rows["side"] = rng.choice([-1, 1], n)
        rows["qty"] = rng.integers(1, 50, n)
        last = rng.integers(-1, 100, 6)
        present, kept, tr, und_ts, und_q, new_last, dest, counts = scan_batch(
            rows, keep, pidx, mode, last
        )
        for scan in (scan_into, scan_into_python):
            dest2 = np.full(n + 7, 99, dtype=np.int64)  # longer than the batch, dirty
            counts2 = np.full(counts.shape, 5, dtype=np.int64)
            info = np.zeros(3, dtype=np.int64)
            assert scan(rows, keep, pidx, mode, dest2, counts2, info) == present
            np.testing.assert_array_equal(dest2[:n], dest)
            np.testing.assert_array_equal(counts2, counts)
            assert info.tolist() == [kept.shape[0], tr.shape[0], und_ts.shape[0]]
        np.testing.assert_array_equal(rows_with(rows, keep), kept)
        if tr.shape[0]:
            for fn in (trade_rows, trade_rows_python):
                got = fn(rows, tr.shape[0], und_ts.shape[0], last)
                for a, b in zip(got, (tr, und_ts, und_q, new_last), strict=True):
                    np.testing.assert_array_equal(a, b)


def test_a_view_built_from_columns_equals_the_constructed_one_and_stays_frozen() -> None:
    import dataclasses

    import pytest

    from mmdesk.venue.participant import MarketView

    tops = np.arange(12, dtype=np.int64).reshape(3, 4)
    last = np.full(3, -1, dtype=np.int64)
    cols = (tops[:, 0], tops[:, 2], tops[:, 1], tops[:, 3])
    fast = MarketView.from_columns(5, 7, cols, last, 0.01)
    slow = MarketView(5, 7, *cols, last, 0.01)
    for f in dataclasses.fields(MarketView):
        a, b = getattr(fast, f.name), getattr(slow, f.name)
        assert (a is b) or a == b, f.name
    assert fast.mid_at(1) == slow.mid_at(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.ts_local = 8  # type: ignore[misc]

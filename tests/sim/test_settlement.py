"""Open interest from opening vs closing trades; cash and physical settlement at expiry."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.market.events import EventKind, empty_events
from mmdesk.venue.listing import build_listing
from mmdesk.venue.settlement import OpenInterestBook, apply_fills, apply_fills_python

NS = 1_000_000_000


def fills(rows: list[tuple[int, int, int, int]]) -> np.ndarray:
    """FILL rows from (owner, instrument, side, qty)."""
    out = empty_events(len(rows))
    out["flags"] = int(EventKind.FILL)
    for j, (o, i, s, q) in enumerate(rows):
        out[j]["owner"], out[j]["instrument"], out[j]["side"], out[j]["qty"] = o, i, s, q
    return out


def book() -> OpenInterestBook:
    listing = build_listing([100 * NS, 200 * NS], [[90.0, 100.0], [100.0]])
    return OpenInterestBook(listing, (1, 2, 3))


def test_open_interest_rises_when_both_open_falls_when_both_close_unchanged_otherwise() -> None:
    b = book()
    assert b.apply_fills(fills([(1, 1, 1, 10), (2, 1, -1, 10)])).tolist() == [10, 10]
    assert b.open_interest[0] == 10
    # 1 sells 4 to 3: 1 closes, 3 opens -> unchanged
    assert b.apply_fills(fills([(1, 1, -1, 4), (3, 1, 1, 4)])).tolist() == [0, 4]
    assert b.open_interest[0] == 10
    # 2 buys back 10 from 1 (6 closing) and 3 (4 closing): both close -> 0
    b.apply_fills(fills([(2, 1, 1, 10), (1, 1, -1, 6), (3, 1, -1, 4)]))
    assert b.open_interest[0] == 0
    assert b.positions[:, 0].tolist() == [0, 0, 0]


def test_a_fill_through_zero_opens_only_the_excess() -> None:
    b = book()
    b.apply_fills(fills([(1, 1, 1, 5), (2, 1, -1, 5)]))
    opened = b.apply_fills(fills([(1, 1, -1, 8), (3, 1, 1, 8)]))
    assert opened.tolist() == [3, 8]
    assert b.open_interest[0] == 8  # 3 long 8, 1 short 3 and 2 short 5


def test_apply_fills_kernel_agrees_with_its_twin(rng: np.random.Generator) -> None:
    n = 300
    own = rng.integers(0, 4, n).astype(np.int64)
    opt = rng.integers(0, 6, n).astype(np.int64)
    q = (rng.integers(1, 20, n) * rng.choice([-1, 1], n)).astype(np.int64)
    outs = []
    for fn in (apply_fills, apply_fills_python):
        pos, oi, opened = np.zeros((4, 6), np.int64), np.zeros(6, np.int64), np.zeros(n, np.int64)
        fn(own, opt, q, pos, oi, opened)
        outs.append((pos, oi, opened))
    for a, b in zip(*outs, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(outs[0][1], np.maximum(outs[0][0], 0).sum(axis=0))


def test_cash_settlement_pays_intrinsic_value_and_zeroes_the_expiry() -> None:
    b = book()  # options: 1 = 90C, 2 = 100C, 3 = 90P, 4 = 100P (first expiry); 5, 6 second
    b.apply_fills(fills([(1, 1, 1, 2), (2, 1, -1, 2), (1, 4, -1, 3), (3, 4, 1, 3)]))
    rows = b.settle(0, 95.0, 0.01, "cash")
    assert np.all((rows["flags"] & int(EventKind.SETTLE)) != 0)
    # 90C pays 5 * 100 per contract; 100P pays 5 * 100
    np.testing.assert_allclose(b.cash, [2 * 500 - 3 * 500, -2 * 500, 3 * 500])
    assert b.open_interest[:4].tolist() == [0, 0, 0, 0]
    assert not b.positions[:, :4].any()
    with pytest.raises(ValueError, match="already settled"):
        b.settle(0, 95.0, 0.01, "cash")


def test_physical_settlement_delivers_shares_at_the_strike_for_in_the_money_options() -> None:
    b = book()
    b.apply_fills(fills([(1, 1, 1, 2), (2, 1, -1, 2), (1, 2, 1, 1), (2, 2, -1, 1)]))
    rows = b.settle(0, 95.0, 0.01, "physical")
    assert b.delivered_shares.tolist() == [200, -200, 0]  # 90C exercised, 100C lapses
    np.testing.assert_allclose(b.cash, [-200 * 90.0, 200 * 90.0, 0.0])
    und = rows[rows["instrument"] == 0]
    assert sorted(und["side"].tolist()) == [-1, 1]
    assert set(und["price"].tolist()) == {9000}


def test_fill_rows_kernel_agrees_with_its_twin_and_skips_underlying_and_non_fills(
    rng: np.random.Generator,
) -> None:
    from mmdesk.venue.settlement import apply_fill_rows, apply_fill_rows_python

    n = 200
    rows = fills([(int(o), int(i), int(s), int(q)) for o, i, s, q in zip(
        rng.integers(1, 4, n), rng.integers(0, 7, n), rng.choice([-1, 1], n),
        rng.integers(1, 20, n), strict=True)])  # fmt: skip
    rows["flags"][rng.random(n) < 0.2] = int(EventKind.ACK)
    owner_row = np.array([-1, 0, 1, 2], dtype=np.int64)
    outs = []
    for fn in (apply_fill_rows, apply_fill_rows_python):
        pos, oi = np.zeros((3, 6), np.int64), np.zeros(6, np.int64)
        opened, bad = fn(rows, owner_row, pos, oi)
        outs.append((pos, oi, opened, bad))
    for a, b in zip(*outs, strict=True):
        np.testing.assert_array_equal(a, b)
    pos, oi, opened, bad = outs[0]
    take = ((rows["flags"] & int(EventKind.FILL)) != 0) & (rows["instrument"] > 0)
    assert bad == -1 and opened.size == int(take.sum())
    expect = np.zeros((3, 6), np.int64)
    r = rows[take]
    np.add.at(expect, (r["owner"] - 1, r["instrument"] - 1), r["side"].astype(np.int64) * r["qty"])
    np.testing.assert_array_equal(pos, expect)
    np.testing.assert_array_equal(oi, np.maximum(expect, 0).sum(axis=0))
    rows["owner"][np.flatnonzero(take)[3]] = 0  # an untracked owner: nothing applied
    pos2, oi2 = np.zeros((3, 6), np.int64), np.zeros(6, np.int64)
    _, bad = apply_fill_rows(rows, owner_row, pos2, oi2)
    assert bad == np.flatnonzero(take)[3] and not pos2.any()

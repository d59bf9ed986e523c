"""The agents' price/vega kernel: twin and kernel agree, and match mmdesk.pricing."""

from __future__ import annotations

import numpy as np

from mmdesk.flow.agents._kernels import bs_price_vega, bs_price_vega_python
from mmdesk.pricing import bs_price


def test_price_vega_kernel_agrees_with_its_twin_and_with_bs_price(
    rng: np.random.Generator,
) -> None:
    n = 500
    k = rng.uniform(60, 140, n)
    t = rng.uniform(1e-3, 2.0, n)
    v = rng.uniform(0.05, 1.0, n)
    c = rng.random(n) < 0.5
    p1, g1, p2, g2 = (np.empty(n) for _ in range(4))
    bs_price_vega(100.0, k, t, v, 0.03, 0.01, c, p1, g1)
    bs_price_vega_python(100.0, k, t, v, 0.03, 0.01, c, p2, g2)
    np.testing.assert_allclose(p1, p2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(p1, bs_price(100.0, k, t, v, 0.03, 0.01, c), atol=1e-10)
    # vega by central difference
    h = 1e-5
    up, dn, tmp = np.empty(n), np.empty(n), np.empty(n)
    bs_price_vega(100.0, k, t, v + h, 0.03, 0.01, c, up, tmp)
    bs_price_vega(100.0, k, t, v - h, 0.03, 0.01, c, dn, tmp)
    np.testing.assert_allclose(g1, (up - dn) / (2 * h), rtol=1e-5, atol=1e-7)


def test_maker_quote_kernel_agrees_with_its_twin(rng: np.random.Generator) -> None:
    from mmdesk.flow.agents._kernels import mm_quotes, mm_quotes_python
    from mmdesk.venue.config import DEFAULT_OPTION_TICKS
    from mmdesk.venue.ticks import TickTable

    ticks = TickTable(DEFAULT_OPTION_TICKS)
    m, n = 4, 60
    theo = rng.uniform(0.001, 8.0, (m, n))
    vega = rng.uniform(0.0, 20.0, (m, n))
    raw_bid = ticks.round_down(rng.integers(0, 800, m * n)).reshape(m, n)
    sent_bid = np.where(rng.random((m, n)) < 0.5, raw_bid, 0)
    sent_ask = np.where(sent_bid > 0, ticks.tick_up(sent_bid.ravel()).reshape(m, n) + 5, 0)
    sent_ask = ticks.round_up(sent_ask.ravel()).reshape(m, n) * (sent_bid > 0)
    sent_q = np.where(sent_bid > 0, 20, 0)
    view_bid = np.where(rng.random(n) < 0.5, ticks.round_down(rng.integers(1, 600, n)), -1)
    view_ask = np.where(rng.random(n) < 0.5, ticks.round_up(rng.integers(1, 900, n)), -1)
    live = rng.random(n) < 0.9
    for full in (False, True):
        outs = []
        for fn in (mm_quotes, mm_quotes_python):
            o = [np.zeros((m, n), np.int64) for _ in range(4)] + [np.zeros((m, n), np.bool_)]
            book = (sent_bid, sent_ask, sent_q, sent_q, view_bid, view_ask, live)
            grid = (ticks.starts, ticks.steps, ticks.nbands)
            fn(theo, vega, *book, 0.01, 0.02, 0.005, 0.01, 0.5, 20, full, *grid, *o)
            outs.append(o)
        for a, b in zip(*outs, strict=True):
            np.testing.assert_array_equal(a, b)
        bid, ask, bq, aq, _ = outs[0]
        quoted = bq > 0
        assert np.all(ticks.is_valid(bid[quoted])) and np.all(ticks.is_valid(ask.ravel()))
        best_bid = np.where(quoted, bid, 0).max(axis=0)
        assert np.all(best_bid < ask.min(axis=0))
        assert not aq[:, ~live].any() and not bq[:, ~live].any()


def test_maker_requote_kernel_is_the_quote_kernel_then_the_rows_and_agrees_with_its_twin(
    rng: np.random.Generator,
) -> None:
    from mmdesk.flow.agents._kernels import (
        mm_quote_rows,
        mm_quotes,
        mm_requote,
        mm_requote_python,
    )
    from mmdesk.venue.config import DEFAULT_OPTION_TICKS
    from mmdesk.venue.participant import QUOTE_DTYPE
    from mmdesk.venue.ticks import TickTable

    ticks = TickTable(DEFAULT_OPTION_TICKS)
    m, n = 3, 50
    theo = rng.uniform(0.001, 8.0, (m, n))
    vega = rng.uniform(0.0, 20.0, (m, n))
    raw_bid = ticks.round_down(rng.integers(1, 600, m * n)).reshape(m, n)
    sent_bid = np.where(rng.random((m, n)) < 0.5, raw_bid, 0)
    sent_ask = np.where(sent_bid > 0, ticks.round_up(sent_bid.ravel() + 7).reshape(m, n), 0)
    sent_q = np.where(sent_bid > 0, 20, 0)
    tops = rng.integers(-1, 900, (n + 1, 4))  # the loop's views are strided columns of tops
    view_bid, view_ask = tops[:, 0], tops[:, 2]
    live = rng.random(n) < 0.9
    ids = np.array([4, 5, 6], dtype=np.int64)
    inst = np.arange(1, n + 1, dtype=np.int64)
    grid = (ticks.starts, ticks.steps, ticks.nbands)
    template = np.zeros(0, dtype=QUOTE_DTYPE)
    for full in (False, True):
        args = (theo, vega, sent_bid, sent_ask, sent_q, sent_q, view_bid, view_ask, live,
                0.01, 0.02, 0.005, 0.01, 0.5, 20, full, *grid)  # fmt: skip
        got = [fn(*args, ids, inst, template) for fn in (mm_requote, mm_requote_python)]
        for a, b in zip(*got, strict=True):
            np.testing.assert_array_equal(a, b)
        o = [np.zeros((m, n), np.int64) for _ in range(4)] + [np.zeros((m, n), np.bool_)]
        book = (sent_bid, sent_ask, sent_q, sent_q, view_bid[1:].copy(), view_ask[1:].copy())
        mm_quotes(theo, vega, *book, live, 0.01, 0.02, 0.005, 0.01, 0.5, 20, full, *grid, *o)
        rows = np.zeros(int(o[4].sum()), dtype=QUOTE_DTYPE)
        mm_quote_rows(o[4], ids, inst, o[0], o[2], o[1], o[3], rows)
        for a, b in zip(got[0], [*o[:4], rows], strict=True):
            np.testing.assert_array_equal(a, b)
        assert got[0][4].shape[0] == (m * n if full else int(o[4].sum()))


def test_maker_quote_rows_are_the_legs_to_send_maker_by_maker(
    rng: np.random.Generator,
) -> None:
    from mmdesk.flow.agents._kernels import mm_quote_rows, mm_quote_rows_python
    from mmdesk.venue.participant import QUOTE_DTYPE

    m, n = 3, 40
    send = rng.random((m, n)) < 0.3
    ids = np.array([7, 8, 9], dtype=np.int64)
    inst = np.arange(1, n + 1, dtype=np.int64)
    bid, bq, ask, aq = (rng.integers(0, 900, (m, n)) for _ in range(4))
    outs = []
    for fn in (mm_quote_rows, mm_quote_rows_python):
        out = np.zeros(int(send.sum()), dtype=QUOTE_DTYPE)
        fn(send, ids, inst, bid, bq, ask, aq, out)
        outs.append(out)
    np.testing.assert_array_equal(outs[0], outs[1])
    out = outs[0]
    assert out["owner"].tolist() == np.repeat(ids, n)[send.ravel()].tolist()
    assert out["instrument"].tolist() == np.tile(inst, m)[send.ravel()].tolist()
    assert out["bid"].tolist() == bid[send].tolist()
    assert out["ask_qty"].tolist() == aq[send].tolist()


def test_provider_ladder_rows_agree_with_twin_and_never_cross_the_seen_book(
    rng: np.random.Generator,
) -> None:
    from mmdesk.flow.agents._kernels import lp_quote_rows, lp_quote_rows_python
    from mmdesk.venue.config import DEFAULT_UNDERLYING_TICKS
    from mmdesk.venue.participant import QUOTE_DTYPE
    from mmdesk.venue.ticks import TickTable

    ticks = TickTable(DEFAULT_UNDERLYING_TICKS)
    off = 1.0 + np.arange(5.0)
    size = 500 * (1 + np.arange(5, dtype=np.int64))
    ids = np.arange(2, 7, dtype=np.int64)
    grid = (ticks.starts, ticks.steps, ticks.nbands)
    for _ in range(200):
        fair_units = float(rng.uniform(1.0, 20_000.0))
        vb, va = (int(x) for x in rng.integers(-1, 20_000, 2))
        outs = []
        for fn in (lp_quote_rows, lp_quote_rows_python):
            out = np.zeros(5, dtype=QUOTE_DTYPE)
            fn(fair_units, off, 1.0, size, ids, vb, va, *grid, out)
            outs.append(out)
        np.testing.assert_array_equal(outs[0], outs[1])
        out = outs[0]
        bid = ticks.round_down(np.floor(fair_units - off + 1e-9).astype(np.int64))
        ask = ticks.round_up(np.ceil(fair_units + off - 1e-9).astype(np.int64))
        if vb > 0 and va > 0:
            bid = np.minimum(bid, ticks.tick_down(va))
            ask = np.maximum(ask, ticks.tick_up(vb))
        assert out["bid"].tolist() == np.maximum(bid, 0).tolist()
        assert out["bid_qty"].tolist() == np.where(bid > 0, size, 0).tolist()
        assert out["ask"].tolist() == ask.tolist() and np.all(out["instrument"] == 0)


def test_order_rows_are_the_kept_candidates_in_order(rng: np.random.Generator) -> None:
    from mmdesk.flow.agents._kernels import order_rows, order_rows_python
    from mmdesk.flow.agents.base import ioc_orders
    from mmdesk.venue.participant import ORDER_DTYPE, TIF_IOC, make_orders

    n = 50
    keep = rng.random(n) < 0.6
    inst, price, qty = (rng.integers(0, 900, n) for _ in range(3))
    side = rng.choice(np.array([-1, 1]), n)
    owner = rng.integers(2, 9, n)
    outs = []
    for fn in (order_rows, order_rows_python):
        out = np.zeros(int(keep.sum()), dtype=ORDER_DTYPE)
        fn(keep, inst, side, price, qty, TIF_IOC, owner, out)
        outs.append(out)
    np.testing.assert_array_equal(outs[0], outs[1])
    k = keep
    expect = make_orders(inst[k], side[k], price[k], qty[k], TIF_IOC, owner=owner[k])
    np.testing.assert_array_equal(outs[0], expect)
    np.testing.assert_array_equal(ioc_orders(keep, inst, side, price, qty, owner), expect)


def test_maker_theo_kernel_is_bs_price_vega_at_each_makers_smile_vol(
    rng: np.random.Generator,
) -> None:
    from mmdesk.flow.agents._kernels import mm_theo, mm_theo_python

    m, n, spot = 4, 60, 100.0
    k = rng.uniform(60, 140, n)
    t = rng.uniform(1e-4, 1.0, n)
    c = rng.random(n) < 0.5
    eps = rng.normal(0, 0.004, m)
    eta = rng.normal(0, 0.002, (m, n))
    eta[0, :3] = -5.0  # vol floored at 0.01
    x = np.log(k / spot) / np.sqrt(t)
    outs = []
    for fn in (mm_theo, mm_theo_python):
        theo, vega = np.empty((m, n)), np.empty((m, n))
        fn(spot, x, k, t, np.sqrt(t), 0.2, -0.1, 0.05, eps, eta, 0.03, 0.01, c, theo, vega)
        outs.append((theo, vega))
    vol = np.maximum(0.2 * (1.0 + -0.1 * x + 0.05 * x * x)[None, :] + eps[:, None] + eta, 0.01)
    p, g = np.empty(m * n), np.empty(m * n)
    bs_price_vega(spot, np.tile(k, m), np.tile(t, m), vol.ravel(), 0.03, 0.01, np.tile(c, m), p, g)
    for theo, vega in outs:  # the same formulas on the same inputs: bit for bit
        np.testing.assert_array_equal(theo, p.reshape(m, n))
        np.testing.assert_array_equal(vega, g.reshape(m, n))


def test_tau_live_kernel_agrees_with_its_twin_and_with_the_listing_bit_for_bit(
    rng: np.random.Generator,
) -> None:
    from mmdesk.flow.agents._kernels import tau_live, tau_live_python
    from mmdesk.flow.agents.base import S_PER_YEAR
    from mmdesk.venue.listing import build_listing

    now = 10**18
    expiries = np.sort(now + rng.integers(-3 * 10**11, 9 * 10**15, 6))
    expiries = np.unique(np.append(expiries, now))  # one expiring exactly now
    listing = build_listing(expiries, [[90.0, 100.0, 110.0]] * expiries.size)
    n = listing.n_options
    for f in (tau_live, tau_live_python):
        tau, live, sq = np.empty(n), np.empty(n, dtype=np.bool_), np.empty(n)
        f(listing.expiry_ns, now, 60.0, S_PER_YEAR, tau, live, sq)
        assert tau.tobytes() == listing.tau(now).tobytes()
        assert np.array_equal(live, listing.live(now))
        assert sq.tobytes() == np.sqrt(listing.tau(now)).tobytes()

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

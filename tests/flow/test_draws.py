"""The takers' fused draw kernels: twins agree, and they reproduce the numpy versions exactly."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from mmdesk.flow.agents import _draws as D
from mmdesk.flow.agents.base import moneyness_weights, weighted_choice
from mmdesk.flow.agents.informed import InformedAgents, InformedConfig
from mmdesk.flow.agents.noise import NoiseAgents, NoiseConfig
from mmdesk.venue.participant import ORDER_DTYPE

from .test_agents import DAY, FakeOracle, book, context

_NO_ORDERS = np.zeros(0, dtype=ORDER_DTYPE)


def _weights(rng: np.random.Generator, m: int) -> np.ndarray:
    w = rng.random(m) ** 3 * (rng.random(m) < 0.7)
    w[0] += 1e-3
    return w


def test_weighted_draws_are_generator_choice_draws() -> None:
    meta = np.random.default_rng(0)
    for _ in range(300):
        m = int(meta.integers(1, 150))
        w = _weights(meta, m)
        s = float(w.sum())
        n = int(meta.integers(1, 6))
        seed = int(meta.integers(0, 2**32))
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        cdf = np.empty(m)
        D.cdf_of(w, s, cdf)
        got = [D.draw_index(cdf, x) for x in a.random(n)]
        np.testing.assert_array_equal(got, weighted_choice(b, w / s, n))


def test_draw_kernels_agree_with_their_twins() -> None:
    rng = np.random.default_rng(3)
    m = 40
    view_bid = rng.integers(-1, 50, size=m + 1)
    view_ask = view_bid + rng.integers(1, 5, size=m + 1)
    instrument = np.arange(1, m + 1, dtype=np.int64)
    for _ in range(50):
        w1, w2 = _weights(rng, m), _weights(rng, m)
        n = int(rng.integers(1, 12))
        u, z = rng.random(3 * n), rng.standard_normal(n)
        size, owner = rng.integers(1, 10, size=n), rng.integers(2, 9, size=n)
        s1, s2 = float(w1.sum()), float(w2.sum())
        args = (w1, s1, u, size, owner, instrument, view_bid, view_ask, 0.3, 100, _NO_ORDERS)
        assert D.noise_orders(*args).tobytes() == D.noise_orders_python(*args).tobytes()
        args2 = (w1, s1, w2, s2, 0.001, 0.002, 0.0015, z, u, size, owner, instrument,
                 view_bid, view_ask, 0.3, 100, _NO_ORDERS)  # fmt: skip
        assert D.informed_orders(*args2).tobytes() == D.informed_orders_python(*args2).tobytes()
        cdf_a, cdf_b = np.empty(m), np.empty(m)
        D.cdf_of(w1, s1, cdf_a)
        D.cdf_of_python(w1, s1, cdf_b)
        np.testing.assert_array_equal(cdf_a, cdf_b)
        assert D.draw_index(cdf_a, u[0]) == D.draw_index_python(cdf_a, u[0])
        live = rng.random(m) < 0.8
        np.testing.assert_array_equal(
            D.masked_weights(w1, w2, live), D.masked_weights_python(w1, w2, live)
        )
        lm, sq = rng.normal(size=m), rng.random(m) + 0.1
        np.testing.assert_array_equal(D.half_z2(lm, 0.3, sq), D.half_z2_python(lm, 0.3, sq))


def test_raw_choice_weights_normalise_to_the_shared_choice_weights_bit_for_bit() -> None:
    ctx = context(FakeOracle())
    lst = ctx.listing
    for now in (0, 10 * DAY):
        for scale in (7 / 365, -30 / 365, 0.0):
            for spot in (101.0, 97.5):
                live = lst.live(now) & lst.is_call
                w, s = ctx.raw_choice_weights(now, spot, 0.2, 1.0, scale, live)
                want = moneyness_weights(lst.strike, spot, lst.tau(now), 0.2, 1.0, scale, live)
                np.testing.assert_array_equal(w / s, want)
    none_live = np.zeros(lst.n_options, dtype=np.bool_)
    w, s = ctx.raw_choice_weights(0, 100.0, 0.2, 1.0, 0.0, none_live)
    np.testing.assert_array_equal(
        w / s, moneyness_weights(lst.strike, 100.0, lst.tau(0), 0.2, 1.0, 0.0, none_live)
    )


@pytest.mark.parametrize("share", [0.0, 0.3])
def test_noise_orders_are_the_numpy_versions_rows_and_draws(share: float) -> None:
    ctx = context(FakeOracle())
    cfg = NoiseConfig(rate_per_s=2.0, underlying_share=share)
    agents = NoiseAgents(cfg, ctx, tuple(range(10, 15)), np.random.default_rng(1))
    view = book(ctx, 0.2)
    for n in (1, 3, 40):
        owner = np.repeat(agents.owner_ids, np.full(5, n))[:n]
        twin = copy.deepcopy(agents)
        got = agents._orders(0, view, owner, n)
        want = twin._orders_numpy(0, view, owner, n)
        assert got.shape[0] > 0
        assert got.tobytes() == want.tobytes()
        assert agents.rng.random() == twin.rng.random()  # the generators moved alike


@pytest.mark.parametrize("future_return", [0.004, -0.004])
def test_informed_orders_are_the_numpy_versions_rows_and_draws(future_return: float) -> None:
    ctx = context(FakeOracle(future_return=future_return))
    cfg = InformedConfig(rate_per_s=3.0, quality=0.7, underlying_share=0.4)
    agents = InformedAgents(cfg, ctx, (20, 21, 22), np.random.default_rng(2))
    agents.on_market_data(book(ctx, 0.2))
    for _ in range(5):
        twin = copy.deepcopy(agents)
        got, want = agents.on_timer(0), twin.on_timer_numpy(0)
        assert got is not None and want is not None
        assert got.orders.tobytes() == want.orders.tobytes()
        assert agents.rng.random() == twin.rng.random()

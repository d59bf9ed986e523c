"""European prices: Black–Scholes–Merton and Black-76 against textbooks, QuantLib and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
import QuantLib as ql

from mmdesk.pricing import black76_price, bs_price
from mmdesk.pricing.black import (
    bs_price_kernel,
    bs_price_kernel_parallel,
)
from mmdesk.pricing.greeks import bs_greeks_one_python

from .mp_oracle import bs_greeks_mp


def random_bsm_inputs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    spot = rng.uniform(1.0, 500.0, n)
    strike = spot * np.exp(rng.normal(0.0, 0.5, n))
    t = rng.uniform(1.0 / 365.0, 5.0, n)
    vol = rng.uniform(0.02, 2.0, n)
    rate = rng.uniform(-0.02, 0.12, n)
    div_yield = rng.uniform(-0.02, 0.08, n)
    is_call = rng.random(n) < 0.5
    return spot, strike, t, vol, rate, div_yield, is_call


def test_hull_example_15_6_call_and_put() -> None:
    # Hull, Options, Futures and Other Derivatives (8th ed.), Example 15.6:
    # S=42, K=40, r=10%, sigma=20%, T=0.5 -> c = 4.76, p = 0.81.
    assert round(bs_price(42.0, 40.0, 0.5, 0.2, 0.1, 0.0, True), 2) == 4.76
    assert round(bs_price(42.0, 40.0, 0.5, 0.2, 0.1, 0.0, False), 2) == 0.81


def test_haug_black76_futures_option_example() -> None:
    # Haug, The Complete Guide to Option Pricing Formulas (1998), p. 4 (Black-76):
    # F=19, K=19, T=0.75, r=10%, sigma=28% -> call = put = 1.7011.
    assert black76_price(19.0, 19.0, 0.75, 0.28, 0.10, True) == pytest.approx(1.7011, abs=5e-5)
    assert black76_price(19.0, 19.0, 0.75, 0.28, 0.10, False) == pytest.approx(1.7011, abs=5e-5)


def test_price_kernels_agree_with_the_python_spec(rng: np.random.Generator) -> None:
    """The compiled serial and parallel kernels against the per-option spec
    (``bs_greeks_one_python``, whose price field the kernels keep) run by Python."""
    args = random_bsm_inputs(rng, 3000)
    spec = np.array([bs_greeks_one_python(*(a[i] for a in args))[0] for i in range(3000)])
    outs = []
    for kernel in (bs_price_kernel, bs_price_kernel_parallel):
        out = np.empty(3000)
        kernel(*args, out)
        outs.append(out)
    np.testing.assert_allclose(outs[0], spec, rtol=1e-14, atol=1e-300)
    np.testing.assert_array_equal(outs[1], outs[0])


def test_inputs_broadcast_and_scalars_return_float() -> None:
    price = bs_price(np.array([90.0, 100.0, 110.0]), 100.0, [[0.25], [1.0]], 0.2, 0.03, 0.0, True)
    assert isinstance(price, np.ndarray)
    assert price.shape == (2, 3)
    assert isinstance(bs_price(100.0, 100.0, 1.0, 0.2, 0.03, 0.0, True), float)


def test_non_broadcasting_inputs_raise_naming_the_fields() -> None:
    with pytest.raises(ValueError, match="strike"):
        bs_price(np.ones(3), np.ones(4), 1.0, 0.2, 0.0, 0.0, True)


def test_integer_option_kind_is_refused_rather_than_read_as_bool() -> None:
    with pytest.raises(TypeError, match="is_call"):
        bs_price(100.0, 100.0, 1.0, 0.2, 0.0, 0.0, np.array([1, -1]))


def test_scalar_and_array_calls_price_identically(rng: np.random.Generator) -> None:
    spot, strike, t, vol, rate, div_yield, is_call = random_bsm_inputs(rng, 50)
    batch = bs_price(spot, strike, t, vol, rate, div_yield, is_call)
    one_by_one = [
        bs_price(float(s), float(k), float(tt), float(v), float(r), float(q), bool(c))
        for s, k, tt, v, r, q, c in zip(spot, strike, t, vol, rate, div_yield, is_call, strict=True)
    ]
    np.testing.assert_array_equal(batch, one_by_one)
    integers = bs_price(100, 100, 1, 0.2, 0, 0, True)
    assert integers == bs_price(100.0, 100.0, 1.0, 0.2, 0.0, 0.0, True)


def test_black76_agrees_with_quantlib_black_formula(rng: np.random.Generator) -> None:
    """QuantLib's blackFormula on 3,000 random options; where we differ by more than
    1e-12 relative / 1e-14 absolute, the 50-digit value (BSM with q = r is Black-76)
    must be on our side (QuantLib's N(x) = (1 + erf)/2 loses the wings)."""
    forward, strike, t, vol, rate, _, is_call = random_bsm_inputs(rng, 3000)
    ours = black76_price(forward, strike, t, vol, rate, is_call)
    theirs = np.array(
        [
            ql.blackFormula(
                ql.Option.Call if c else ql.Option.Put,
                float(k),
                float(f),
                float(v * math.sqrt(tt)),
                float(math.exp(-r * tt)),
            )
            for f, k, tt, v, r, c in zip(forward, strike, t, vol, rate, is_call, strict=True)
        ]
    )
    err = np.abs(ours - theirs)
    differ = np.flatnonzero((err > 1e-12 * np.abs(theirs)) & (err > 1e-14))
    for i in differ:
        exact = bs_greeks_mp(forward[i], strike[i], t[i], vol[i], rate[i], rate[i], is_call[i])
        assert abs(ours[i] - exact["price"]) <= max(1e-12 * exact["price"], 1e-14), i
        assert abs(ours[i] - exact["price"]) < abs(theirs[i] - exact["price"]), i
    assert differ.size < 0.05 * 3000

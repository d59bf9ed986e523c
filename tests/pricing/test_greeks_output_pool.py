"""Large pricing outputs recycle the memory of dropped outputs, never of live ones."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from mmdesk.pricing import _output_pool, bs_greeks, bs_price

from .quantlib_oracle import random_european_grid

# 9 rows x 100,000 options x 8 bytes = 7.2 MB: above the pooling threshold.
N = 100_000


@pytest.fixture(autouse=True)
def empty_pool() -> Iterator[None]:
    _output_pool.clear()
    yield
    _output_pool.clear()


def chain(rng: np.random.Generator, n: int = N) -> tuple[np.ndarray, ...]:
    spot, strike, days, vol, rate, div_yield, is_call = random_european_grid(rng, n)
    return spot, strike, days / 365.0, vol, rate, div_yield, is_call


def address(a: np.ndarray) -> int:
    return int(a.__array_interface__["data"][0])


def test_a_repriced_chain_reuses_the_memory_of_the_greeks_it_dropped(
    rng: np.random.Generator,
) -> None:
    args = chain(rng)
    first = address(bs_greeks(*args).price)  # dropped at once
    assert _output_pool.idle_bytes() == 9 * N * 8
    assert address(bs_greeks(*args).price) == first


def test_greeks_still_referenced_are_never_overwritten_by_a_later_call(
    rng: np.random.Generator,
) -> None:
    args = chain(rng)
    delta = bs_greeks(*args).delta  # one live row keeps the whole block
    expected = delta.copy()
    assert _output_pool.idle_bytes() == 0
    others = chain(rng)
    later = bs_greeks(*others)
    assert not np.shares_memory(later.delta, delta)
    np.testing.assert_array_equal(delta, expected)
    tail = delta[N // 2 :]  # a view of a view also keeps it
    del delta
    bs_greeks(*others)
    np.testing.assert_array_equal(tail, expected[N // 2 :])


def test_recycled_memory_is_fully_rewritten(rng: np.random.Generator) -> None:
    args = chain(rng)
    reference = np.empty((9, N))
    bs_greeks(*args, out=reference)
    junk = _output_pool.empty_float64((9, N))
    junk.fill(np.nan)
    junk_address = address(junk)
    del junk
    greeks = bs_greeks(*args)
    assert address(greeks.price) == junk_address
    np.testing.assert_array_equal(np.array(greeks), reference)


def test_single_output_functions_recycle_too(rng: np.random.Generator) -> None:
    args = chain(rng, 600_000)  # 4.8 MB of prices
    first = address(np.asarray(bs_price(*args)))
    assert address(np.asarray(bs_price(*args))) == first


def test_idle_memory_is_capped_by_freeing_the_longest_idle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    block = _output_pool.MIN_POOLED_BYTES
    monkeypatch.setattr(_output_pool, "MAX_IDLE_BYTES", 2 * block + block // 2)
    live = [_output_pool.empty_float64(((block // 8) * m,)) for m in (1, 2, 3)]
    sizes = [a.nbytes for a in live]
    live.pop(0)  # idle: 1 block
    live.pop(0)  # idle: 3 blocks > cap, the first-dropped goes
    assert _output_pool.idle_bytes() == sizes[1]
    live.pop(0)  # 3 blocks alone exceed the cap: freed at once
    assert _output_pool.idle_bytes() == 0


def test_small_outputs_are_plain_numpy_arrays(rng: np.random.Generator) -> None:
    greeks = bs_greeks(*chain(rng, 1000))
    assert isinstance(greeks.price.base, np.ndarray)
    assert greeks.price.base.flags.owndata
    del greeks
    assert _output_pool.idle_bytes() == 0

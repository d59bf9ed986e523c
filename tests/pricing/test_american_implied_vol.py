"""American implied vol: exact inversion of each method's own prices, reasons instead of errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmdesk.pricing.american import (
    american_implied_vol,
    american_implied_vol_with_reason,
    american_price,
)
from mmdesk.pricing.american.implied_vol import american_iv_one, american_iv_one_python
from mmdesk.pricing.iv_reason import IVReason


def _grid(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    spot = rng.uniform(60.0, 140.0, n)
    t = rng.uniform(1.0 / 365.0, 3.0, n)
    vol = rng.uniform(0.05, 1.5, n)
    rate = rng.uniform(0.0, 0.08, n)
    q = rng.uniform(0.0, 0.06, n)
    is_call = rng.random(n) < 0.5
    return spot, t, vol, rate, q, is_call


@pytest.mark.parametrize(
    ("method", "n"), [("baw", 400), ("bjs2002", 200), ("bjs1993", 400), ("tree", 60)]
)
def test_implied_vol_inverts_the_methods_own_prices(
    method: str, n: int, rng: np.random.Generator
) -> None:
    spot, t, vol, rate, q, is_call = _grid(rng, n)
    price = american_price(spot, 100.0, t, vol, rate, q, is_call, method)
    iv, reason = american_implied_vol_with_reason(price, spot, 100.0, t, rate, q, is_call, method)
    ok = reason == IVReason.OK
    # Only prices that carry no vol (exercise now, or so deep in the money that
    # the price is that of vol 0.001) are refused.
    refused = ~ok
    assert np.all(reason[refused] == IVReason.NO_VOL_INFORMATION)
    at_refused = (spot[refused], 100.0, t[refused])
    rest = (rate[refused], q[refused], is_call[refused], method)
    floor = american_price(*at_refused, 1e-3, *rest)
    # (BAW's critical-price iteration diverges at vol 0.001: the zero-vol value then.)
    floor = np.where(np.isnan(floor), american_price(*at_refused, 0.0, *rest), floor)
    assert np.all(np.abs(price[refused] - floor) <= 1e-9 * np.maximum(1.0, price[refused]))
    assert ok.mean() > 0.9
    # Round trip: the price at the implied vol is the price, and the vol is the
    # vol up to what the price can tell (price rounding / vega).
    back = american_price(spot[ok], 100.0, t[ok], iv[ok], rate[ok], q[ok], is_call[ok], method)
    assert np.max(np.abs(back - price[ok]) / np.maximum(1.0, price[ok])) < 1e-11
    h = 1e-5
    up = american_price(spot[ok], 100.0, t[ok], vol[ok] + h, rate[ok], q[ok], is_call[ok], method)
    vega = (up - price[ok]) / h
    vol_error = np.abs(iv[ok] - vol[ok])
    assert np.all((vol_error < 1e-8) | (vol_error * vega < 1e-10 * np.maximum(1.0, price[ok])))


@pytest.mark.parametrize("model", ["escrowed", "spot"])
def test_implied_vol_with_cash_dividends_inverts_the_tree(model: str) -> None:
    kw = {"dividends": ([0.1, 0.35], [1.0, 1.0]), "dividend_model": model}
    spot = np.array([95.0, 100.0, 105.0])
    price = american_price(spot, 100.0, 0.5, 0.3, 0.04, 0.0, True, "tree", **kw)
    iv = american_implied_vol(price, spot, 100.0, 0.5, 0.04, 0.0, True, "tree", **kw)
    np.testing.assert_allclose(iv, 0.3, atol=1e-9)


def test_kernel_matches_its_python_twin(rng: np.random.Generator) -> None:
    spot, t, vol, rate, q, is_call = _grid(rng, 20)
    price = american_price(spot, 100.0, t, vol, rate, q, is_call, "baw")
    empty = np.empty(0)
    for i in range(20):
        args = (0, price[i], spot[i], 100.0, t[i], rate[i], q[i], bool(is_call[i]), 51,
                empty, empty, 0.3, np.empty(3))  # fmt: skip
        fast = american_iv_one(*args)
        slow = american_iv_one_python(*args)
        assert fast[1] == slow[1]
        assert fast[0] == pytest.approx(slow[0], rel=1e-12, nan_ok=True)


@pytest.mark.parametrize("method", ["baw", "bjs2002", "bjs1993", "tree"])
def test_prices_without_vol_give_nan_and_a_reason(method: str) -> None:
    price = [4.0, -0.1, 150.0, 20.0, 5.0, math.nan, 5.0, 101.0]
    spot = [80.0, 100.0, 100.0, 80.0, 100.0, 100.0, 100.0, 100.0]
    strike = [100.0, 100.0, 100.0, 100.0, 100.0, 100.0, -1.0, 100.0]
    t = [0.5, 0.5, 0.5, 0.5, 0.0, 0.5, 0.5, 0.5]
    is_call = [False, True, True, False, True, True, True, False]
    vol, reason = american_implied_vol_with_reason(
        price, spot, strike, t, 0.05, 0.0, is_call, method
    )
    expected = [
        IVReason.BELOW_INTRINSIC,  # put worth less than exercising it now (20)
        IVReason.BELOW_INTRINSIC,  # negative price
        IVReason.ABOVE_MAX,  # call above the spot
        IVReason.NO_VOL_INFORMATION,  # exactly intrinsic: exercise now, any low vol
        IVReason.INVALID_INPUT,  # t = 0
        IVReason.INVALID_INPUT,  # NaN price
        IVReason.INVALID_INPUT,  # negative strike
        IVReason.ABOVE_MAX,  # put above the strike
    ]
    assert reason.tolist() == [int(e) for e in expected]
    assert np.all(np.isnan(vol))


def test_scalar_in_gives_float_and_int_out() -> None:
    price = american_price(100.0, 100.0, 0.5, 0.25, 0.05, 0.02, False)
    vol, reason = american_implied_vol_with_reason(price, 100.0, 100.0, 0.5, 0.05, 0.02, False)
    assert isinstance(vol, float) and isinstance(reason, int)
    assert vol == pytest.approx(0.25, abs=1e-12) and reason == IVReason.OK

"""Implied vol (BSM and Black-76): accuracy to the price's rounding, NaN with a reason otherwise."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmdesk.pricing import black76_price, bs_price
from mmdesk.pricing.implied_vol import (
    IVReason,
    black76_implied_vol,
    black76_implied_vol_with_reason,
    implied_vol,
    implied_vol_kernel,
    implied_vol_kernel_python,
    implied_vol_with_reason,
)
from mmdesk.pricing.iv_accuracy import check_accuracy, random_options, reference_bs_price

EPS = 2.220446049250313e-16

spots = st.floats(1.0, 1000.0)
moneyness = st.floats(0.3, 3.0)
times = st.floats(1.0 / 365.0, 5.0)
vols = st.floats(0.02, 3.0)
rates = st.floats(-0.01, 0.08)
yields = st.floats(0.0, 0.05)


def test_recovers_the_vol_of_hull_example_15_6() -> None:
    price = bs_price(42.0, 40.0, 0.5, 0.2, 0.1, 0.0, True)
    assert implied_vol(price, 42.0, 40.0, 0.5, 0.1, 0.0, True) == pytest.approx(0.2, abs=1e-13)


def test_acceptance_rule_holds_on_50k_random_options() -> None:
    # The rule (module mmdesk.pricing.iv_accuracy), on a 50k sample of the
    # 1,000,000-option benchmark's distribution: deep ITM to deep OTM, 1 day to 5 years.
    options = random_options(np.random.default_rng(20261121), 50_000)
    price, vega = reference_bs_price(options)
    vol, reason = implied_vol_with_reason(price, *options[:3], *options[4:])
    report = check_accuracy(options, price, vega, np.asarray(vol), np.asarray(reason))
    assert report.n_information_failed == 0
    assert report.n_wrong_finite == 0
    assert report.n_information > 0.6 * report.n  # the sample is mostly informative
    assert report.n_no_information_nan > 0  # ... and reaches the no-information wings


def test_kernel_and_python_twin_agree_on_random_options(rng: np.random.Generator) -> None:
    options = random_options(rng, 300)
    price, _ = reference_bs_price(options)
    args = (price, *options[:3], *options[4:])
    outs = []
    for kernel in (implied_vol_kernel, implied_vol_kernel_python):
        vol = np.empty(300)
        reason = np.empty(300, dtype=np.int8)
        kernel(*args, False, vol, reason)
        outs.append((vol, reason))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])


@settings(max_examples=200, deadline=None)
@given(spots, moneyness, times, vols, rates, yields, st.booleans())
def test_price_to_vol_to_price_round_trip(
    spot: float, m: float, t: float, vol: float, rate: float, q: float, is_call: bool
) -> None:
    strike = spot * m
    price = bs_price(spot, strike, t, vol, rate, q, is_call)
    vol_hat, reason = implied_vol_with_reason(price, spot, strike, t, rate, q, is_call)
    if reason == IVReason.OK:
        again = bs_price(spot, strike, t, vol_hat, rate, q, is_call)
        assert again == pytest.approx(price, rel=1e-12, abs=1e-12 * spot)
    else:  # only when the price sits on a bound within its rounding
        assert reason == IVReason.NO_VOL_INFORMATION
        assert math.isnan(vol_hat)


@settings(max_examples=200, deadline=None)
@given(spots, moneyness, times, rates, yields, st.booleans(), st.floats(1e-6, 0.9))
def test_price_below_intrinsic_is_nan_with_reason(
    spot: float, m: float, t: float, rate: float, q: float, is_call: bool, short: float
) -> None:
    strike = spot * m
    sq, kr = spot * math.exp(-q * t), strike * math.exp(-rate * t)
    intrinsic = max(sq - kr, 0.0) if is_call else max(kr - sq, 0.0)
    price = intrinsic * (1.0 - short) if intrinsic > 0 else -short
    vol, reason = implied_vol_with_reason(price, spot, strike, t, rate, q, is_call)
    assert math.isnan(vol)
    assert reason == IVReason.BELOW_INTRINSIC


@settings(max_examples=200, deadline=None)
@given(spots, moneyness, times, rates, yields, st.booleans(), st.floats(1e-6, 10.0))
def test_price_above_its_maximum_is_nan_with_reason(
    spot: float, m: float, t: float, rate: float, q: float, is_call: bool, excess: float
) -> None:
    strike = spot * m
    maximum = spot * math.exp(-q * t) if is_call else strike * math.exp(-rate * t)
    vol, reason = implied_vol_with_reason(
        maximum * (1.0 + excess), spot, strike, t, rate, q, is_call
    )
    assert math.isnan(vol)
    assert reason == IVReason.ABOVE_MAX


def test_price_on_a_bound_carries_no_vol_information() -> None:
    spot, strike, t, r, q = 100.0, 80.0, 0.5, 0.03, 0.01
    sq, kr = spot * math.exp(-q * t), strike * math.exp(-r * t)
    cases = [
        (sq - kr, True),  # call exactly at intrinsic
        (0.0, False),  # out-of-the-money put priced at zero
        (sq, True),  # call at its maximum (infinite vol)
        (5e-320, False),  # subnormal price
    ]
    for price, is_call in cases:
        vol, reason = implied_vol_with_reason(price, spot, strike, t, r, q, is_call)
        assert math.isnan(vol)
        assert reason == IVReason.NO_VOL_INFORMATION, (price, is_call)


def test_invalid_inputs_give_invalid_input_not_an_exception() -> None:
    price = np.array([math.nan, 5.0, 5.0, 5.0, 5.0, math.inf])
    spot = np.array([100.0, 100.0, -1.0, 100.0, 100.0, 100.0])
    strike = np.array([100.0, 100.0, 100.0, 0.0, 100.0, 100.0])
    t = np.array([1.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    rate = np.array([0.0, 0.0, 0.0, 0.0, math.nan, 0.0])
    vol, reason = implied_vol_with_reason(price, spot, strike, t, rate, 0.0, True)
    assert np.isnan(vol).all()
    assert (np.asarray(reason) == IVReason.INVALID_INPUT).all()


def test_deep_in_the_money_put_is_inverted_through_its_out_of_the_money_call() -> None:
    spot, strike, t, r, q = 100.0, 160.0, 0.25, 0.02, 0.0
    price = bs_price(spot, strike, t, 0.45, r, q, False)
    assert implied_vol(price, spot, strike, t, r, q, False) == pytest.approx(0.45, abs=1e-9)


def test_minutes_to_expiry_near_the_money() -> None:
    t = 10.0 / (365.0 * 24.0 * 60.0)  # ten minutes
    strikes = np.array([99.8, 99.95, 100.0, 100.05, 100.2])
    price = bs_price(100.0, strikes, t, 0.3, 0.05, 0.0, strikes >= 100.0)
    vol = implied_vol(price, 100.0, strikes, t, 0.05, 0.0, strikes >= 100.0)
    np.testing.assert_allclose(vol, 0.3, atol=1e-10)


def test_black76_round_trip_and_reasons() -> None:
    forward = np.array([100.0, 100.0, 100.0, 100.0])
    strike = np.array([70.0, 95.0, 100.0, 130.0])
    is_call = np.array([False, True, False, True])
    price = black76_price(forward, strike, 0.75, 0.35, 0.04, is_call)
    np.testing.assert_allclose(
        black76_implied_vol(price, forward, strike, 0.75, 0.04, is_call), 0.35, atol=1e-11
    )
    vol, reason = black76_implied_vol_with_reason(200.0, 100.0, 100.0, 0.75, 0.04, True)
    assert math.isnan(vol) and reason == IVReason.ABOVE_MAX


def test_scalars_give_floats_and_arrays_broadcast() -> None:
    vol, reason = implied_vol_with_reason(10.0, 100.0, 100.0, 1.0, 0.0, 0.0, True)
    assert isinstance(vol, float) and isinstance(reason, int)
    strikes = np.array([[90.0], [110.0]])
    out = implied_vol(
        np.full((2, 3), 5.0), 100.0, strikes, np.array([0.5, 1.0, 2.0]), 0.0, 0.0, True
    )
    assert np.shape(out) == (2, 3)


def test_inputs_that_do_not_broadcast_name_their_shapes() -> None:
    with pytest.raises(ValueError, match="strike"):
        implied_vol(np.ones(3), 100.0, np.ones(4), 1.0, 0.0, 0.0, True)


def test_exact_black_prices_come_back_within_the_rounding_bound() -> None:
    # Prices from mpmath (40 digits) at the same double x = ln(S_q/K_r), s = σ√T and
    # scale sqrt(S_q·K_r) the kernel forms, rounded once: a perfect pricer.
    options = random_options(np.random.default_rng(11), 600)
    _, vega = reference_bs_price(options)
    exact = np.empty(600)
    with mp.workdps(40):
        for i in range(600):
            sq = options.spot[i] * math.exp(-options.div_yield[i] * options.t[i])
            kr = options.strike[i] * math.exp(-options.rate[i] * options.t[i])
            x = mp.mpf(math.log(sq / kr))
            s = mp.mpf(options.vol[i] * math.sqrt(options.t[i]))
            th = 1 if options.is_call[i] else -1
            b = th * (
                mp.exp(x / 2) * mp.ncdf(th * (x / s + s / 2))
                - mp.exp(-x / 2) * mp.ncdf(th * (x / s - s / 2))
            )
            exact[i] = float(mp.mpf(math.sqrt(sq) * math.sqrt(kr)) * b)
    vol, reason = implied_vol_with_reason(exact, *options[:3], *options[4:])
    report = check_accuracy(options, exact, vega, np.asarray(vol), np.asarray(reason))
    assert report.n_information > 300
    assert report.passed, report

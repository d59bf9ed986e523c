"""QuantLib set-up shared by the American-option oracle tests (ACT/365, dates match t exactly)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import QuantLib as ql

TODAY = ql.Date(15, 1, 2025)
DAY_COUNT = ql.Actual365Fixed()


def bs_process(
    spot: float, vol: float, rate: float, div_yield: float
) -> ql.BlackScholesMertonProcess:
    """Flat Black–Scholes–Merton process on ``TODAY`` with ACT/365 curves."""
    ql.Settings.instance().evaluationDate = TODAY
    return ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(spot)),
        ql.YieldTermStructureHandle(ql.FlatForward(TODAY, div_yield, DAY_COUNT)),
        ql.YieldTermStructureHandle(ql.FlatForward(TODAY, rate, DAY_COUNT)),
        ql.BlackVolTermStructureHandle(
            ql.BlackConstantVol(TODAY, ql.NullCalendar(), vol, DAY_COUNT)
        ),
    )


def american_npv(
    spot: float,
    strike: float,
    days: int,
    vol: float,
    rate: float,
    div_yield: float,
    is_call: bool,
    engine: Callable[[ql.BlackScholesMertonProcess], ql.PricingEngine],
) -> float:
    """QuantLib American option value with expiry ``days`` calendar days after ``TODAY``."""
    process = bs_process(spot, vol, rate, div_yield)
    payoff = ql.PlainVanillaPayoff(ql.Option.Call if is_call else ql.Option.Put, strike)
    exercise = ql.AmericanExercise(TODAY, TODAY + days)
    option = ql.VanillaOption(payoff, exercise)
    option.setPricingEngine(engine(process))
    return float(option.NPV())


def quantlib_skips_terminal_payoff(days: int, steps: int) -> bool:
    """Whether QuantLib's ``BinomialVanillaEngine`` drops the payoff at expiry (American).

    ``DiscretizedVanillaOption`` applies American exercise when
    ``now <= stoppingTimes_[1]``, with the last stopping time snapped to the
    tree's grid, ``dt·n`` where ``dt = T/n`` (``TimeGrid(T, n)``), while the
    roll-back starts at ``now = T`` exactly.  When ``fl(fl(T/n)·n) < T`` the test
    fails at expiry: the values start at 0 there and exercise is first allowed one
    step (dt) before expiry.  QuantLib 1.44, ``binomialengine.hpp`` and
    ``discretizedvanillaoption.cpp``.
    """
    t = days / 365.0
    return (t / steps) * steps < t


def leisen_reimer_as_quantlib(
    spot: float,
    strike: float,
    days: int,
    vol: float,
    rate: float,
    div_yield: float,
    is_call: bool,
    steps: int,
) -> float:
    """American Leisen–Reimer value exactly as QuantLib's engine computes it (odd ``steps``).

    The textbook LR tree (Peizer–Pratt method 2, as ``mmdesk.pricing.american.tree``),
    except that, where :func:`quantlib_skips_terminal_payoff`, the payoff at expiry
    is missing (values 0 there, exercise from the step before).  An oracle for
    tests only: it explains QuantLib's American numbers, it is not a model.
    """
    from mmdesk.pricing.american.tree import peizer_pratt_inversion

    t = days / 365.0
    omega = 1.0 if is_call else -1.0
    dt = t / steps
    drift = (rate - div_yield - 0.5 * vol * vol) * dt
    variance = vol * vol * t
    growth = math.exp(drift + 0.5 * variance / steps)
    d2 = (math.log(spot / strike) + drift * steps) / math.sqrt(variance)
    pu = peizer_pratt_inversion(d2, steps)
    up = growth * peizer_pratt_inversion(d2 + math.sqrt(variance), steps) / pu
    down = (growth - pu * up) / (1.0 - pu)
    discount = math.exp(-rate * dt)
    j = np.arange(steps + 1)
    values = np.maximum(omega * (spot * down ** (steps - j) * up**j - strike), 0.0)
    if quantlib_skips_terminal_payoff(days, steps):
        values[:] = 0.0
    for i in range(steps - 1, -1, -1):
        j = np.arange(i + 1)
        continuation = discount * ((1.0 - pu) * values[: i + 1] + pu * values[1 : i + 2])
        values = np.maximum(continuation, omega * (spot * down ** (i - j) * up**j - strike))
    return float(values[0])

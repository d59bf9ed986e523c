"""QuantLib set-up shared by the American-option oracle tests (ACT/365, dates match t exactly)."""

from __future__ import annotations

from collections.abc import Callable

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

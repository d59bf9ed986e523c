"""QuantLib's AnalyticEuropeanEngine as an oracle, with exact ACT/365 times.

QuantLib takes dates, not year fractions: we give it an expiry ``days`` after a
fixed evaluation date with ``Actual365Fixed`` flat curves and vol, so its time is
``days / 365.0`` — bit-for-bit the ``t`` we pass to mmdesk.
"""

from __future__ import annotations

import numpy as np
import QuantLib as ql

QL_FIELDS = ("price", "delta", "gamma", "vega", "theta", "rho")


def quantlib_european_greeks(
    spot: np.ndarray,
    strike: np.ndarray,
    days: np.ndarray,
    vol: np.ndarray,
    rate: np.ndarray,
    div_yield: np.ndarray,
    is_call: np.ndarray,
) -> dict[str, np.ndarray]:
    """NPV, delta, gamma, vega, theta (per year), rho of each option from QuantLib."""
    today = ql.Date(2, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    spot_q, rate_q, div_q, vol_q = (ql.SimpleQuote(x) for x in (1.0, 0.0, 0.0, 0.2))
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(spot_q),
        ql.YieldTermStructureHandle(ql.FlatForward(today, ql.QuoteHandle(div_q), dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, ql.QuoteHandle(rate_q), dc)),
        ql.BlackVolTermStructureHandle(
            ql.BlackConstantVol(today, ql.NullCalendar(), ql.QuoteHandle(vol_q), dc)
        ),
    )
    engine = ql.AnalyticEuropeanEngine(process)
    out = np.empty((len(QL_FIELDS), len(spot)))
    for i in range(len(spot)):
        spot_q.setValue(float(spot[i]))
        rate_q.setValue(float(rate[i]))
        div_q.setValue(float(div_yield[i]))
        vol_q.setValue(float(vol[i]))
        kind = ql.Option.Call if is_call[i] else ql.Option.Put
        option = ql.EuropeanOption(
            ql.PlainVanillaPayoff(kind, float(strike[i])),
            ql.EuropeanExercise(today + int(days[i])),
        )
        option.setPricingEngine(engine)
        out[:, i] = (
            option.NPV(),
            option.delta(),
            option.gamma(),
            option.vega(),
            option.theta(),
            option.rho(),
        )
    return dict(zip(QL_FIELDS, out, strict=True))


def random_european_grid(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """Random European options: spot 1–1000, strikes from deep in to deep out of the money,
    1 day to 5 years (whole days, ACT/365), vol 2%–300%, rates −2%–15%, yields −2%–10%.

    Returns ``(spot, strike, days, vol, rate, div_yield, is_call)``.
    """
    spot = rng.uniform(1.0, 1000.0, n)
    strike = spot * np.exp(rng.normal(0.0, 0.4, n))
    days = rng.integers(1, 5 * 365 + 1, n)
    vol = rng.uniform(0.02, 3.0, n)
    rate = rng.uniform(-0.02, 0.15, n)
    div_yield = rng.uniform(-0.02, 0.10, n)
    is_call = rng.random(n) < 0.5
    return spot, strike, days, vol, rate, div_yield, is_call

"""High-precision (mpmath) Black–Scholes–Merton price and greeks: the oracle behind the oracles.

Used to decide, where mmdesk and QuantLib disagree beyond 1e-12, which of the two
is right: the inputs are taken as the exact binary doubles both libraries saw.
"""

from __future__ import annotations

from typing import Any

import mpmath as mp
import numpy as np

FIELDS = ("price", "delta", "gamma", "vega", "theta", "rho", "vanna", "volga", "charm")


def bs_greeks_mp(
    spot: float,
    strike: float,
    t: float,
    vol: float,
    rate: float,
    div_yield: float,
    is_call: bool,
    dps: int = 50,
) -> dict[str, float]:
    """Closed-form BSM price and greeks at ``dps`` decimal digits, rounded to float."""
    with mp.workdps(dps):
        s, k, tt, v, r, q = (mp.mpf(float(x)) for x in (spot, strike, t, vol, rate, div_yield))
        w = 1 if is_call else -1
        dq, dr = mp.exp(-q * tt), mp.exp(-r * tt)
        sqt = mp.sqrt(tt)
        sd = v * sqt
        d1 = (mp.log(s / k) + (r - q) * tt) / sd + sd / 2
        d2 = d1 - sd
        n1, n2 = mp.ncdf(w * d1), mp.ncdf(w * d2)
        pdf = mp.npdf(d1)
        delta = w * dq * n1
        vega = s * dq * pdf * sqt
        theta = sum(_theta_terms(s, k, tt, v, r, q, w))
        out = {
            "price": w * (s * dq * n1 - k * dr * n2),
            "delta": delta,
            "gamma": dq * pdf / (s * sd),
            "vega": vega,
            "theta": theta,
            "rho": w * tt * k * dr * n2,
            "vanna": -dq * pdf * d2 / v,
            "volga": vega * d1 * d2 / v,
            "charm": q * delta - dq * pdf * (2 * (r - q) * tt - d2 * sd) / (2 * tt * sd),
        }
        return {name: float(value) for name, value in out.items()}


def bs_greeks_mp_arrays(*args: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`bs_greeks_mp` over equal-length arrays (a slow loop: keep it small)."""
    rows = [bs_greeks_mp(*(a[i] for a in args)) for i in range(len(args[0]))]
    return {name: np.array([row[name] for row in rows]) for name in FIELDS}


#: Rounding resolution of a double-precision theta, in machine epsilons of the sum of
#: its terms' magnitudes (see :func:`theta_rounding_bound`).
THETA_TERM_EPS = 8.0


def theta_terms_mp(
    spot: float,
    strike: float,
    t: float,
    vol: float,
    rate: float,
    div_yield: float,
    is_call: bool,
) -> tuple[float, float, float]:
    """Theta's three closed-form terms (A, B, C) at 50 digits, rounded to float.

    theta = A + B + C with A = −S e^{−qT} φ(d1) σ/(2√T), B = w q S e^{−qT} N(w d1)
    and C = −w r K e^{−rT} N(w d2) (w = +1 for calls, −1 for puts).
    """
    with mp.workdps(50):
        s, k, tt, v, r, q = (mp.mpf(float(x)) for x in (spot, strike, t, vol, rate, div_yield))
        a, b, c = _theta_terms(s, k, tt, v, r, q, 1 if is_call else -1)
        return float(a), float(b), float(c)


def _theta_terms(s: Any, k: Any, tt: Any, v: Any, r: Any, q: Any, w: int) -> tuple[Any, Any, Any]:
    """Theta's terms A, B, C as mpf at the working precision (see :func:`theta_terms_mp`)."""
    sd = v * mp.sqrt(tt)
    d1 = (mp.log(s / k) + (r - q) * tt) / sd + sd / 2
    sq = s * mp.exp(-q * tt)
    a = -sq * mp.npdf(d1) * v / (2 * mp.sqrt(tt))
    b = w * q * sq * mp.ncdf(w * d1)
    c = -w * r * k * mp.exp(-r * tt) * mp.ncdf(w * (d1 - sd))
    return a, b, c


def theta_rounding_bound(
    spot: float,
    strike: float,
    t: float,
    vol: float,
    rate: float,
    div_yield: float,
    is_call: bool,
) -> float:
    """What a double-precision closed-form theta can be held to: 8 ε (|A| + |B| + |C|).

    Near a sign change of theta its terms (:func:`theta_terms_mp`) cancel: terms
    of size ~100 add up to ~0.01, and the rounding unit of the terms alone
    (ulp(128) = 2.8e-14) exceeds the 1e-14 absolute tolerance.  Each term is a
    product of about five factors (exact inputs, exp, φ or N, each good to ~1
    ulp) with four roundings, so a double-precision evaluation carries up to
    ~8 ε relative error per term, i.e. up to ~8 ε (|A| + |B| + |C|) absolute
    error in theta (the forward error bound of a backward-stable evaluation);
    doing better needs extended-precision exp, log and N.
    """
    terms = theta_terms_mp(spot, strike, t, vol, rate, div_yield, is_call)
    eps = float(np.finfo(np.float64).eps)
    return THETA_TERM_EPS * eps * sum(abs(x) for x in terms)

"""Barone-Adesi & Whaley (1987) quadratic approximation for American options.

Source: G. Barone-Adesi and R. E. Whaley, "Efficient Analytic Approximation of
American Option Values", Journal of Finance 42(2), 1987, 301-320.

This is a line-by-line port of QuantLib's ``BaroneAdesiWhaleyApproximationEngine``
(``ql/pricingengines/vanilla/baroneadesiwhaleyengine.cpp``) so that prices agree
with it to rounding: the same seed value for the critical price, the same
Newton–Raphson iteration on the critical price with QuantLib's stopping rule
``|LHS - RHS| / K <= 1e-6``, the same ``K = -2 ln(D_r) / (v (1 - D_r))``
(``2 / v`` when ``D_r`` is within 1000 ulp of 1), and the European (Black)
value when a call has no dividend yield (``D_q >= 1``).  As in QuantLib the
approximation is not applicable with a negative rate (``D_r > 1``) where early
exercise matters: NaN.  Unlike QuantLib, a put with ``r <= 0`` and ``r <= q``
gets its European value (no early exercise pays; QuantLib throws for ``r < 0``,
and at ``r == 0`` its critical price collapses into rounding noise around 0),
and a call with ``r < q <= 0`` (two exercise boundaries) gets NaN where
QuantLib returns the European value, which can lie below intrinsic.
"""

from __future__ import annotations

import math

import numba

from mmdesk.pricing.normal import norm_cdf, norm_pdf

#: QuantLib's tolerance on the critical-price equation, relative to the strike.
QL_CRITICAL_PRICE_TOLERANCE = 1e-6
_QL_EPSILON = 2.220446049250313e-16


def _close_python(x: float, y: float, n: int) -> bool:
    """QuantLib's ``close(x, y, n)``: equal to within ``n`` ulp (relative to both)."""
    if x == y:
        return True
    diff = abs(x - y)
    tol = n * _QL_EPSILON
    if x * y == 0.0:
        return diff < tol * tol
    return diff <= tol * abs(x) and diff <= tol * abs(y)


_close = numba.njit(cache=True, error_model="numpy")(_close_python)


def black_undiscounted_python(
    is_call: bool, strike: float, forward: float, std_dev: float
) -> float:
    """Undiscounted Black value, as QuantLib's ``blackFormula`` with unit discount.

    Parameters
    ----------
    is_call : bool
        Call (True) or put.
    strike, forward : float
        Strike and forward (currency).
    std_dev : float
        Total standard deviation ``vol * sqrt(t)``.

    Returns
    -------
    float
        Forward value of the option (currency, undiscounted).
    """
    omega = 1.0 if is_call else -1.0
    if std_dev == 0.0:
        return max((forward - strike) * omega, 0.0)
    d1 = math.log(forward / strike) / std_dev + 0.5 * std_dev
    d2 = d1 - std_dev
    return max(omega * (forward * norm_cdf(omega * d1) - strike * norm_cdf(omega * d2)), 0.0)


black_undiscounted = numba.njit(cache=True, error_model="numpy")(black_undiscounted_python)


def baw_critical_price_python(
    is_call: bool, strike: float, d_r: float, d_q: float, variance: float, tolerance: float
) -> float:
    """Critical spot price S* of the BAW approximation (QuantLib's ``criticalPrice``).

    Parameters
    ----------
    is_call : bool
        Call (True) or put.
    strike : float
        Strike (currency).
    d_r, d_q : float
        Discount factors exp(-r t) and exp(-q t) to expiry.
    variance : float
        Total Black variance ``vol**2 * t``.
    tolerance : float
        Stopping rule ``|LHS - RHS| / strike <= tolerance`` (QuantLib: 1e-6).

    Returns
    -------
    float
        S* (currency): exercise is optimal at or beyond it.  NaN when the
        Newton iteration leaves the positive half-line (QuantLib throws
        "forward must be positive" there) or does not converge in 1000 steps.
    """
    sqrt_v = math.sqrt(variance)
    n = 2.0 * math.log(d_q / d_r) / variance
    m = -2.0 * math.log(d_r) / variance
    b_t = math.log(d_q / d_r)
    if is_call:
        qu = (-(n - 1.0) + math.sqrt((n - 1.0) * (n - 1.0) + 4.0 * m)) / 2.0
        su = strike / (1.0 - 1.0 / qu)
        h = -(b_t + 2.0 * sqrt_v) * strike / (su - strike)
        si = strike + (su - strike) * (1.0 - math.exp(h))
    else:
        qu = (-(n - 1.0) - math.sqrt((n - 1.0) * (n - 1.0) + 4.0 * m)) / 2.0
        su = strike / (1.0 - 1.0 / qu)
        h = (b_t - 2.0 * sqrt_v) * strike / (strike - su)
        si = su + (strike - su) * math.exp(h)

    if not _close(d_r, 1.0, 1000):
        kk = -2.0 * math.log(d_r) / (variance * (1.0 - d_r))
    else:
        kk = 2.0 / variance
    forward_si = si * d_q / d_r
    d1 = (math.log(forward_si / strike) + 0.5 * variance) / sqrt_v
    temp = black_undiscounted(is_call, strike, forward_si, sqrt_v) * d_r
    if is_call:
        q = (-(n - 1.0) + math.sqrt((n - 1.0) * (n - 1.0) + 4 * kk)) / 2
        lhs = si - strike
        rhs = temp + (1 - d_q * norm_cdf(d1)) * si / q
        bi = d_q * norm_cdf(d1) * (1 - 1 / q) + (1 - d_q * norm_pdf(d1) / sqrt_v) / q
        for _ in range(1000):
            if abs(lhs - rhs) / strike <= tolerance:
                break
            si = (strike + rhs - bi * si) / (1 - bi)
            if not si > 0.0:  # diverged (QuantLib throws here)
                return math.nan
            forward_si = si * d_q / d_r
            d1 = (math.log(forward_si / strike) + 0.5 * variance) / sqrt_v
            lhs = si - strike
            temp2 = black_undiscounted(is_call, strike, forward_si, sqrt_v) * d_r
            rhs = temp2 + (1 - d_q * norm_cdf(d1)) * si / q
            bi = d_q * norm_cdf(d1) * (1 - 1 / q) + (1 - d_q * norm_pdf(d1) / sqrt_v) / q
    else:
        q = (-(n - 1.0) - math.sqrt((n - 1.0) * (n - 1.0) + 4 * kk)) / 2
        lhs = strike - si
        rhs = temp - (1 - d_q * norm_cdf(-d1)) * si / q
        bi = -d_q * norm_cdf(-d1) * (1 - 1 / q) - (1 + d_q * norm_pdf(-d1) / sqrt_v) / q
        for _ in range(1000):
            if abs(lhs - rhs) / strike <= tolerance:
                break
            si = (strike - rhs + bi * si) / (1 + bi)
            if not si > 0.0:  # diverged (QuantLib throws here)
                return math.nan
            forward_si = si * d_q / d_r
            d1 = (math.log(forward_si / strike) + 0.5 * variance) / sqrt_v
            lhs = strike - si
            temp2 = black_undiscounted(is_call, strike, forward_si, sqrt_v) * d_r
            rhs = temp2 - (1 - d_q * norm_cdf(-d1)) * si / q
            bi = -d_q * norm_cdf(-d1) * (1 - 1 / q) - (1 + d_q * norm_pdf(-d1) / sqrt_v) / q
    if not abs(lhs - rhs) / strike <= tolerance:
        return math.nan
    return si


baw_critical_price = numba.njit(cache=True, error_model="numpy")(baw_critical_price_python)


def baw_price_one_python(
    spot: float,
    strike: float,
    t: float,
    vol: float,
    rate: float,
    div_yield: float,
    is_call: bool,
    tolerance: float,
) -> float:
    """BAW value of one American option (currency); NaN where not applicable.

    ``spot, strike`` in currency, ``t`` in years, ``vol`` annualised, ``rate`` and
    ``div_yield`` continuously compounded per year; ``tolerance`` is the
    critical-price stopping rule relative to strike (QuantLib: 1e-6).
    """
    omega = 1.0 if is_call else -1.0
    if t == 0.0:
        return max(omega * (spot - strike), 0.0)
    variance = vol * vol * t
    d_q = math.exp(-div_yield * t)
    d_r = math.exp(-rate * t)
    forward = spot * d_q / d_r
    european = black_undiscounted(is_call, strike, forward, math.sqrt(variance)) * d_r
    if is_call and d_q >= 1.0:
        if d_r > d_q:
            # r < q <= 0: a double exercise boundary, outside BAW (QuantLib returns
            # the European value here, which can be below intrinsic).
            return math.nan
        return european
    if not is_call and d_r >= 1.0 and d_r >= d_q:
        # r <= 0 and r <= q: early exercise of a put never pays.  (QuantLib refuses
        # r < 0, and at r == 0 its critical price collapses into noise around 0.)
        return european
    if d_r > 1.0:
        return math.nan
    sk = baw_critical_price(is_call, strike, d_r, d_q, variance, tolerance)
    if math.isnan(sk):
        return math.nan
    forward_sk = sk * d_q / d_r
    d1 = (math.log(forward_sk / strike) + 0.5 * variance) / math.sqrt(variance)
    n = 2.0 * math.log(d_q / d_r) / variance
    if not _close(d_r, 1.0, 1000):
        kk = -2.0 * math.log(d_r) / (variance * (1.0 - d_r))
    else:
        kk = 2.0 / variance
    if is_call:
        q = (-(n - 1.0) + math.sqrt((n - 1.0) * (n - 1.0) + 4.0 * kk)) / 2.0
        a = (sk / q) * (1.0 - d_q * norm_cdf(d1))
        if spot < sk:
            return european + a * (spot / sk) ** q
        return spot - strike
    q = (-(n - 1.0) - math.sqrt((n - 1.0) * (n - 1.0) + 4.0 * kk)) / 2.0
    a = -(sk / q) * (1.0 - d_q * norm_cdf(-d1))
    if spot > sk:
        return european + a * (spot / sk) ** q
    return strike - spot


baw_price_one = numba.njit(cache=True, error_model="numpy")(baw_price_one_python)

__all__ = [
    "QL_CRITICAL_PRICE_TOLERANCE",
    "baw_critical_price",
    "baw_price_one",
    "black_undiscounted",
]

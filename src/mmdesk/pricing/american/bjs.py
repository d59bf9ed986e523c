"""Bjerksund–Stensland approximations for American options: 1993 (flat boundary) and 2002.

Sources:

- P. Bjerksund and G. Stensland, "Closed-Form Approximation of American
  Options", Scandinavian Journal of Management 9, 1993, S87-S99: one flat
  exercise boundary I over the whole life.  QuantLib's
  ``BjerksundStenslandApproximationEngine`` implements this 1993 version (its
  header says so, up to QuantLib 1.40); :func:`bjs1993_price_one` is a port of
  it (``americanCallApproximation`` + ``calculate``) to agree to rounding,
  including its guards: European value when ``q <= 0`` for a call, European
  value when the boundary runs away (``ln(I/F)/sqrt(v) > 12.5``) or when it is
  larger, immediate exercise at or above I, and NaN for the double-boundary
  case ``r < q < 0`` where QuantLib throws.
- P. Bjerksund and G. Stensland, "Closed Form Valuation of American Options",
  NHH discussion paper, 2002 (formulas as in E. G. Haug, *The Complete Guide to
  Option Pricing Formulas*, 2nd ed., 2007, section 3.4.2): the life is split at
  ``t1 = (sqrt(5) - 1)/2 * T`` into two periods with flat boundaries I1 (before
  t1) and I2 (after), which needs the bivariate normal CDF (Genz,
  :mod:`mmdesk.pricing.american.bivariate`).  QuantLib has no engine for it;
  it is checked against Haug's published value and against the tree.

Puts use the Bjerksund–Stensland put–call transformation
``P(S, K, T, r, b, vol) = C(K, S, T, r - b, -b, vol)`` with ``b = r - q``.
Both approximations are values of a (sub-optimal) exercise strategy, so they
are lower bounds of the true American price.
"""

from __future__ import annotations

import math

import numba

from mmdesk.pricing.american.baw import black_undiscounted
from mmdesk.pricing.american.bivariate import bvn_cdf_tabled, plackett_table
from mmdesk.pricing.normal import norm_cdf

_QL_EPSILON = 2.220446049250313e-16
#: t1 / T in the 2002 two-period boundary: (sqrt(5) - 1) / 2.
GOLDEN_SPLIT = 0.5 * (math.sqrt(5.0) - 1.0)
#: The two correlations of the 2002 formula, +-sqrt(t1/T), are constants: tabulate them.
_RHO = math.sqrt(GOLDEN_SPLIT)
_SN_P, _INV_P, _W_P, _COEF_P = plackett_table(_RHO)
_SN_M, _INV_M, _W_M, _COEF_M = plackett_table(-_RHO)


def _phi_python(
    s: float, gamma: float, h: float, i: float, r_t: float, b_t: float, variance: float
) -> float:
    """Bjerksund–Stensland phi without its ``S**gamma`` factor (QuantLib's form).

    ``r_t, b_t`` are r*T and b*T; ``variance`` is vol**2 * T of the period.
    """
    lam = -r_t + gamma * b_t + 0.5 * gamma * (gamma - 1.0) * variance
    sqrt_v = math.sqrt(variance)
    d = -(math.log(s / h) + (b_t + (gamma - 0.5) * variance)) / sqrt_v
    kappa = 2.0 * b_t / variance + (2.0 * gamma - 1.0)
    return math.exp(lam) * (
        norm_cdf(d) - (i / s) ** kappa * norm_cdf(d - 2.0 * math.log(i / s) / sqrt_v)
    )


_phi = numba.njit(cache=True, error_model="numpy")(_phi_python)


def bjs1993_call_python(s: float, x: float, rf_d: float, d_d: float, variance: float) -> float:
    """BJS 1993 American call as QuantLib computes it (discount factors, total variance).

    Parameters
    ----------
    s, x : float
        Spot and strike (currency).
    rf_d, d_d : float
        Discount factors exp(-r T) and exp(-q T).
    variance : float
        vol**2 * T.

    Returns
    -------
    float
        Call value (currency); NaN for the double-boundary case r < q < 0.
    """
    if d_d > 1.0 and rf_d > d_d:
        return math.nan
    sqrt_v = math.sqrt(variance)
    fwd = s * d_d / rf_d
    european = black_undiscounted(True, x, fwd, sqrt_v) * rf_d
    if d_d >= 1.0 and d_d >= rf_d:
        value = european
    else:
        b_t = math.log(d_d / rf_d)
        r_t = math.log(1.0 / rf_d)
        beta = (0.5 - b_t / variance) + math.sqrt(
            (b_t / variance - 0.5) ** 2 + 2.0 * r_t / variance
        )
        b_inf = beta / (beta - 1.0) * x
        b0 = x if b_t == r_t else max(x, r_t / (r_t - b_t) * x)
        ht = -(b_t + 2.0 * sqrt_v) * b0 / (b_inf - b0)
        big_i = b0 + (b_inf - b0) * (1.0 - math.exp(ht))
        q = math.log(big_i / fwd) / sqrt_v
        if s >= big_i:
            value = max(0.0, s - x)
        elif q > 12.5:
            value = european
        else:
            value = (
                (big_i - x)
                * (s / big_i) ** beta
                * (1.0 - _phi(s, beta, big_i, big_i, r_t, b_t, variance))
                + s * _phi(s, 1.0, big_i, big_i, r_t, b_t, variance)
                - s * _phi(s, 1.0, x, big_i, r_t, b_t, variance)
                - x * _phi(s, 0.0, big_i, big_i, r_t, b_t, variance)
                + x * _phi(s, 0.0, x, big_i, r_t, b_t, variance)
            )
        value = max(value, european)
    if value < (s - x) * (1.0 + 10.0 * _QL_EPSILON):
        value = max(0.0, s - x)
    return value


bjs1993_call = numba.njit(cache=True, error_model="numpy")(bjs1993_call_python)


def bjs1993_price_one_python(
    spot: float, strike: float, t: float, vol: float, rate: float, div_yield: float, is_call: bool
) -> float:
    """BJS 1993 value of one American option (currency), QuantLib's engine to rounding."""
    if t == 0.0:
        return max((spot - strike) if is_call else (strike - spot), 0.0)
    variance = vol * vol * t
    d_r = math.exp(-rate * t)
    d_q = math.exp(-div_yield * t)
    if is_call:
        return bjs1993_call(spot, strike, d_r, d_q, variance)
    return bjs1993_call(strike, spot, d_q, d_r, variance)


bjs1993_price_one = numba.njit(cache=True, error_model="numpy")(bjs1993_price_one_python)


def _psi_python(
    s: float,
    t2: float,
    gamma: float,
    h: float,
    i2: float,
    i1: float,
    t1: float,
    r: float,
    b: float,
    vol: float,
) -> float:
    """Bjerksund–Stensland (2002) psi function (Haug 2007, eq. 3.4.2), rates per year."""
    v2 = vol * vol
    drift = b + (gamma - 0.5) * v2
    sq1 = vol * math.sqrt(t1)
    sq2 = vol * math.sqrt(t2)
    e1 = (math.log(s / i1) + drift * t1) / sq1
    e2 = (math.log(i2 * i2 / (s * i1)) + drift * t1) / sq1
    e3 = (math.log(s / i1) - drift * t1) / sq1
    e4 = (math.log(i2 * i2 / (s * i1)) - drift * t1) / sq1
    f1 = (math.log(s / h) + drift * t2) / sq2
    f2 = (math.log(i2 * i2 / (s * h)) + drift * t2) / sq2
    f3 = (math.log(i1 * i1 / (s * h)) + drift * t2) / sq2
    f4 = (math.log(s * i1 * i1 / (h * i2 * i2)) + drift * t2) / sq2
    # rho = sqrt(t1 / t2) = sqrt(GOLDEN_SPLIT): the bivariate CDFs use tabulated nodes.
    lam = -r + gamma * b + 0.5 * gamma * (gamma - 1.0) * v2
    kappa = 2.0 * b / v2 + (2.0 * gamma - 1.0)
    return (
        math.exp(lam * t2)
        * s**gamma
        * (
            bvn_cdf_tabled(-e1, -f1, _SN_P, _INV_P, _W_P, _COEF_P)
            - (i2 / s) ** kappa * bvn_cdf_tabled(-e2, -f2, _SN_P, _INV_P, _W_P, _COEF_P)
            - (i1 / s) ** kappa * bvn_cdf_tabled(-e3, -f3, _SN_M, _INV_M, _W_M, _COEF_M)
            + (i1 / i2) ** kappa * bvn_cdf_tabled(-e4, -f4, _SN_M, _INV_M, _W_M, _COEF_M)
        )
    )


_psi = numba.njit(cache=True, error_model="numpy")(_psi_python)


def _phi02_python(
    s: float, t: float, gamma: float, h: float, i: float, r: float, b: float, vol: float
) -> float:
    """Bjerksund–Stensland phi with its ``S**gamma`` factor, rates per year (Haug's form)."""
    return s**gamma * _phi(s, gamma, h, i, r * t, b * t, vol * vol * t)


_phi02 = numba.njit(cache=True, error_model="numpy")(_phi02_python)


def bjs2002_call_python(s: float, x: float, t: float, r: float, b: float, vol: float) -> float:
    """Bjerksund–Stensland (2002) American call with cost of carry ``b`` (= r - q).

    Parameters
    ----------
    s, x : float
        Spot and strike (currency).
    t : float
        Time to expiry (years).
    r, b : float
        Rate and cost of carry (continuously compounded, per year).
    vol : float
        Annualised vol.

    Returns
    -------
    float
        Call value (currency); NaN for the double-boundary case r < q < 0.
        With a negative rate, where the 2002 formula
        overflows (vol so low that beta = O(r/vol**2)) or
        its boundaries are not above the strike, the 1993 value.
    """
    sqrt_t = math.sqrt(t)
    fwd = s * math.exp(b * t)
    european = black_undiscounted(True, x, fwd, vol * sqrt_t) * math.exp(-r * t)
    if r < b < 0.0:
        # r < q < 0: two exercise boundaries, outside the method (QuantLib throws).
        return math.nan
    if b >= r:
        return european
    if r < 0.0:
        # Negative rate with b < r: outside the 2002 derivation; the 1993 value
        # (QuantLib's guards: NaN for the double-boundary case).
        return bjs1993_call(s, x, math.exp(-r * t), math.exp((b - r) * t), vol * vol * t)
    v2 = vol * vol
    t1 = GOLDEN_SPLIT * t
    beta = (0.5 - b / v2) + math.sqrt((b / v2 - 0.5) ** 2 + 2.0 * r / v2)
    b_inf = beta / (beta - 1.0) * x
    b0 = max(x, r / (r - b) * x)
    h1 = -(b * t1 + 2.0 * vol * math.sqrt(t1)) * x * x / ((b_inf - b0) * b0)
    h2 = -(b * t + 2.0 * vol * sqrt_t) * x * x / ((b_inf - b0) * b0)
    i1 = b0 + (b_inf - b0) * (1.0 - math.exp(h1))
    i2 = b0 + (b_inf - b0) * (1.0 - math.exp(h2))
    if not (i1 >= x and i2 >= x and i2 < math.inf):
        # The boundary heuristic breaks down (e.g. -b T > 2 vol sqrt(T) makes h > 0
        # and I = -inf): fall back to the 1993 value, which guards these cases.
        return bjs1993_call(s, x, math.exp(-r * t), math.exp((b - r) * t), vol * vol * t)
    if s >= i2:
        return s - x
    alpha1 = (i1 - x) * i1 ** (-beta)
    alpha2 = (i2 - x) * i2 ** (-beta)
    value = (
        alpha2 * s**beta
        - alpha2 * _phi02(s, t1, beta, i2, i2, r, b, vol)
        + _phi02(s, t1, 1.0, i2, i2, r, b, vol)
        - _phi02(s, t1, 1.0, i1, i2, r, b, vol)
        - x * _phi02(s, t1, 0.0, i2, i2, r, b, vol)
        + x * _phi02(s, t1, 0.0, i1, i2, r, b, vol)
        + alpha1 * _phi02(s, t1, beta, i1, i2, r, b, vol)
        - alpha1 * _psi(s, t, beta, i1, i2, i1, t1, r, b, vol)
        + _psi(s, t, 1.0, i1, i2, i1, t1, r, b, vol)
        - _psi(s, t, 1.0, x, i2, i1, t1, r, b, vol)
        - x * _psi(s, t, 0.0, i1, i2, i1, t1, r, b, vol)
        + x * _psi(s, t, 0.0, x, i2, i1, t1, r, b, vol)
    )
    if not abs(value) < math.inf:
        # Low vol makes beta = O(r/vol**2) and the psi terms overflow (inf - inf):
        # fall back to the single-boundary 1993 value (also a lower bound).
        return bjs1993_call(s, x, math.exp(-r * t), math.exp((b - r) * t), vol * vol * t)
    # European and immediate exercise are lower bounds too: keep the larger
    # (they bind only through rounding or for boundaries that run away).
    return max(value, european, s - x)


bjs2002_call = numba.njit(cache=True, error_model="numpy")(bjs2002_call_python)


def bjs2002_price_one_python(
    spot: float, strike: float, t: float, vol: float, rate: float, div_yield: float, is_call: bool
) -> float:
    """BJS 2002 value of one American option (currency); puts by put–call transformation."""
    if t == 0.0:
        return max((spot - strike) if is_call else (strike - spot), 0.0)
    b = rate - div_yield
    if is_call:
        return bjs2002_call(spot, strike, t, rate, b, vol)
    return bjs2002_call(strike, spot, t, rate - b, -b, vol)


bjs2002_price_one = numba.njit(cache=True, error_model="numpy")(bjs2002_price_one_python)

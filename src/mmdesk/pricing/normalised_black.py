"""The normalised Black function of Jäckel's "Let's Be Rational", accurate in the wings, in numba.

Source: P. Jäckel, "Let's Be Rational", Wilmott (2015) 40-53, and the reference
implementation LetsBeRational (www.jaeckel.org, Copyright © 2013-2014 Peter
Jäckel; "Permission to use, copy, modify, and distribute this software is
freely granted, provided that this notice is preserved"), read in its Python
port ``vollib/py_lets_be_rational`` (``lets_be_rational.py``). This is a port of
that code's 2014 algorithm; the upper-branch iteration follows the C++ original
(see :mod:`mmdesk.pricing.lets_be_rational`).

Normalised quantities: with forward F, strike K, x = ln(F/K), s = σ·√T and
θ = +1 for a call, -1 for a put, the undiscounted Black price is
``sqrt(F·K)·b(x, s, θ)`` with::

    b(x, s, θ) = θ·[exp(x/2)·Φ(θ·(x/s + s/2)) - exp(-x/2)·Φ(θ·(x/s - s/2))]

``b`` is evaluated in four regions (asymptotic expansion for very negative
h = x/s, a small-t expansion, Φ-differences near the money, and Cody's erfcx
elsewhere) so that the *out-of-the-money* value keeps full relative accuracy.
Its inverse lives in :mod:`mmdesk.pricing.lets_be_rational`.

All functions are numba kernels with plain-Python twins ``*_python`` (a twin
calls its siblings' kernels).
Kernels are compiled with ``error_model="numpy"`` and ``fastmath={"contract"}``
(FMA only; see :mod:`mmdesk.pricing.lets_be_rational`).
"""

from __future__ import annotations

import math

import numba

from mmdesk.pricing._broadcast import njit_inline
from mmdesk.pricing.erf_cody import erfcx_cody, norm_cdf_lbr

DBL_EPSILON = 2.220446049250313e-16
DBL_MIN = 2.2250738585072014e-308
DBL_MAX = 1.7976931348623157e308
SQRT_DBL_MIN = math.sqrt(DBL_MIN)
SQRT_DBL_MAX = math.sqrt(DBL_MAX)
FOURTH_ROOT_DBL_EPSILON = DBL_EPSILON**0.25
SIXTEENTH_ROOT_DBL_EPSILON = DBL_EPSILON**0.0625

ONE_OVER_SQRT_TWO = 0.7071067811865475244008443621048490392848359376887
ONE_OVER_SQRT_TWO_PI = 0.3989422804014326779399460599343818684758586311649
SQRT_TWO_PI = 2.506628274631000502415765284811045253006986740610
TWO_PI = 6.283185307179586476925286766559005768394338798750
SQRT_PI_OVER_TWO = 1.253314137315500251207882642405522626503493370305
SQRT_THREE = 1.732050807568877293527446341505872366942805253810
SQRT_ONE_OVER_THREE = 0.577350269189625764509148780501957455647601751270
TWO_PI_OVER_SQRT_TWENTY_SEVEN = 1.209199576156145233729385505094770488189377498728
PI_OVER_SIX = 0.523598775598298873077107230546583814032861566563

_ETA = -10.0  # asymptotic expansion threshold for h = x/s
_TAU = 2.0 * SIXTEENTH_ROOT_DBL_EPSILON  # small-t expansion threshold


def normalised_intrinsic_python(x: float, theta: float) -> float:
    """Normalised intrinsic value max(θ·(exp(x/2) - exp(-x/2)), 0), relatively accurate.

    Computed as ``expm1(|x|/2) - expm1(-|x|/2)``: two terms of the same sign, so
    no cancellation for small |x| (Jäckel uses a Taylor series there and
    ``exp(x/2) - exp(-x/2)`` elsewhere, which loses a few ulps for |x| ~ 0.1-0.5).

    Parameters
    ----------
    x : float
        Log-moneyness ln(F/K).
    theta : float
        +1 for a call, -1 for a put.

    Returns
    -------
    float
        The intrinsic value divided by sqrt(F·K).
    """
    if theta * x <= 0.0:
        return 0.0
    a = 0.5 * abs(x)
    return math.expm1(a) - math.expm1(-a)


normalised_intrinsic = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    normalised_intrinsic_python
)


def _asymptotic_expansion_python(h: float, t: float, gauss: float) -> float:
    # b = φ-weighted [Y(h+t) - Y(h-t)], Y = Φ/φ, expanded (A&S 26.2.12) to 17th order
    # in q = (h/r)², r = (h+t)(h-t), e = (t/h)²; valid for h < η = -10.
    e = (t / h) * (t / h)
    r = (h + t) * (h - t)
    q = (h / r) * (h / r)
    # fmt: off
    asymptotic_expansion_sum = (2.0+q*(-6.0E0-2.0*e+3.0*q*(1.0E1+e*(2.0E1+2.0*e)+5.0*q*(-1.4E1+e*(-7.0E1+e*(-4.2E1-2.0*e))+7.0*q*(1.8E1+e*(1.68E2+e*(2.52E2+e*(7.2E1+2.0*e)))+9.0*q*(-2.2E1+e*(-3.3E2+e*(-9.24E2+e*(-6.6E2+e*(-1.1E2-2.0*e))))+1.1E1*q*(2.6E1+e*(5.72E2+e*(2.574E3+e*(3.432E3+e*(1.43E3+e*(1.56E2+2.0*e)))))+1.3E1*q*(-3.0E1+e*(-9.1E2+e*(-6.006E3+e*(-1.287E4+e*(-1.001E4+e*(-2.73E3+e*(-2.1E2-2.0*e))))))+1.5E1*q*(3.4E1+e*(1.36E3+e*(1.2376E4+e*(3.8896E4+e*(4.862E4+e*(2.4752E4+e*(4.76E3+e*(2.72E2+2.0*e)))))))+1.7E1*q*(-3.8E1+e*(-1.938E3+e*(-2.3256E4+e*(-1.00776E5+e*(-1.84756E5+e*(-1.51164E5+e*(-5.4264E4+e*(-7.752E3+e*(-3.42E2-2.0*e))))))))+1.9E1*q*(4.2E1+e*(2.66E3+e*(4.0698E4+e*(2.3256E5+e*(5.8786E5+e*(7.05432E5+e*(4.0698E5+e*(1.08528E5+e*(1.197E4+e*(4.2E2+2.0*e)))))))))+2.1E1*q*(-4.6E1+e*(-3.542E3+e*(-6.7298E4+e*(-4.90314E5+e*(-1.63438E6+e*(-2.704156E6+e*(-2.288132E6+e*(-9.80628E5+e*(-2.01894E5+e*(-1.771E4+e*(-5.06E2-2.0*e))))))))))+2.3E1*q*(5.0E1+e*(4.6E3+e*(1.0626E5+e*(9.614E5+e*(4.08595E6+e*(8.9148E6+e*(1.04006E7+e*(6.53752E6+e*(2.16315E6+e*(3.542E5+e*(2.53E4+e*(6.0E2+2.0*e)))))))))))+2.5E1*q*(-5.4E1+e*(-5.85E3+e*(-1.6146E5+e*(-1.77606E6+e*(-9.37365E6+e*(-2.607579E7+e*(-4.01166E7+e*(-3.476772E7+e*(-1.687257E7+e*(-4.44015E6+e*(-5.9202E5+e*(-3.51E4+e*(-7.02E2-2.0*e))))))))))))+2.7E1*q*(5.8E1+e*(7.308E3+e*(2.3751E5+e*(3.12156E6+e*(2.003001E7+e*(6.919458E7+e*(1.3572783E8+e*(1.5511752E8+e*(1.0379187E8+e*(4.006002E7+e*(8.58429E6+e*(9.5004E5+e*(4.7502E4+e*(8.12E2+2.0*e)))))))))))))+2.9E1*q*(-6.2E1+e*(-8.99E3+e*(-3.39822E5+e*(-5.25915E6+e*(-4.032015E7+e*(-1.6934463E8+e*(-4.1250615E8+e*(-6.0108039E8+e*(-5.3036505E8+e*(-2.8224105E8+e*(-8.870433E7+e*(-1.577745E7+e*(-1.472562E6+e*(-6.293E4+e*(-9.3E2-2.0*e))))))))))))))+3.1E1*q*(6.6E1+e*(1.0912E4+e*(4.74672E5+e*(8.544096E6+e*(7.71342E7+e*(3.8707344E8+e*(1.14633288E9+e*(2.07431664E9+e*(2.33360622E9+e*(1.6376184E9+e*(7.0963464E8+e*(1.8512208E8+e*(2.7768312E7+e*(2.215136E6+e*(8.184E4+e*(1.056E3+2.0*e)))))))))))))))+3.3E1*(-7.0E1+e*(-1.309E4+e*(-6.49264E5+e*(-1.344904E7+e*(-1.4121492E8+e*(-8.344518E8+e*(-2.9526756E9+e*(-6.49588632E9+e*(-9.0751353E9+e*(-8.1198579E9+e*(-4.6399188E9+e*(-1.6689036E9+e*(-3.67158792E8+e*(-4.707164E7+e*(-3.24632E6+e*(-1.0472E5+e*(-1.19E3-2.0*e)))))))))))))))))*q)))))))))))))))))  # noqa: E501
    # fmt: on
    b = ONE_OVER_SQRT_TWO_PI * gauss * (t / r) * asymptotic_expansion_sum
    return abs(max(b, 0.0))


def small_t_series_python(h: float, t: float, gauss: float, erfcx_of_minus_h: float) -> float:
    """Region 2 of b (t < τ) given erfcx(-h/√2): one series for the scalar and SIMD kernels."""
    # Y(h+t) - Y(h-t) expanded to 12th order in t; accurate for h <= 0 and t < τ.
    # (Divisions by the factorial constants are multiplications by their
    # reciprocals: same result to an ulp of a small correction, several times faster.)
    a = 1.0 + h * (0.5 * SQRT_TWO_PI) * erfcx_of_minus_h
    w = t * t
    h2 = h * h
    # fmt: off
    expansion = 2*t*(a+w*((-1+3*a+a*h2)*(1.0/6.0)+w*((-7+15*a+h2*(-1+10*a+a*h2))*(1.0/120.0)+w*((-57+105*a+h2*(-18+105*a+h2*(-1+21*a+a*h2)))*(1.0/5040.0)+w*((-561+945*a+h2*(-285+1260*a+h2*(-33+378*a+h2*(-1+36*a+a*h2))))*(1.0/362880.0)+w*((-6555+10395*a+h2*(-4680+17325*a+h2*(-840+6930*a+h2*(-52+990*a+h2*(-1+55*a+a*h2)))))*(1.0/39916800.0)+((-89055+135135*a+h2*(-82845+270270*a+h2*(-20370+135135*a+h2*(-1926+25740*a+h2*(-75+2145*a+h2*(-1+78*a+a*h2))))))*w)*(1.0/6227020800.0)))))))  # noqa: E501
    # fmt: on
    b = ONE_OVER_SQRT_TWO_PI * gauss * expansion
    return abs(max(b, 0.0))


small_t_series = njit_inline(small_t_series_python)


def _small_t_expansion_python(h: float, t: float, gauss: float) -> float:
    return small_t_series(h, t, gauss, erfcx_cody(-ONE_OVER_SQRT_TWO * h))


def _black_using_norm_cdf_python(x: float, s: float) -> float:
    h = x / s
    t = 0.5 * s
    b_max = math.exp(0.5 * x)
    b = norm_cdf_lbr(h + t) * b_max - norm_cdf_lbr(h - t) / b_max
    return abs(max(b, 0.0))


def _black_using_erfcx_python(h: float, t: float, gauss: float) -> float:
    # b = ½·exp(-½(h²+t²))·[erfcx(-(h+t)/√2) - erfcx(-(h-t)/√2)]: one exponential only.
    b = (
        0.5
        * gauss
        * (erfcx_cody(-ONE_OVER_SQRT_TWO * (h + t)) - erfcx_cody(-ONE_OVER_SQRT_TWO * (h - t)))
    )
    return abs(max(b, 0.0))


_asymptotic_expansion = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    _asymptotic_expansion_python
)
_small_t_expansion = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    _small_t_expansion_python
)
_black_using_norm_cdf = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    _black_using_norm_cdf_python
)
_black_using_erfcx = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    _black_using_erfcx_python
)


def normalised_black_and_vega_otm_call_python(x: float, s: float) -> tuple[float, float]:
    """Normalised Black call b(x, s) for x <= 0 and its vega ∂b/∂s, sharing one exponential.

    Parameters
    ----------
    x : float
        Log-moneyness ln(F/K) <= 0.
    s : float
        Total standard deviation σ·√T >= 0.

    Returns
    -------
    b : float
        b(x, s, +1), the undiscounted call price divided by sqrt(F·K), with full
        relative accuracy (Jäckel's four regions).
    vega : float
        ∂b/∂s = exp(-½(h² + t²))/√(2π), h = x/s, t = s/2.
    """
    if s <= 0.0:
        return 0.0, (ONE_OVER_SQRT_TWO_PI if x == 0.0 else 0.0)
    h = x / s
    t = 0.5 * s
    gauss = math.exp(-0.5 * (h * h + t * t))
    vega = ONE_OVER_SQRT_TWO_PI * gauss
    if x < s * _ETA and 0.5 * s * s + x < s * (_TAU + _ETA):
        return _asymptotic_expansion(h, t, gauss), vega  # region 1: h < η
    if t < _TAU:
        return _small_t_expansion(h, t, gauss), vega  # region 2: small t
    if x + 0.5 * s * s > s * 0.85:
        return _black_using_norm_cdf(x, s), vega  # region 3: h + t > 0.85
    return _black_using_erfcx(h, t, gauss), vega  # region 4


normalised_black_and_vega_otm_call = numba.njit(
    cache=True, error_model="numpy", fastmath={"contract"}
)(normalised_black_and_vega_otm_call_python)


def normalised_black_otm_call_python(x: float, s: float) -> float:
    """Normalised Black call b(x, s) for x <= 0 (out of the money), full relative accuracy.

    Parameters
    ----------
    x : float
        Log-moneyness ln(F/K) <= 0.
    s : float
        Total standard deviation σ·√T >= 0.

    Returns
    -------
    float
        b(x, s, +1), the undiscounted call price divided by sqrt(F·K).
    """
    return normalised_black_and_vega_otm_call(x, s)[0]


normalised_black_otm_call = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    normalised_black_otm_call_python
)


def normalised_black_python(x: float, s: float, theta: float) -> float:
    """Normalised Black price b(x, s, θ) = undiscounted price / sqrt(F·K).

    Parameters
    ----------
    x : float
        Log-moneyness ln(F/K).
    s : float
        Total standard deviation σ·√T (σ annualised, T in years).
    theta : float
        +1 for a call, -1 for a put.

    Returns
    -------
    float
        Intrinsic plus the out-of-the-money value (reciprocal-strike symmetry).
    """
    xc = x if theta > 0.0 else -x  # a put on x is a call on -x
    if xc > 0.0:
        return normalised_intrinsic(xc, 1.0) + normalised_black_otm_call(-xc, s)
    return normalised_black_otm_call(xc, s)


normalised_black = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    normalised_black_python
)


def normalised_vega_python(x: float, s: float) -> float:
    """Normalised vega ∂b/∂s = exp(-½(x²/s² + s²/4))/√(2π).

    Parameters
    ----------
    x : float
        Log-moneyness ln(F/K).
    s : float
        Total standard deviation σ·√T.

    Returns
    -------
    float
        ∂b/∂s (same for calls and puts).
    """
    ax = abs(x)
    if ax <= 0.0:
        return ONE_OVER_SQRT_TWO_PI * math.exp(-0.125 * s * s)
    if s <= 0.0 or s <= ax * SQRT_DBL_MIN:
        return 0.0
    return ONE_OVER_SQRT_TWO_PI * math.exp(-0.5 * ((x / s) * (x / s) + (0.5 * s) * (0.5 * s)))


normalised_vega = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    normalised_vega_python
)

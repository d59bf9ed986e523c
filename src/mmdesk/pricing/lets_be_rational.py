"""Jäckel's "Let's Be Rational": normalised implied volatility to machine accuracy, in numba.

Source: P. Jäckel, "Let's Be Rational", Wilmott (2015) 40-53, and the reference
implementation LetsBeRational (www.jaeckel.org, Copyright © 2013-2014 Peter
Jäckel; "Permission to use, copy, modify, and distribute this software is
freely granted, provided that this notice is preserved"), read in its Python
port ``vollib/py_lets_be_rational`` (function
``_unchecked_normalised_implied_volatility_from_a_transformed_rational_guess_with_limited_iterations``).
The upper-branch loop follows the C++ original: the Python port mis-indents its
bracket reset there.

Algorithm, for an out-of-the-money call (x = ln(F/K) <= 0; in-the-money options
and puts are mapped to it by put-call parity in normalised space, β_otm = β - ι):

1. Central point s_c = sqrt(2|x|) (inflexion of b in s), b_c = b(x, s_c),
   v_c = b'(x, s_c); s_l = s_c - b_c/v_c, s_h = s_c + (b_max - b_c)/v_c.
2. Four branches for the initial guess: β < b_l — rational cubic in the
   transformed "lower map" f(β) ~ Φ(-z)³, inverted via AS241; b_l <= β < b_c and
   b_c <= β <= b_h — rational cubic of s in β; β > b_h — rational cubic of the
   "upper map" Φ(-s/2).
3. Two Householder iterations of third order (convergence order four) on
   g(s) = 1/ln b(s) - 1/ln β (lowest branch), g = ln((b_max-β)/(b_max-b(s)))
   (highest branch, when β > b_max/2), g = b(s) - β otherwise; with bracketing
   and bisection as a guard against the (theoretical) loss of convergence.

All functions are numba kernels with plain-Python twins ``*_python``. Kernels
use ``error_model="numpy"``: IEEE semantics (1/0 = inf) as in the C++ original,
never a ZeroDivisionError in the middle of a chain; and ``fastmath={"contract"}``
only (fused multiply-add, ~12 % faster, no reassociation or approximations), so
twins and kernels agree to a few ulps rather than bitwise.
"""

from __future__ import annotations

import math

import numba

from mmdesk.pricing import iv_reason as _r
from mmdesk.pricing._broadcast import njit_inline
from mmdesk.pricing.erf_cody import (
    erfcx_cody,
    inverse_norm_cdf,
    inverse_norm_cdf_from_log,
    norm_cdf_lbr,
)
from mmdesk.pricing.normalised_black import (
    DBL_EPSILON,
    DBL_MAX,
    DBL_MIN,
    ONE_OVER_SQRT_TWO,
    ONE_OVER_SQRT_TWO_PI,
    PI_OVER_SIX,
    SQRT_DBL_MAX,
    SQRT_ONE_OVER_THREE,
    SQRT_PI_OVER_TWO,
    SQRT_THREE,
    TWO_PI_OVER_SQRT_TWENTY_SEVEN,
    normalised_black_and_vega_otm_call,
)
from mmdesk.pricing.rational_cubic import (
    convex_control_left,
    convex_control_right,
    rational_cubic_interpolation,
)

#: Householder iterations after the rational initial guess (Jäckel: two suffice).
IMPLIED_VOL_ITERATIONS = 2
#: A normalised price within this many ulps of intrinsic or of its maximum carries no vol.
NO_INFORMATION_ULPS = 4.0

_ONE_OVER_SQRT_54_PI = 1.0 / math.sqrt(54.0 * math.pi)  # (2π/√27)/(2π)^(3/2)
#: Below this |x| the central price b_c is evaluated in full, not in closed form.
_CLOSED_FORM_B_C = 0.05
_LOWER = 0  # objective 1/ln b(s) - 1/ln β
_MIDDLE = 1  # objective b(s) - β
_UPPER = 2  # objective ln((b_max - β)/(b_max - b(s)))


def f_lower_map_given_python(
    x: float, s: float, ratio: float, e8: float, g: float
) -> tuple[float, float, float]:
    """Lower map f(s), df/dβ, d²f/dβ² from R = Φ(-z)/φ(z), e8 = exp(s²/8), g = exp(3z²/2).

    Shared by the scalar kernel (C library exp, Cody's erfcx) and the SIMD one.
    """
    # f(s) = 2π/√27·|x|·Φ(-z)³ with z = |x|/(√3·s), and df/dβ, d²f/dβ² at s.
    # Jäckel's expressions rewritten with R = Φ(-z)/φ(z) = √(π/2)·erfcx(z/√2), so that
    # Φ(-z)·exp(2y + s²/4) = R·exp(3y/2 + s²/4)/√(2π), 2π·y·Φ²·exp(y + s²/8) = y·R²·exp(s²/8)
    # and Φ³ = R³·exp(-3y/2)/(2π)^(3/2), y = z²: two exponentials instead of five.
    ax = abs(x)
    z = SQRT_ONE_OVER_THREE * ax / s
    y = z * z
    s2 = s * s
    fpp = (
        PI_OVER_SIX
        * ONE_OVER_SQRT_TWO_PI
        * y
        / (s2 * s)
        * ratio
        * (8.0 * SQRT_THREE * s * ax + (3.0 * s2 * (s2 - 8.0) - 8.0 * x * x) * ratio)
        * (g * e8 * e8)
    )
    fp = y * ratio * ratio * e8
    f = _ONE_OVER_SQRT_54_PI * ax * (ratio * ratio * ratio) / g
    return f, fp, fpp


f_lower_map_given = njit_inline(f_lower_map_given_python)


def _f_lower_map_python(x: float, s: float) -> tuple[float, float, float]:
    z = SQRT_ONE_OVER_THREE * abs(x) / s
    ratio = SQRT_PI_OVER_TWO * erfcx_cody(ONE_OVER_SQRT_TWO * z)
    return f_lower_map_given(x, s, ratio, math.exp(0.125 * (s * s)), math.exp(1.5 * (z * z)))


def _inverse_f_lower_map_python(x: float, f: float) -> float:
    # s = |x|/(√3·|Φ⁻¹(u)|), u = (f/(2π/√27·|x|))^(1/3), via log u (no power).
    if f <= 0.0:
        return 0.0
    log_u = math.log(f / (TWO_PI_OVER_SQRT_TWENTY_SEVEN * abs(x))) * (1.0 / 3.0)
    return abs(x / (SQRT_THREE * inverse_norm_cdf_from_log(log_u)))


def _f_upper_map_python(x: float, s: float) -> tuple[float, float, float]:
    # f(s) = Φ(-s/2), and df/dβ, d²f/dβ² at s.
    f = norm_cdf_lbr(-0.5 * s)
    w = (x / s) * (x / s)
    fp = -0.5 * math.exp(0.5 * w)
    fpp = SQRT_PI_OVER_TWO * math.exp(w + 0.125 * s * s) * w / s
    return f, fp, fpp


def _householder_factor_python(newton: float, halley: float, hh3: float) -> float:
    return (1.0 + 0.5 * halley * newton) / (1.0 + newton * (halley + hh3 * newton / 6.0))


_f_lower_map = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    _f_lower_map_python
)
_inverse_f_lower_map = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    _inverse_f_lower_map_python
)
_f_upper_map = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    _f_upper_map_python
)
_householder_factor = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    _householder_factor_python
)


def _householder_iterations_python(
    beta: float,
    x: float,
    b_max: float,
    s: float,
    s_left: float,
    s_right: float,
    mode: int,
    n: int,
) -> float:
    """Householder(3) steps from s on the objective of ``mode``, bracketed by [s_left, s_right]."""
    ln_beta = math.log(beta) if mode == _LOWER else 0.0
    iterations = 0
    direction_reversal_count = 0
    ds = -DBL_MAX
    ds_previous = 0.0
    while iterations < n and abs(ds) > DBL_EPSILON * s:
        if ds * ds_previous < 0.0:
            direction_reversal_count += 1
        if iterations > 0 and (direction_reversal_count == 3 or not (s_left < s < s_right)):
            # Looping inefficiently, or the step left the bracket: bisect.
            s = 0.5 * (s_left + s_right)
            if s_right - s_left <= DBL_EPSILON * s:
                break
            direction_reversal_count = 0
            ds = 0.0
        ds_previous = ds
        b, bp = normalised_black_and_vega_otm_call(x, s)
        if b > beta and s < s_right:
            s_right = s
        elif b < beta and s > s_left:
            s_left = s
        inv_s = 1.0 / s
        h = x * inv_s
        b_halley = h * h * inv_s - 0.25 * s  # b''/b'
        b_hh3 = b_halley * b_halley - 3.0 * (h * inv_s) * (h * inv_s) - 0.25  # b'''/b'
        if mode == _LOWER:
            if b <= 0.0 or bp <= 0.0:  # underflow: bisect this step
                ds = 0.5 * (s_left + s_right) - s
            else:
                ln_b = math.log(b)
                inv_ln_b = 1.0 / ln_b
                bpob = bp / b
                newton = (ln_beta - ln_b) * ln_b / (ln_beta * bpob)
                two_term = 1.0 + 2.0 * inv_ln_b
                halley = b_halley - bpob * two_term
                hh3 = (
                    b_hh3
                    + 2.0 * bpob * bpob * (1.0 + 3.0 * inv_ln_b * (1.0 + inv_ln_b))
                    - 3.0 * b_halley * bpob * two_term
                )
                ds = newton * _householder_factor(newton, halley, hh3)
        elif mode == _UPPER:
            if b >= b_max or bp <= DBL_MIN:
                ds = 0.5 * (s_left + s_right) - s
            else:
                b_max_minus_b = b_max - b
                g = math.log((b_max - beta) / b_max_minus_b)
                gp = bp / b_max_minus_b
                newton = -g / gp
                halley = b_halley + gp
                hh3 = b_hh3 + gp * (2.0 * gp + 3.0 * b_halley)
                ds = newton * _householder_factor(newton, halley, hh3)
        else:
            newton = (beta - b) / bp
            ds = newton * _householder_factor(newton, b_halley, b_hh3)
        ds = max(-0.5 * s, ds)
        s += ds
        iterations += 1
    return s


_householder_iterations = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    _householder_iterations_python
)


def normalised_vol_otm_call_python(beta: float, x: float, b_max: float, n: int) -> float:
    """Total vol s = σ·√T of an out-of-the-money call from its normalised price (no checks).

    Parameters
    ----------
    beta : float
        Normalised price b = price / (D·sqrt(F·K)), with 0 < beta < exp(x/2).
    x : float
        Log-moneyness ln(F/K) <= 0.
    b_max : float
        exp(x/2), the price's upper bound.
    n : int
        Householder iterations after the initial guess (2 reaches machine accuracy).

    Returns
    -------
    float
        s with b(x, s) = beta.
    """
    s_c = math.sqrt(abs(2.0 * x))
    if x < -_CLOSED_FORM_B_C:
        # At s_c, h + t = 0 and h - t = -s_c: b_c = b_max/2 - Φ(-s_c)/b_max
        # = b_max·(1 - erfcx(√|x|))/2 and v_c = b_max/√(2π), cheaper than the
        # general b(x, s) and free of overflow; it cancels for small |x|, where
        # s_l = s_c - b_c/v_c ~ 1.25·|x| needs b_c to full accuracy, hence the threshold.
        b_c = 0.5 * b_max * (1.0 - erfcx_cody(math.sqrt(-x)))
        v_c = ONE_OVER_SQRT_TWO_PI * b_max
    else:
        b_c, v_c = normalised_black_and_vega_otm_call(x, s_c)
    s_left = DBL_MIN
    s_right = DBL_MAX
    if beta < b_c:
        s_l = s_c - b_c / v_c
        b_l, v_l = normalised_black_and_vega_otm_call(x, s_l)
        if beta < b_l:
            f_l, fp_l, fpp_l = _f_lower_map(x, s_l)
            r_ll = convex_control_right(0.0, b_l, 0.0, f_l, 1.0, fp_l, fpp_l, True)
            f = rational_cubic_interpolation(beta, 0.0, b_l, 0.0, f_l, 1.0, fp_l, r_ll)
            if not (f > 0.0):  # roundoff for extreme |x|: quadratic with f(0)=0, f'(0)=1
                t = beta / b_l
                f = (f_l * t + b_l * (1.0 - t)) * t
            s = _inverse_f_lower_map(x, f)
            return _householder_iterations(beta, x, b_max, s, s_left, s_l, _LOWER, n)
        r_lm = convex_control_right(b_l, b_c, s_l, s_c, 1.0 / v_l, 1.0 / v_c, 0.0, False)
        s = rational_cubic_interpolation(beta, b_l, b_c, s_l, s_c, 1.0 / v_l, 1.0 / v_c, r_lm)
        return _householder_iterations(beta, x, b_max, s, s_l, s_c, _MIDDLE, n)
    s_h = s_c + (b_max - b_c) / v_c if v_c > DBL_MIN else s_c
    b_h, v_h = normalised_black_and_vega_otm_call(x, s_h)
    if beta <= b_h:
        r_hm = convex_control_left(b_c, b_h, s_c, s_h, 1.0 / v_c, 1.0 / v_h, 0.0, False)
        s = rational_cubic_interpolation(beta, b_c, b_h, s_c, s_h, 1.0 / v_c, 1.0 / v_h, r_hm)
        return _householder_iterations(beta, x, b_max, s, s_c, s_h, _MIDDLE, n)
    f_h, fp_h, fpp_h = _f_upper_map(x, s_h)
    f = -DBL_MAX
    if -SQRT_DBL_MAX < fpp_h < SQRT_DBL_MAX:
        r_hh = convex_control_left(b_h, b_max, f_h, 0.0, fp_h, -0.5, fpp_h, True)
        f = rational_cubic_interpolation(beta, b_h, b_max, f_h, 0.0, fp_h, -0.5, r_hh)
    if f <= 0.0:  # quadratic with f(b_h), f(b_max)=0, f'(b_max)=-1/2
        h = b_max - b_h
        t = (beta - b_h) / h
        f = (f_h * (1.0 - t) + 0.5 * h * t) * (1.0 - t)
    s = -2.0 * inverse_norm_cdf(f)
    mode = _UPPER if beta > 0.5 * b_max else _MIDDLE
    return _householder_iterations(beta, x, b_max, s, s_h, s_right, mode, n)


normalised_vol_otm_call = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    normalised_vol_otm_call_python
)


def classify_normalised_price_python(
    beta: float, x: float, theta: float
) -> tuple[float, float, int]:
    """Reason code of a normalised price, and its out-of-the-money counterpart to invert.

    Parameters
    ----------
    beta : float
        Normalised (undiscounted) price: price / (D·sqrt(F·K)).
    x : float
        Log-moneyness ln(F/K).
    theta : float
        +1 for a call, -1 for a put.

    Returns
    -------
    beta_otm : float
        β of the out-of-the-money call on -|x| with the same vol (β - ι in the money).
    b_max_otm : float
        exp(-|x|/2), that call's maximum.
    reason : int
        :class:`mmdesk.pricing.iv_reason.IVReason` code; OK when (β_otm, -|x|) is to be inverted.

    Notes
    -----
    Classification, with tol = NO_INFORMATION_ULPS·ε·β (the price's own rounding;
    in the money ε·(β + e^{|x|/2}), the rounding of its larger parity term):
    β < 0 or β < ι - tol: BELOW_INTRINSIC; β > b_max + tol: ABOVE_MAX;
    β - ι <= tol, b_max - β <= tol, or an out-of-the-money value below the
    smallest normal double: NO_VOL_INFORMATION. In-the-money options
    are inverted on their out-of-the-money counterpart β - ι (put-call parity).
    """
    if not (beta == beta) or not (-DBL_MAX <= x <= DBL_MAX):
        return 0.0, 0.0, _r.INVALID_INPUT
    if beta < 0.0:
        return 0.0, 0.0, _r.BELOW_INTRINSIC
    xc = x if theta > 0.0 else -x  # a put on x is a call on -x
    ax = abs(xc)
    tol = NO_INFORMATION_ULPS * DBL_EPSILON * beta
    if xc > 0.0:
        # In the money: invert the out-of-the-money counterpart β - ι, with
        # ι = expm1(|x|/2) - expm1(-|x|/2) exactly as normalised_intrinsic, and
        # b_max - ι = exp(-|x|/2) = 1 + expm1(-|x|/2), the counterpart's maximum.
        e_minus = math.expm1(-0.5 * ax)
        b_max_otm = 1.0 + e_minus
        beta_otm = beta - (math.expm1(0.5 * ax) - e_minus)
        # An in-the-money price is a difference of parity terms of size e^{|x|/2}:
        # its rounding, and so the tolerance, scales with that term, not with β.
        tol = NO_INFORMATION_ULPS * DBL_EPSILON * (beta + 1.0 + math.expm1(0.5 * ax))
        if beta_otm < -tol:
            return 0.0, 0.0, _r.BELOW_INTRINSIC
    else:
        b_max_otm = math.exp(-0.5 * ax)  # maximum of the out-of-the-money call
        beta_otm = beta
    if beta_otm - b_max_otm > tol:
        return 0.0, 0.0, _r.ABOVE_MAX
    if beta_otm <= tol or beta_otm < DBL_MIN or b_max_otm - beta_otm <= tol:
        return 0.0, 0.0, _r.NO_VOL_INFORMATION
    return beta_otm, b_max_otm, _r.OK


classify_normalised_price = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    classify_normalised_price_python
)


def normalised_implied_vol_python(beta: float, x: float, theta: float) -> tuple[float, int]:
    """Total implied vol s = σ·√T from a normalised price, with a reason code.

    Parameters
    ----------
    beta : float
        Normalised (undiscounted) price: price / (D·sqrt(F·K)).
    x : float
        Log-moneyness ln(F/K).
    theta : float
        +1 for a call, -1 for a put.

    Returns
    -------
    s : float
        σ·√T, or NaN when the price has no vol.
    reason : int
        An :class:`mmdesk.pricing.iv_reason.IVReason` code (classification as in
        :func:`classify_normalised_price_python`).
    """
    beta_otm, b_max_otm, code = classify_normalised_price(beta, x, theta)
    if code != _r.OK:
        return math.nan, code
    s = normalised_vol_otm_call(beta_otm, -abs(x), b_max_otm, IMPLIED_VOL_ITERATIONS)
    if not (0.0 < s < DBL_MAX):
        return math.nan, _r.NO_VOL_INFORMATION
    return s, _r.OK


normalised_implied_vol = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    normalised_implied_vol_python
)

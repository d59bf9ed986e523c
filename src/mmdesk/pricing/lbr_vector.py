"""Let's Be Rational without branches: the common case of the inversion as SIMD code.

:mod:`mmdesk.pricing.lets_be_rational` inverts one option at a time through
Jäckel's branches (four regions of the normalised Black function, four initial
guesses, three objectives, bracketing).  A loop over such code runs one option
per instruction.  This module evaluates the *same* formulas for the common case
with every branch replaced by a select, in three passes over a block of options
(``central_point``, ``initial_guess``, ``householder_step`` twice), each one
loop that LLVM vectorises (8 options per AVX-512 instruction):

* b(x, s) and ∂b/∂s in Jäckel's regions 2 (small t), 3 (Φ differences) and 4
  (Cody erfcx), from two branch-free erfc/erfcx calls (``_vecerf``) and the
  scalar code's own small-t series (``normalised_black.small_t_series``);
* the central point, s_l or s_h, the lower-map and the two middle
  rational-cubic initial guesses (``rational_cubic`` and
  ``lets_be_rational.f_lower_map_given``, the scalar code's formulas);
* Householder(3) steps on the lower (1/ln b) or middle (b - β) objective, with
  the scalar code's bracket bookkeeping and early stop.

Outside the common case — region 1 (asymptotic expansion, h < -10), Φ below
-10, the upper-map guess (β > b_h), a step that leaves its bracket (the scalar
code then bisects), an argument outside ``vlog``'s range — ``ok`` is set False
and the caller inverts that option with the scalar
:func:`~mmdesk.pricing.lets_be_rational.normalised_vol_otm_call`.  Where ``ok``
the result differs from the scalar code's only through the ulp by which
``vexp``/``vlog`` differ from the C library and FMA contraction
(``tests/pricing/test_lbr_vector.py``; on the 1,000,000-option acceptance book
the reason codes are identical and the vols within 2e-14 relative).

The scalar helpers are inlined (``njit_inline``) into each pass; the
plain-Python twins ``*_python`` are the readable specification.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from mmdesk.pricing import lets_be_rational as _lbr
from mmdesk.pricing import normalised_black as _nb
from mmdesk.pricing import rational_cubic as _rc
from mmdesk.pricing._broadcast import njit_inline
from mmdesk.pricing._vecerf import (
    verfc_or_erfcx,
    verfcx_positive,
    vinverse_norm_cdf_from_log,
)
from mmdesk.pricing._vecmath import vexp, vlog
from mmdesk.pricing.normalised_black import (
    DBL_EPSILON,
    DBL_MIN,
    ONE_OVER_SQRT_TWO,
    ONE_OVER_SQRT_TWO_PI,
    SQRT_PI_OVER_TWO,
    SQRT_THREE,
    TWO_PI_OVER_SQRT_TWENTY_SEVEN,
)
from mmdesk.typing import BoolArray, Float64Array

#: ``vlog`` is exact to 2 ulp on [1e-300, 1e300] only (it clamps outside).
_LOG_MIN = 1e-300

# Inlined copies of the scalar kernels' building blocks (same Python source).
_rational_cubic = njit_inline(_rc.rational_cubic_interpolation_python)
_convex_control_left = njit_inline(_rc.convex_control_left_python)
_convex_control_right = njit_inline(_rc.convex_control_right_python)
_householder_factor = njit_inline(_lbr._householder_factor_python)


def vector_black_and_vega_otm_call_python(x: float, s: float) -> tuple[float, float, bool]:
    """b(x, s), ∂b/∂s for x <= 0 as ``normalised_black_and_vega_otm_call``, branch-free.

    Parameters
    ----------
    x : float
        Log-moneyness ln(F/K) <= 0.
    s : float
        Total standard deviation σ·√T >= 0.

    Returns
    -------
    b : float
        Normalised out-of-the-money call price.
    vega : float
        ∂b/∂s.
    ok : bool
        False where Jäckel's region 1 (or Φ below -10 in region 3) is needed.
    """
    positive = s > 0.0
    sp = s if positive else 1.0
    h = x / sp
    t = 0.5 * sp
    gauss = vexp(-0.5 * (h * h + t * t))
    asymptotic = (x < sp * _nb._ETA) & (0.5 * sp * sp + x < sp * (_nb._TAU + _nb._ETA))
    small_t = t < _nb._TAU
    cdf_region = x + 0.5 * sp * sp > sp * 0.85
    # Region 2 needs erfcx(-h/√2); region 4 erfcx(-(h±t)/√2); region 3
    # Φ(h±t) = erfc(-(h±t)/√2)/2: two calls, erfc or erfcx as the region needs.
    scaled = small_t | (not cdf_region)
    e_m = verfc_or_erfcx(-ONE_OVER_SQRT_TWO * (h if small_t else h - t), scaled)
    e_p = verfc_or_erfcx(-ONE_OVER_SQRT_TWO * (h + t), scaled)
    b_small_t = _nb.small_t_series(h, t, gauss, e_m)
    b_erfcx = 0.5 * gauss * (e_p - e_m)
    b_max = vexp(0.5 * x)
    b_cdf = (0.5 * e_p) * b_max - (0.5 * e_m) / b_max
    b = abs(max(b_erfcx if scaled else b_cdf, 0.0))
    b = b_small_t if small_t else b
    # Region 1, and Φ(h - t) below -10 (its asymptotic series) are left to the scalar code.
    ok = (not asymptotic) & (small_t | (not cdf_region) | (h - t > -10.0))
    vega_zero_s = ONE_OVER_SQRT_TWO_PI if x == 0.0 else 0.0
    return (
        b if positive else 0.0,
        ONE_OVER_SQRT_TWO_PI * gauss if positive else vega_zero_s,
        ok | (not positive),
    )


vector_black_and_vega_otm_call = njit_inline(vector_black_and_vega_otm_call_python)


def central_point_python(
    x: Float64Array, b_max: Float64Array, b_c: Float64Array, v_c: Float64Array, ok: BoolArray
) -> None:
    """LBR's central point: b and ∂b/∂s at s_c = sqrt(2|x|), into ``b_c``, ``v_c``.

    Arrays of one length: ``x`` <= 0, ``b_max`` = exp(x/2); ``ok`` is set False
    where the scalar code is needed, True elsewhere.
    """
    for j in range(x.shape[0]):
        xj = x[j]
        s_c = math.sqrt(abs(2.0 * xj))
        # Below x = -0.05 in closed form (see lets_be_rational.normalised_vol_otm_call),
        # above it t = s_c/2 < τ: region 2 (small t) of b, h = x/s_c.
        closed_form = xj < -_lbr._CLOSED_FORM_B_C
        positive = s_c > 0.0
        h = xj / (s_c if positive else 1.0)
        t = 0.5 * s_c
        e = verfcx_positive(math.sqrt(max(-xj, 0.0)) if closed_form else -ONE_OVER_SQRT_TWO * h)
        gauss = vexp(-0.5 * (h * h + t * t))
        b_small_t = _nb.small_t_series(h, t, gauss, e) if positive else 0.0
        b_c[j] = 0.5 * b_max[j] * (1.0 - e) if closed_form else b_small_t
        v_c[j] = ONE_OVER_SQRT_TWO_PI * (b_max[j] if closed_form else gauss)
        ok[j] = True


central_point = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    central_point_python
)


def initial_guess_python(
    beta: Float64Array,
    x: Float64Array,
    b_max: Float64Array,
    b_c: Float64Array,
    v_c: Float64Array,
    s: Float64Array,
    s_left: Float64Array,
    s_right: Float64Array,
    b_1: Float64Array,
    lower: BoolArray,
    ok: BoolArray,
) -> None:
    """LBR's branch and bracket, and its initial guess of s = σ√T in the middle branches.

    Inputs ``beta`` (0 < β < b_max), ``x`` <= 0, ``b_max`` and the central point
    ``b_c``, ``v_c``.  Outputs: ``lower`` (β < b_l: the lower branch, objective
    1/ln b, whose guess :func:`lower_guess` computes from s_l = ``s_right`` and
    b_l = ``b_1``); otherwise the rational-cubic guess ``s``; the bracket
    ``s_left``, ``s_right`` the scalar code iterates in; ``b_1`` = b(s_l) or
    b(s_h).  ``ok`` is and-ed with False for the upper branch and region 1.
    """
    for j in range(x.shape[0]):
        xj = x[j]
        bj = beta[j]
        bc = b_c[j]
        vc = v_c[j]
        s_c = math.sqrt(abs(2.0 * xj))
        below = bj < bc
        s_l = s_c - bc / vc
        s_h = s_c + (b_max[j] - bc) / vc if vc > DBL_MIN else s_c
        s_1 = s_l if below else s_h
        b_s1, v_1, ok_1 = vector_black_and_vega_otm_call(xj, s_1)
        is_lower = below & (bj < b_s1)
        # Middle: rational cubic of s in β on (b_l, s_l)-(b_c, s_c) or (b_c, s_c)-(b_h, s_h).
        x_l = b_s1 if below else bc
        x_r = bc if below else b_s1
        y_l = s_1 if below else s_c
        y_r = s_c if below else s_1
        d_l = 1.0 / (v_1 if below else vc)
        d_r = 1.0 / (vc if below else v_1)
        r_right = _convex_control_right(x_l, x_r, y_l, y_r, d_l, d_r, 0.0, False)
        r_left = _convex_control_left(x_l, x_r, y_l, y_r, d_l, d_r, 0.0, False)
        r_m = r_right if below else r_left
        s[j] = _rational_cubic(bj, x_l, x_r, y_l, y_r, d_l, d_r, r_m)
        s_left[j] = DBL_MIN if is_lower else y_l
        s_right[j] = s_1 if is_lower else y_r
        b_1[j] = b_s1
        lower[j] = is_lower
        ok[j] = ok[j] & ok_1 & (below | (bj <= b_s1))  # the upper branch: scalar code


initial_guess = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    initial_guess_python
)


def lower_guess_python(
    beta: Float64Array,
    x: Float64Array,
    s_l: Float64Array,
    b_l: Float64Array,
    s: Float64Array,
    ok: BoolArray,
) -> None:
    """LBR's initial guess in the lower branch (β < b_l), into ``s``.

    The rational cubic in Jäckel's lower map f between (0, 0) and (b_l, f(s_l)),
    then f inverted (as ``lets_be_rational.normalised_vol_otm_call``).  ``ok`` is
    and-ed with False outside ``vlog``'s range.  Run on the lower-branch options
    only (gathered by the caller): its special functions cost as much as the rest
    of the guess.
    """
    for j in range(x.shape[0]):
        xj = x[j]
        bj = beta[j]
        s_1 = s_l[j]
        b_1 = b_l[j]
        z = _nb.SQRT_ONE_OVER_THREE * abs(xj) / s_1
        ratio = SQRT_PI_OVER_TWO * verfcx_positive(ONE_OVER_SQRT_TWO * z)
        f_l, fp_l, fpp_l = _lbr.f_lower_map_given(
            xj, s_1, ratio, vexp(0.125 * (s_1 * s_1)), vexp(1.5 * (z * z))
        )
        r_ll = _convex_control_right(0.0, b_1, 0.0, f_l, 1.0, fp_l, fpp_l, True)
        f = _rational_cubic(bj, 0.0, b_1, 0.0, f_l, 1.0, fp_l, r_ll)
        t = bj / b_1
        f = f if f > 0.0 else (f_l * t + b_1 * (1.0 - t)) * t
        u = f / (TWO_PI_OVER_SQRT_TWENTY_SEVEN * abs(xj))
        z_u = vinverse_norm_cdf_from_log(vlog(u) * (1.0 / 3.0))
        s[j] = abs(xj / (SQRT_THREE * z_u))
        # Φ⁻¹ of u^(1/3) <= 1/2 only (the lower half, as the lower map has it).
        ok[j] = ok[j] & (u >= _LOG_MIN) & (u <= 0.125) & (bj >= _LOG_MIN)


lower_guess = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(lower_guess_python)


def invert_block_python(
    beta: Float64Array, x: Float64Array, b_max: Float64Array, s: Float64Array, ok: BoolArray
) -> None:
    """σ√T of out-of-the-money calls into ``s`` where ``ok``: all the passes on one block.

    ``beta`` (0 < β < b_max), ``x`` <= 0, ``b_max`` = exp(x/2), arrays of one
    (small: a block of a chain) length.  ``ok`` False marks the options left to
    the scalar :func:`~mmdesk.pricing.lets_be_rational.normalised_vol_otm_call`.
    """
    m = x.shape[0]
    work = np.empty((10, m))
    b_c, v_c, s_left, s_right, b_1 = work[0], work[1], work[2], work[3], work[4]
    flags = np.empty((3, m), dtype=np.bool_)
    lower, active, lower_ok = flags[0], flags[1], flags[2]
    central_point(x, b_max, b_c, v_c, ok)
    initial_guess(beta, x, b_max, b_c, v_c, s, s_left, s_right, b_1, lower, ok)
    # The lower branch's guess on its options only, gathered and scattered back.
    index = np.empty(m, dtype=np.int64)
    n_lower = 0
    for j in range(m):
        index[n_lower] = j
        n_lower += 1 if lower[j] else 0
    g_beta, g_x, g_s_l, g_b_l, g_s = work[5], work[6], work[7], work[8], work[9]
    for k in range(n_lower):
        j = index[k]
        g_beta[k] = beta[j]
        g_x[k] = x[j]
        g_s_l[k] = s_right[j]
        g_b_l[k] = b_1[j]
        lower_ok[k] = ok[j]
    lower_guess(
        g_beta[:n_lower], g_x[:n_lower], g_s_l[:n_lower], g_b_l[:n_lower], g_s[:n_lower],
        lower_ok[:n_lower],
    )  # fmt: skip
    for k in range(n_lower):
        s[index[k]] = g_s[k]
        ok[index[k]] = lower_ok[k]
    active[:] = True
    for iteration in range(_lbr.IMPLIED_VOL_ITERATIONS):
        householder_step(beta, x, s, s_left, s_right, lower, active, ok, iteration == 0)


invert_block = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    invert_block_python
)


def householder_step_python(
    beta: Float64Array,
    x: Float64Array,
    s: Float64Array,
    s_left: Float64Array,
    s_right: Float64Array,
    lower: BoolArray,
    active: BoolArray,
    ok: BoolArray,
    first: bool,
) -> None:
    """One Householder(3) step of ``lets_be_rational._householder_iterations`` on each s.

    Updates ``s`` and the bracket where ``active``; ``active`` becomes the scalar
    loop's test for another step (|ds| > ε·s).  After the ``first`` step an s
    outside its bracket (where the scalar code bisects) sets ``ok`` False, as do
    region 1/3 and, for the lower objective, b below ``vlog``'s range.
    """
    for j in range(x.shape[0]):
        xj = x[j]
        sj = s[j]
        bj = beta[j]
        go = active[j]
        sl = s_left[j]
        sr = s_right[j]
        inside = (sl < sj) & (sj < sr)
        b, bp, good = vector_black_and_vega_otm_call(xj, sj)
        s_right[j] = sj if (b > bj) & (sj < sr) & go else sr
        s_left[j] = sj if (b < bj) & (sj > sl) & go else sl
        inv_s = 1.0 / sj
        h = xj * inv_s
        b_halley = h * h * inv_s - 0.25 * sj  # b''/b'
        b_hh3 = b_halley * b_halley - 3.0 * (h * inv_s) * (h * inv_s) - 0.25  # b'''/b'
        # Lower objective 1/ln b(s) - 1/ln β.
        ln_beta = vlog(bj)
        ln_b = vlog(b)
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
        ds_lower = newton * _householder_factor(newton, halley, hh3)
        # Middle objective b(s) - β.
        newton_m = (bj - b) / bp
        ds_middle = newton_m * _householder_factor(newton_m, b_halley, b_hh3)
        is_lower = lower[j]
        good = good & ((not is_lower) | ((b >= _LOG_MIN) & (bp > 0.0)))
        good = good & (first | inside)
        ds = max(-0.5 * sj, ds_lower if is_lower else ds_middle)
        s_new = sj + ds
        s[j] = s_new if go else sj
        ok[j] = ok[j] & ((not go) | good)
        active[j] = go & (abs(ds) > DBL_EPSILON * s_new)


householder_step = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    householder_step_python
)

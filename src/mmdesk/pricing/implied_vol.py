"""Implied volatility of European options (BSM on spot, Black-76 on forward), Jäckel's LBR.

Prices are mapped to Jäckel's normalised Black price and inverted by
:func:`mmdesk.pricing.lets_be_rational.normalised_implied_vol` ("Let's Be
Rational": four rational initial guesses, two Householder steps of order
four, machine accuracy everywhere). Per option, never an exception in the
middle of a chain: a price that has no vol gives NaN and an
:class:`~mmdesk.pricing.iv_reason.IVReason` code.

Normalisation (BSM): with ``S_q = S·e^{-qT}`` and ``K_r = K·e^{-rT}`` (the same
quantities :func:`mmdesk.pricing.bs_price` uses), x = ln(S_q/K_r) and
β = price/sqrt(S_q·K_r); Black-76: x = ln(F/K), β = price/(e^{-rT}·sqrt(F·K)).
Then σ = s/√T where b(x, s) = β.

Accuracy: the returned σ reproduces the price to its rounding; against the σ
that generated a double-precision price, |σ̂ - σ| <= 4·ε·price/vega + 1e-14
(``benchmarks/implied_vol_accuracy.py`` checks 1,000,000 options).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from mmdesk.pricing import iv_reason as _r
from mmdesk.pricing._broadcast import flatten_inputs, njit_inline, njit_serial_and_parallel
from mmdesk.pricing.iv_reason import IVReason
from mmdesk.pricing.lbr_vector import invert_block
from mmdesk.pricing.lets_be_rational import (
    IMPLIED_VOL_ITERATIONS,
    classify_normalised_price_python,
    normalised_vol_otm_call,
)
from mmdesk.typing import BoolLike, Float64Array, FloatLike, Int8Array

__all__ = [
    "IVReason",
    "black76_implied_vol",
    "black76_implied_vol_with_reason",
    "implied_vol",
    "implied_vol_with_reason",
]

_INF = math.inf
_DBL_MIN = 2.2250738585072014e-308
_DBL_MAX = 1.7976931348623157e308


def normalised_inputs_python(
    p: float, u: float, k: float, tt: float, r: float, q: float, on_forward: bool
) -> tuple[float, float, int]:
    """Normalised price β and log-moneyness x of one option, or a reason it has none.

    BSM (``on_forward`` False): x = ln(S_q/K_r), β = p/sqrt(S_q·K_r); Black-76: x =
    ln(F/K), β = p/(e^{-rT}·sqrt(F·K)).  Computed with the C library's exp and log,
    bit for bit as every price they invert (``iv_accuracy.reference_bs_price``).

    Returns
    -------
    beta, x : float
        β and x, where the reason is OK.
    reason : int
        OK, INVALID_INPUT or NO_VOL_INFORMATION (subnormal price).
    """
    if not (
        p == p
        and abs(p) < _INF
        and 0.0 < u < _INF
        and 0.0 < k < _INF
        and 0.0 < tt < _INF
        and abs(r) < _INF
        and abs(q) < _INF
    ):
        return 0.0, 0.0, _r.INVALID_INPUT
    if 0.0 < p < _DBL_MIN:  # subnormal price: its relative precision is gone
        return 0.0, 0.0, _r.NO_VOL_INFORMATION
    if on_forward:
        return p / (math.exp(-r * tt) * (math.sqrt(u) * math.sqrt(k))), math.log(u / k), _r.OK
    sq = u * math.exp(-q * tt)  # S·e^{-qT}
    kr = k * math.exp(-r * tt)  # K·e^{-rT}
    return p / (math.sqrt(sq) * math.sqrt(kr)), math.log(sq / kr), _r.OK


normalised_inputs = njit_inline(normalised_inputs_python)
# Inlined into the kernel's first pass (a call per option costs as much as its arithmetic).
_classify_normalised_price = njit_inline(classify_normalised_price_python)

#: Options per block of the kernel: the three passes over a block stay in L1 cache.
BLOCK = 256


def implied_vol_kernel_python(
    price: Float64Array,
    underlying: Float64Array,
    strike: Float64Array,
    t: Float64Array,
    rate: Float64Array,
    div_yield: Float64Array,
    is_call: np.ndarray,
    on_forward: bool,
    vol_out: Float64Array,
    reason_out: Int8Array,
) -> None:
    """Implied vols of flat option arrays into ``vol_out`` and ``reason_out`` (the readable spec).

    All arrays are 1-D of one length. ``underlying`` is the spot (``on_forward``
    False, BSM with yield ``div_yield``) or the forward (``on_forward`` True,
    Black-76; ``div_yield`` is ignored). Units as in :func:`implied_vol`.

    Blocks of :data:`BLOCK` options, each in three passes: (1) normalise and
    classify (C library exp/log/expm1); (2) the common case of the inversion,
    branch-free so that LLVM vectorises it (:mod:`mmdesk.pricing.lbr_vector`);
    (3) vol = s/√T, or the scalar LBR (:mod:`mmdesk.pricing.lets_be_rational`) for
    the options pass 2 left to it.
    """
    n = price.shape[0]
    for block in numba.prange((n + BLOCK - 1) // BLOCK):
        start = block * BLOCK
        m = min(BLOCK, n - start)
        work = np.empty((3, m))  # β, x, b_max of the out-of-the-money counterparts
        beta_otm, x_otm, b_max = work[0], work[1], work[2]
        fast = np.empty(m, dtype=np.bool_)
        s = vol_out[start : start + m]
        for j in range(m):
            i = start + j
            q = 0.0 if on_forward else div_yield[i]
            beta, x, code = normalised_inputs(
                price[i], underlying[i], strike[i], t[i], rate[i], q, on_forward
            )
            if code == _r.OK:
                theta = 1.0 if is_call[i] else -1.0
                beta, bm, code = _classify_normalised_price(beta, x, theta)
            if code != _r.OK:  # harmless stand-ins for the branch-free passes
                beta, bm, x = 0.25, 1.0, 0.0
            beta_otm[j] = beta
            b_max[j] = bm
            x_otm[j] = -abs(x)
            reason_out[i] = code
        invert_block(beta_otm, x_otm, b_max, s, fast)
        for j in range(m):
            i = start + j
            if reason_out[i] != _r.OK:
                s[j] = math.nan
            elif fast[j] and 0.0 < s[j] < _DBL_MAX:
                s[j] = s[j] / math.sqrt(t[i])
            else:  # the scalar LBR: upper branch, regions 1 and 3, bisection, ...
                sj = normalised_vol_otm_call(
                    beta_otm[j], x_otm[j], b_max[j], IMPLIED_VOL_ITERATIONS
                )
                ok = 0.0 < sj < _DBL_MAX
                s[j] = sj / math.sqrt(t[i]) if ok else math.nan
                reason_out[i] = _r.OK if ok else _r.NO_VOL_INFORMATION


# Serial and parallel compiles from separate functions: numba's cache does not key
# on the parallel flag (see ``njit_serial_and_parallel``).
implied_vol_kernel, implied_vol_kernel_parallel = njit_serial_and_parallel(
    implied_vol_kernel_python, error_model="numpy", fastmath={"contract"}
)


def _run(
    price: FloatLike,
    underlying_name: str,
    underlying: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    rate: FloatLike,
    div_yield: FloatLike,
    is_call: BoolLike,
    on_forward: bool,
) -> tuple[float | Float64Array, int | Int8Array]:
    flat = flatten_inputs(
        {
            "price": price,
            underlying_name: underlying,
            "strike": strike,
            "t": t,
            "rate": rate,
            "div_yield": div_yield,
        },
        {"is_call": is_call},
    )
    vol = flat.empty()
    reason = np.empty(flat.size, dtype=np.int8)
    kernel = implied_vol_kernel_parallel if flat.parallel else implied_vol_kernel
    kernel(*flat.floats, *flat.flags, on_forward, vol, reason)
    if flat.scalar:
        return float(vol[0]), int(reason[0])
    return vol.reshape(flat.shape), reason.reshape(flat.shape)


def implied_vol_with_reason(
    price: FloatLike,
    spot: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    rate: FloatLike,
    div_yield: FloatLike,
    is_call: BoolLike,
) -> tuple[float | Float64Array, int | Int8Array]:
    """Black–Scholes–Merton implied vol and, per option, why it is NaN (or OK).

    Parameters
    ----------
    price : float or array_like
        Option price in currency (discounted, as :func:`mmdesk.pricing.bs_price`).
    spot : float or array_like
        Underlying price S (currency).
    strike : float or array_like
        Strike K (currency).
    t : float or array_like
        Time to expiry T in years (ACT/365).
    rate : float or array_like
        Continuously compounded risk-free rate r per year.
    div_yield : float or array_like
        Continuously compounded dividend (or borrow) yield q per year.
    is_call : bool or array_like of bool
        True for calls, False for puts.

    Returns
    -------
    vol : float or ndarray
        Annualised implied vol σ (0.20 = 20 vol points); NaN where no vol.
    reason : int or ndarray of int8
        :class:`IVReason` codes: OK, BELOW_INTRINSIC, ABOVE_MAX,
        NO_VOL_INFORMATION (within rounding of a bound, or zero/subnormal),
        INVALID_INPUT (NaN/inf, spot, strike or t <= 0).

    Examples
    --------
    >>> from mmdesk.pricing import bs_price
    >>> p = bs_price(42.0, 40.0, 0.5, 0.2, 0.1, 0.0, True)
    >>> vol, reason = implied_vol_with_reason(p, 42.0, 40.0, 0.5, 0.1, 0.0, True)
    >>> round(vol, 12), IVReason(reason).name
    (0.2, 'OK')
    >>> implied_vol_with_reason(1.0, 42.0, 40.0, 0.5, 0.1, 0.0, True)[1] == IVReason.BELOW_INTRINSIC
    True
    """
    return _run(price, "spot", spot, strike, t, rate, div_yield, is_call, on_forward=False)


def implied_vol(
    price: FloatLike,
    spot: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    rate: FloatLike,
    div_yield: FloatLike,
    is_call: BoolLike,
) -> float | Float64Array:
    """Black–Scholes–Merton implied vol (NaN where the price has no vol).

    Parameters and units as in :func:`implied_vol_with_reason`, which also
    returns the reason for each NaN.

    Returns
    -------
    float or ndarray
        Annualised implied vol σ; NaN where no vol.
    """
    return _run(price, "spot", spot, strike, t, rate, div_yield, is_call, on_forward=False)[0]


def black76_implied_vol_with_reason(
    price: FloatLike,
    forward: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    rate: FloatLike,
    is_call: BoolLike,
) -> tuple[float | Float64Array, int | Int8Array]:
    """Black-76 implied vol of an option on a forward, with an :class:`IVReason` per option.

    Parameters
    ----------
    price : float or array_like
        Option price in currency (discounted, as :func:`mmdesk.pricing.black76_price`).
    forward : float or array_like
        Forward price F for the option's expiry (currency).
    strike : float or array_like
        Strike K (currency).
    t : float or array_like
        Time to expiry T in years (ACT/365).
    rate : float or array_like
        Continuously compounded rate r per year used to discount the payoff.
    is_call : bool or array_like of bool
        True for calls, False for puts.

    Returns
    -------
    vol : float or ndarray
        Annualised implied vol σ of the forward; NaN where no vol.
    reason : int or ndarray of int8
        :class:`IVReason` codes.
    """
    return _run(price, "forward", forward, strike, t, rate, 0.0, is_call, on_forward=True)


def black76_implied_vol(
    price: FloatLike,
    forward: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    rate: FloatLike,
    is_call: BoolLike,
) -> float | Float64Array:
    """Black-76 implied vol (NaN where the price has no vol).

    Parameters and units as in :func:`black76_implied_vol_with_reason`.

    Returns
    -------
    float or ndarray
        Annualised implied vol σ of the forward; NaN where no vol.
    """
    return _run(price, "forward", forward, strike, t, rate, 0.0, is_call, on_forward=True)[0]

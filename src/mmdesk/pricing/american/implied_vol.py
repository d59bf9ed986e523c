"""Implied vol of American options: a safeguarded Newton solve per option, in one numba kernel.

For each option the American price ``P(vol)`` of the chosen method is
inverted on ``[VOL_MIN, VOL_MAX] = [0.001, 10]``:

1. Reasons first (never an exception in the middle of a chain, never a loop
   without end): NaN/inf or out-of-range inputs (``spot, strike, t <= 0``) give
   ``INVALID_INPUT``; a price below the zero-vol American value (immediate or
   best deterministic exercise) by more than its rounding gives
   ``BELOW_INTRINSIC``; above the no-arbitrage maximum (``S`` for a call, ``K``
   for a put; ``S e^{-qT}``, ``K e^{-rT}`` when larger) ``ABOVE_MAX``; a price
   within rounding of ``P(VOL_MIN)`` or above ``P(VOL_MAX)`` (a vol outside
   0.1–1000 vol points that the price cannot pin down) ``NO_VOL_INFORMATION``.
2. Start from the European (Black–Scholes, Let's Be Rational) implied vol of
   the same price — on the escrowed spot when there are cash dividends — or
   0.3 when that does not exist (American prices above the European maximum).
3. Newton steps with a one-sided finite-difference vega; every evaluation
   shrinks a bracket ``[lo, hi]`` with ``P(lo) < price < P(hi)`` and a step
   that would leave it is replaced by bisection.  Stop when the price error is
   within ``4 eps price`` (plus 1e-15) or the bracket is below 1e-15 relative;
   at most 200 evaluations (then NaN, ``NO_VOL_INFORMATION``, unless the
   bracket is already below 1e-8 relative).  A price that the method cannot
   compute at a trial vol (BAW's critical-price iteration diverging, which
   happens only at low vol) moves the bracket's low end up.

The inversion is exact for the method's own prices: ``american_implied_vol(
american_price(vol), method=m) == vol`` to ~1e-12 where vega is not tiny.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from mmdesk.pricing._broadcast import flatten_inputs
from mmdesk.pricing.american._common import (
    AmericanMethod,
    DividendModel,
    american_price_one,
    method_code,
    zero_vol_value,
)
from mmdesk.pricing.american.baw import QL_CRITICAL_PRICE_TOLERANCE
from mmdesk.pricing.american.pricing import (
    DividendsLike,
    as_dividend_model,
    as_dividends,
    as_method,
    check_steps,
)
from mmdesk.pricing.american.tree import DEFAULT_STEPS
from mmdesk.pricing.implied_vol import implied_vol
from mmdesk.pricing.iv_reason import (
    ABOVE_MAX,
    BELOW_INTRINSIC,
    INVALID_INPUT,
    NO_VOL_INFORMATION,
    OK,
    IVReason,
)
from mmdesk.typing import BoolLike, Float64Array, FloatLike, Int8Array

#: Solver range for the American implied vol (annualised).
VOL_MIN = 1e-3
VOL_MAX = 10.0
_EPS = 2.220446049250313e-16
_INF = math.inf
_MAX_EVALUATIONS = 200


def american_iv_one_python(
    code: int,
    price: float,
    spot: float,
    strike: float,
    t: float,
    rate: float,
    div_yield: float,
    is_call: bool,
    steps: int,
    div_times: Float64Array,
    div_amounts: Float64Array,
    guess: float,
    work: Float64Array,
) -> tuple[float, int]:
    """Implied vol (annualised) and IVReason code of one American option (see module doc)."""
    if not (
        abs(price) < _INF
        and 0.0 < spot < _INF
        and 0.0 < strike < _INF
        and 0.0 < t < _INF
        and abs(rate) < _INF
        and abs(div_yield) < _INF
    ):
        return math.nan, INVALID_INPUT
    tol = 4.0 * _EPS * abs(price) + 1e-15
    # No-arbitrage maximum: S for a call, K for a put (times e^{-qT} or e^{-rT}
    # when a negative yield or rate makes the European bound larger).
    if is_call:
        bound = spot * max(1.0, math.exp(-div_yield * t))
    else:
        bound = strike * max(1.0, math.exp(-rate * t))
    if price > bound + tol:
        return math.nan, ABOVE_MAX
    if price < 0.0:
        return math.nan, BELOW_INTRINSIC
    p_lo = american_price_one(
        code, spot, strike, t, VOL_MIN, rate, div_yield, is_call, steps,
        div_times, div_amounts, QL_CRITICAL_PRICE_TOLERANCE, work,
    )  # fmt: skip
    if math.isnan(p_lo):
        # The methods can fail at very low vol (BAW's critical-price iteration
        # diverges, BJS overflows, the tree's probabilities degenerate): use the
        # zero-vol limit, or with cash dividends the intrinsic value (a lower
        # bound of any American price), instead.
        if div_times.shape[0] == 0:
            p_lo = zero_vol_value(spot, strike, t, rate, div_yield, is_call)
        else:
            p_lo = max((spot - strike) if is_call else (strike - spot), 0.0)
    if price < p_lo - tol:
        floor = p_lo
        if div_times.shape[0] == 0:
            floor = zero_vol_value(spot, strike, t, rate, div_yield, is_call)
        if price < floor - tol:
            return math.nan, BELOW_INTRINSIC
        return math.nan, NO_VOL_INFORMATION
    if price <= p_lo + tol:
        return math.nan, NO_VOL_INFORMATION
    p_hi = american_price_one(
        code, spot, strike, t, VOL_MAX, rate, div_yield, is_call, steps,
        div_times, div_amounts, QL_CRITICAL_PRICE_TOLERANCE, work,
    )  # fmt: skip
    if math.isnan(p_hi) or price >= p_hi:
        return math.nan, NO_VOL_INFORMATION

    lo = VOL_MIN
    hi = VOL_MAX
    x = guess if (VOL_MIN < guess < VOL_MAX) else 0.3
    evaluations = 2
    while evaluations < _MAX_EVALUATIONS:
        p_x = american_price_one(
            code, spot, strike, t, x, rate, div_yield, is_call, steps,
            div_times, div_amounts, QL_CRITICAL_PRICE_TOLERANCE, work,
        )  # fmt: skip
        evaluations += 1
        f = p_x - price
        if math.isnan(f):
            # Only the low-vol end fails (see above): the root is above x.
            lo = x
            x = 0.5 * (lo + hi)
            continue
        if abs(f) <= tol:
            return x, OK
        if f < 0.0:
            lo = x
        else:
            hi = x
        if hi - lo <= 1e-15 * hi:
            return x, OK
        h = 1e-6 * x
        p_up = american_price_one(
            code, spot, strike, t, x + h, rate, div_yield, is_call, steps,
            div_times, div_amounts, QL_CRITICAL_PRICE_TOLERANCE, work,
        )  # fmt: skip
        evaluations += 1
        vega = (p_up - p_x) / h
        x_new = 0.5 * (lo + hi)
        if vega > 0.0:
            newton = x - f / vega
            if lo < newton < hi:
                x_new = newton
        x = x_new
    if hi - lo <= 1e-8 * hi:
        return x, OK
    return math.nan, NO_VOL_INFORMATION


american_iv_one = numba.njit(cache=True, error_model="numpy")(american_iv_one_python)


def american_iv_kernel_python(
    code: int,
    price: Float64Array,
    spot: Float64Array,
    strike: Float64Array,
    t: Float64Array,
    rate: Float64Array,
    div_yield: Float64Array,
    is_call: np.ndarray,
    steps: int,
    div_times: Float64Array,
    div_amounts: Float64Array,
    guess: Float64Array,
    out_vol: Float64Array,
    out_reason: Int8Array,
) -> None:
    """American implied vols of flat option arrays (units as :func:`american_implied_vol`)."""
    for i in numba.prange(price.shape[0]):
        work = np.empty(3)
        vol, reason = american_iv_one(
            code, price[i], spot[i], strike[i], t[i], rate[i], div_yield[i], is_call[i],
            steps, div_times, div_amounts, guess[i], work,
        )  # fmt: skip
        out_vol[i] = vol
        out_reason[i] = reason


american_iv_kernel = numba.njit(cache=True, parallel=True, error_model="numpy")(
    american_iv_kernel_python
)


def american_implied_vol_with_reason(
    price: FloatLike,
    spot: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    rate: FloatLike,
    div_yield: FloatLike,
    is_call: BoolLike,
    method: AmericanMethod | str = AmericanMethod.BAW,
    *,
    dividends: DividendsLike | None = None,
    steps: int = DEFAULT_STEPS,
    dividend_model: DividendModel | str = DividendModel.ESCROWED,
) -> tuple[float | Float64Array, int | Int8Array]:
    """Implied vol of American option prices, with a reason code per option.

    Parameters
    ----------
    price : float or array_like
        American option price (currency).
    spot, strike : float or array_like
        Spot (cum dividends) and strike (currency).
    t : float or array_like
        Time to expiry in years (ACT/365).
    rate, div_yield : float or array_like
        Continuously compounded rate and dividend yield per year.
    is_call : bool or array_like of bool
        True for calls, False for puts.
    method : {"baw", "bjs2002", "bjs1993", "tree"}
        The American pricer to invert (see :func:`american_price`).
    dividends : (times, amounts), optional
        Discrete cash dividends (years, currency); tree only.
    steps : int, default 201
        Tree steps (tree only).
    dividend_model : {"escrowed", "spot"}
        Cash-dividend model of the tree (see :func:`american_price`).

    Returns
    -------
    vol : float or ndarray
        Annualised implied vol (0.20 = 20 vol points); NaN where no vol.
    reason : int or ndarray of int8
        :class:`~mmdesk.pricing.iv_reason.IVReason` codes (see module doc).
    """
    m = as_method(method)
    model = as_dividend_model(dividend_model)
    divs = as_dividends(dividends, m)
    n_steps = check_steps(steps)
    flat = flatten_inputs(
        {
            "price": price,
            "spot": spot,
            "strike": strike,
            "t": t,
            "rate": rate,
            "div_yield": div_yield,
        },
        {"is_call": is_call},
    )
    f_price, f_spot, f_strike, f_t, f_rate, f_q = flat.floats
    (f_call,) = flat.flags
    escrowed = f_spot.copy()
    for when, amount in zip(divs.times, divs.amounts, strict=True):
        paid = (when > 0.0) & (when <= f_t)
        escrowed -= np.where(paid, amount * np.exp(-f_rate * when), 0.0)
    with np.errstate(invalid="ignore"):
        guess = np.asarray(
            implied_vol(f_price, escrowed, f_strike, f_t, f_rate, f_q, f_call), dtype=np.float64
        ).reshape(-1)
    vol = flat.empty()
    reason = np.empty(flat.size, dtype=np.int8)
    american_iv_kernel(
        method_code(m, model), f_price, f_spot, f_strike, f_t, f_rate, f_q, f_call,
        n_steps, divs.times, divs.amounts, guess, vol, reason,
    )  # fmt: skip
    if flat.scalar:
        return float(vol[0]), int(reason[0])
    return vol.reshape(flat.shape), reason.reshape(flat.shape)


def american_implied_vol(
    price: FloatLike,
    spot: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    rate: FloatLike,
    div_yield: FloatLike,
    is_call: BoolLike,
    method: AmericanMethod | str = AmericanMethod.BAW,
    *,
    dividends: DividendsLike | None = None,
    steps: int = DEFAULT_STEPS,
    dividend_model: DividendModel | str = DividendModel.ESCROWED,
) -> float | Float64Array:
    """Implied vol of American option prices (NaN where no vol).

    Parameters and units as :func:`american_implied_vol_with_reason`, which
    also says why each NaN is NaN.

    Returns
    -------
    float or ndarray
        Annualised implied vol; NaN where the price carries no vol.
    """
    return american_implied_vol_with_reason(
        price, spot, strike, t, rate, div_yield, is_call, method,
        dividends=dividends, steps=steps, dividend_model=dividend_model,
    )[0]  # fmt: skip


__all__ = [
    "VOL_MAX",
    "VOL_MIN",
    "IVReason",
    "american_implied_vol",
    "american_implied_vol_with_reason",
]

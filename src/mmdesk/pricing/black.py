"""European option prices: Black–Scholes–Merton (spot, continuous yield) and Black-76 (forward).

Conventions (see ``docs/pricing.md``): ``t`` in years (ACT/365), ``rate`` and
``div_yield`` continuously compounded per year, ``vol`` annualised (0.20 = 20
vol points).  Inputs broadcast numpy-style; scalars in give a Python float out.

Calls are priced from the call formula and puts from the put formula (never by
parity), and N(·) is evaluated from Cody's rational approximations with the
density supplied (``_vecmath.vnorm_cdf_given_pdf``), so out-of-the-money prices
keep their relative accuracy far into the wings.  The per-option formulas live in
:func:`mmdesk.pricing.greeks.bs_greeks_one_python`; the kernels here keep the price.

Limits and invalid input (per option, never an exception in the middle of a chain):

* ``t == 0`` or ``vol == 0``: the deterministic limit, discounted intrinsic
  value of the forward ``max(±(S·e^{-qT} − K·e^{-rT}), 0)``.
* ``spot <= 0``, ``strike <= 0``, ``t < 0``, ``vol < 0`` or any NaN/inf: NaN.
"""

from __future__ import annotations

import numba
import numpy as np

from mmdesk.pricing._broadcast import flatten_inputs, njit_serial_and_parallel
from mmdesk.pricing.greeks import bs_greeks_one
from mmdesk.typing import BoolLike, Float64Array, FloatLike

# numba's on-disk cache is invalidated by this file's timestamp only, not by edits
# to the functions it inlines (``_vecmath``, ``greeks.bs_greeks_one``): touch this
# file when those change.  Kernel revision: 2 (vexp with a compensated final sum).


def bs_price_kernel_python(
    spot: Float64Array,
    strike: Float64Array,
    t: Float64Array,
    vol: Float64Array,
    rate: Float64Array,
    div_yield: Float64Array,
    is_call: np.ndarray,
    out: Float64Array,
) -> None:
    """Black–Scholes–Merton prices of flat option arrays into ``out`` (1-D, one length).

    Each option is the price field of :func:`mmdesk.pricing.greeks.bs_greeks_one_python`
    (the formulas are written once); compiled, the unused greeks are eliminated
    and the branch-free loop vectorises.  See :func:`bs_price` for units.
    """
    for i in numba.prange(spot.shape[0]):
        g = bs_greeks_one(spot[i], strike[i], t[i], vol[i], rate[i], div_yield[i], is_call[i])
        out[i] = g[0]


bs_price_kernel, bs_price_kernel_parallel = njit_serial_and_parallel(
    bs_price_kernel_python, error_model="numpy"
)


def bs_price(
    spot: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    vol: FloatLike,
    rate: FloatLike,
    div_yield: FloatLike,
    is_call: BoolLike,
    *,
    out: Float64Array | None = None,
) -> float | Float64Array:
    """Black–Scholes–Merton price of European options on a spot with continuous yield.

    Parameters
    ----------
    spot : float or array_like
        Underlying price S (currency).
    strike : float or array_like
        Strike K (currency).
    t : float or array_like
        Time to expiry T in years (ACT/365).
    vol : float or array_like
        Annualised volatility σ (0.20 = 20 vol points).
    rate : float or array_like
        Continuously compounded risk-free rate r per year.
    div_yield : float or array_like
        Continuously compounded dividend (or borrow) yield q per year.
    is_call : bool or array_like of bool
        True for calls, False for puts.
    out : ndarray, optional
        C-contiguous float64 array of the broadcast shape to write the prices into
        (returned); saves the allocation when a chain is repriced repeatedly.

    Returns
    -------
    float or ndarray
        Price in currency, ``S·e^{-qT}·N(d1) − K·e^{-rT}·N(d2)`` for calls and
        ``K·e^{-rT}·N(−d2) − S·e^{-qT}·N(−d1)`` for puts, with
        ``d1 = ln(S·e^{-qT} / K·e^{-rT})/(σ√T) + σ√T/2``, ``d2 = d1 − σ√T``.
        NaN for invalid inputs (see module docstring).

    Examples
    --------
    Hull, *Options, Futures and Other Derivatives*, Example 15.6:

    >>> round(bs_price(42.0, 40.0, 0.5, 0.2, 0.1, 0.0, True), 2)
    4.76
    >>> round(bs_price(42.0, 40.0, 0.5, 0.2, 0.1, 0.0, False), 2)
    0.81
    """
    flat = flatten_inputs(
        {
            "spot": spot,
            "strike": strike,
            "t": t,
            "vol": vol,
            "rate": rate,
            "div_yield": div_yield,
        },
        {"is_call": is_call},
    )
    result = flat.use_out(out)
    kernel = bs_price_kernel_parallel if flat.parallel else bs_price_kernel
    kernel(*flat.floats, *flat.flags, result)
    return flat.finish(result)


def black76_price(
    forward: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    vol: FloatLike,
    rate: FloatLike,
    is_call: BoolLike,
) -> float | Float64Array:
    """Black-76 price of European options on a forward (or futures) price.

    Parameters
    ----------
    forward : float or array_like
        Forward price F for the option's expiry (currency).
    strike : float or array_like
        Strike K (currency).
    t : float or array_like
        Time to expiry T in years (ACT/365).
    vol : float or array_like
        Annualised volatility σ of the forward.
    rate : float or array_like
        Continuously compounded rate r per year used to discount the payoff.
    is_call : bool or array_like of bool
        True for calls, False for puts.

    Returns
    -------
    float or ndarray
        Price in currency, ``e^{-rT}·(F·N(d1) − K·N(d2))`` for calls and
        ``e^{-rT}·(K·N(−d2) − F·N(−d1))`` for puts, with
        ``d1 = ln(F/K)/(σ√T) + σ√T/2``, ``d2 = d1 − σ√T``.  NaN for invalid inputs.

    Examples
    --------
    Haug, *The Complete Guide to Option Pricing Formulas*, Black-76 example
    (F=19, K=19, T=0.75, r=10%, σ=28%: call = put = 1.7011):

    >>> round(black76_price(19.0, 19.0, 0.75, 0.28, 0.10, False), 4)
    1.7011
    """
    flat = flatten_inputs(
        {"forward": forward, "strike": strike, "t": t, "vol": vol, "rate": rate},
        {"is_call": is_call},
    )
    forward_, strike_, t_, vol_, rate_ = flat.floats
    out = flat.empty()
    kernel = bs_price_kernel_parallel if flat.parallel else bs_price_kernel
    # Black-76 is BSM on the forward with q = r: S·e^{-qT} = F·e^{-rT}, d1 = ln(F/K)/s + s/2.
    kernel(forward_, strike_, t_, vol_, rate_, rate_, *flat.flags, out)
    return flat.finish(out)

"""Numba kernels of the flow agents (each with its pure-Python twin ``*_python``)."""

from __future__ import annotations

import math

import numba

from mmdesk.typing import BoolArray, Float64Array

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def bs_price_vega_python(
    spot: float,
    strike: Float64Array,
    tau: Float64Array,
    vol: Float64Array,
    rate: float,
    div_yield: float,
    is_call: BoolArray,
    price: Float64Array,
    vega: Float64Array,
) -> None:
    """Black–Scholes price and vega (per 1.00 vol) of many options on one spot, in place.

    Parameters
    ----------
    spot
        Underlying price, currency.
    strike, tau, vol, is_call
        Per option (flat, same length): strike (currency), time to expiry
        (years, > 0), annualised vol (> 0), call flag.
    rate, div_yield
        Continuously compounded rate and yield per year.
    price, vega
        Outputs, currency and currency per unit vol.
    """
    for i in range(strike.shape[0]):
        t = tau[i]
        s = vol[i]
        sq = math.sqrt(t)
        df_q = math.exp(-div_yield * t)
        df_r = math.exp(-rate * t)
        d1 = (math.log(spot / strike[i]) + (rate - div_yield + 0.5 * s * s) * t) / (s * sq)
        d2 = d1 - s * sq
        if is_call[i]:
            price[i] = spot * df_q * 0.5 * math.erfc(-d1 * _INV_SQRT2) - strike[
                i
            ] * df_r * 0.5 * math.erfc(-d2 * _INV_SQRT2)
        else:
            price[i] = strike[i] * df_r * 0.5 * math.erfc(d2 * _INV_SQRT2) - spot * df_q * 0.5 * (
                math.erfc(d1 * _INV_SQRT2)
            )
        vega[i] = spot * df_q * math.exp(-0.5 * d1 * d1) * _INV_SQRT_2PI * sq


bs_price_vega = numba.njit(cache=True)(bs_price_vega_python)

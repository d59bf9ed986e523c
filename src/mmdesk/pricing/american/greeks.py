"""``american_greeks``: price and eight greeks of American options, in one numba kernel.

Units as :class:`mmdesk.pricing.greeks.Greeks` (natural: per 1.00 of spot,
vol and rate; theta and charm per year of calendar time, ``∂/∂t = −∂/∂T``).

How each is computed (per option, inside one kernel; ``D`` are central
differences with the bumps ``h_S = 1e-4 S``, ``h_r = 1e-4`` and, for the
closed forms, ``h_vol = min(1e-4, vol/4)``, ``h_T = min(1e-4, T/8)``; for the
tree ``h_vol = min(1e-3, vol/4)``, ``h_T = min(1e-3, T/8)``.  First
derivatives of the closed forms (delta, vega, theta, rho) are Richardson
extrapolated from steps h and 2h, error O(h**4); rho of the tree too):

==========  =======================================  ==========================
greek       closed forms (BAW, BJS)                  tree (Leisen–Reimer)
==========  =======================================  ==========================
price       the method's price                       the tree price
delta       D_S price                                lattice: (V_1u − V_1d)/(S_1u − S_1d)
gamma       D_SS price                               lattice: from the 3 nodes at 2 dt
theta       −D_T price                               lattice: (V_2m − V_0 − Δ dS − Γ dS²/2)/(2 dt)
vega        D_vol price                              D_vol price
rho         D_r price                                D_r price
vanna       D_S D_vol price (4 points)               D_vol of lattice delta
volga       D_vol,vol price                          D_vol,vol price
charm       −D_T D_S price (4 points)                −D_T of lattice delta
==========  =======================================  ==========================

BAW's derivatives are taken on prices whose critical-price equation is solved
to 1e-12 (QuantLib's 1e-6 leaves the price up to ~1e-4 away from the converged
BAW value and makes it a step function of the inputs); ``price`` itself is
QuantLib's.  Near the
exercise boundary the price has a kink (smooth pasting holds only in the
limit), so gamma there is the difference quotient across it.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from mmdesk.pricing.american._common import (
    CODE_TREE,
    AmericanMethod,
    DividendModel,
    american_price_one,
    method_code,
)
from mmdesk.pricing.american.baw import QL_CRITICAL_PRICE_TOLERANCE
from mmdesk.pricing.american.pricing import (
    DividendsLike,
    as_dividend_model,
    as_dividends,
    as_method,
    check_steps,
    flatten_american,
)
from mmdesk.pricing.american.tree import DEFAULT_STEPS
from mmdesk.pricing.greeks import N_GREEK_ROWS, Greeks
from mmdesk.typing import BoolLike, Float64Array, FloatLike

#: BAW critical-price tolerance used for the bumped prices behind the greeks.
SMOOTH_BAW_TOLERANCE = 1e-12


def _richardson_python(f_up: float, f_dn: float, f_up2: float, f_dn2: float, h: float) -> float:
    """Richardson-extrapolated central difference from steps h and 2h (error O(h**4))."""
    d1 = (f_up - f_dn) / (2.0 * h)
    d2 = (f_up2 - f_dn2) / (4.0 * h)
    return (4.0 * d1 - d2) / 3.0


_richardson = numba.njit(cache=True, error_model="numpy")(_richardson_python)


def american_greeks_one_python(
    code: int,
    spot: float,
    strike: float,
    t: float,
    vol: float,
    rate: float,
    div_yield: float,
    is_call: bool,
    steps: int,
    div_times: Float64Array,
    div_amounts: Float64Array,
    out: Float64Array,
) -> None:
    """Price and eight greeks of one American option into ``out`` (9 rows, Greeks order)."""
    lat = np.empty(3)
    tol = SMOOTH_BAW_TOLERANCE

    def p(s: float, tt: float, v: float, r: float) -> float:
        return american_price_one(
            code, s, strike, tt, v, r, div_yield, is_call, steps, div_times, div_amounts, tol, lat
        )

    price = american_price_one(
        code, spot, strike, t, vol, rate, div_yield, is_call, steps,
        div_times, div_amounts, QL_CRITICAL_PRICE_TOLERANCE, lat,
    )  # fmt: skip
    out[0] = price
    for k in range(1, 9):
        out[k] = math.nan
    if math.isnan(price) or not (t > 0.0 and vol > 0.0):
        return
    tree = code >= CODE_TREE  # CODE_TREE or CODE_TREE_SPOT
    h_s = 1e-4 * spot
    h_r = 1e-4
    h_v = 1e-3 if tree else 1e-4
    h_v = min(h_v, 0.25 * vol)
    h_t = min(1e-3 if tree else 1e-4, 0.125 * t)

    if tree:
        # Lattice delta, gamma, theta of the base tree (price recomputed: same inputs).
        p(spot, t, vol, rate)
        delta = lat[0]
        gamma = lat[1]
        theta = lat[2]
        p_v_up = p(spot, t, vol + h_v, rate)
        delta_v_up = lat[0]
        p_v_dn = p(spot, t, vol - h_v, rate)
        delta_v_dn = lat[0]
        p(spot, t + h_t, vol, rate)
        delta_t_up = lat[0]
        p(spot, t - h_t, vol, rate)
        delta_t_dn = lat[0]
        vega = (p_v_up - p_v_dn) / (2.0 * h_v)
        volga = (p_v_up - 2.0 * price + p_v_dn) / (h_v * h_v)
        vanna = (delta_v_up - delta_v_dn) / (2.0 * h_v)
        charm = -(delta_t_up - delta_t_dn) / (2.0 * h_t)
    else:
        p0 = p(spot, t, vol, rate)
        p_s_up = p(spot + h_s, t, vol, rate)
        p_s_dn = p(spot - h_s, t, vol, rate)
        p_s_up2 = p(spot + 2.0 * h_s, t, vol, rate)
        p_s_dn2 = p(spot - 2.0 * h_s, t, vol, rate)
        p_v_up = p(spot, t, vol + h_v, rate)
        p_v_dn = p(spot, t, vol - h_v, rate)
        p_v_up2 = p(spot, t, vol + 2.0 * h_v, rate)
        p_v_dn2 = p(spot, t, vol - 2.0 * h_v, rate)
        p_t_up = p(spot, t + h_t, vol, rate)
        p_t_dn = p(spot, t - h_t, vol, rate)
        p_t_up2 = p(spot, t + 2.0 * h_t, vol, rate)
        p_t_dn2 = p(spot, t - 2.0 * h_t, vol, rate)
        # First derivatives: Richardson-extrapolated central differences, O(h**4).
        delta = _richardson(p_s_up, p_s_dn, p_s_up2, p_s_dn2, h_s)
        vega = _richardson(p_v_up, p_v_dn, p_v_up2, p_v_dn2, h_v)
        theta = -_richardson(p_t_up, p_t_dn, p_t_up2, p_t_dn2, h_t)
        gamma = (p_s_up - 2.0 * p0 + p_s_dn) / (h_s * h_s)
        volga = (p_v_up - 2.0 * p0 + p_v_dn) / (h_v * h_v)
        vanna = (
            p(spot + h_s, t, vol + h_v, rate)
            - p(spot + h_s, t, vol - h_v, rate)
            - p(spot - h_s, t, vol + h_v, rate)
            + p(spot - h_s, t, vol - h_v, rate)
        ) / (4.0 * h_s * h_v)
        delta_t_up = (p(spot + h_s, t + h_t, vol, rate) - p(spot - h_s, t + h_t, vol, rate)) / (
            2.0 * h_s
        )
        delta_t_dn = (p(spot + h_s, t - h_t, vol, rate) - p(spot - h_s, t - h_t, vol, rate)) / (
            2.0 * h_s
        )
        charm = -(delta_t_up - delta_t_dn) / (2.0 * h_t)
    rho = _richardson(
        p(spot, t, vol, rate + h_r),
        p(spot, t, vol, rate - h_r),
        p(spot, t, vol, rate + 2.0 * h_r),
        p(spot, t, vol, rate - 2.0 * h_r),
        h_r,
    )
    out[1] = delta
    out[2] = gamma
    out[3] = vega
    out[4] = theta
    out[5] = rho
    out[6] = vanna
    out[7] = volga
    out[8] = charm


american_greeks_one = numba.njit(cache=True, error_model="numpy")(american_greeks_one_python)


def american_greeks_kernel_python(
    code: int,
    spot: Float64Array,
    strike: Float64Array,
    t: Float64Array,
    vol: Float64Array,
    rate: Float64Array,
    div_yield: Float64Array,
    is_call: np.ndarray,
    steps: int,
    div_times: Float64Array,
    div_amounts: Float64Array,
    out: Float64Array,
) -> None:
    """Price and greeks of flat option arrays into ``out`` of shape (9, m), Greeks field order."""
    for i in numba.prange(spot.shape[0]):
        american_greeks_one(
            code, spot[i], strike[i], t[i], vol[i], rate[i], div_yield[i], is_call[i],
            steps, div_times, div_amounts, out[:, i],
        )  # fmt: skip


american_greeks_kernel = numba.njit(cache=True, parallel=True, error_model="numpy")(
    american_greeks_kernel_python
)


def american_greeks(
    spot: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    vol: FloatLike,
    rate: FloatLike,
    div_yield: FloatLike,
    is_call: BoolLike,
    method: AmericanMethod | str = AmericanMethod.BAW,
    *,
    dividends: DividendsLike | None = None,
    steps: int = DEFAULT_STEPS,
    dividend_model: DividendModel | str = DividendModel.ESCROWED,
) -> Greeks:
    """Price and eight greeks of American options (see the module doc for how).

    Parameters
    ----------
    spot, strike : float or array_like
        Spot (cum dividends) and strike (currency).
    t : float or array_like
        Time to expiry in years (ACT/365).
    vol : float or array_like
        Annualised vol.
    rate, div_yield : float or array_like
        Continuously compounded rate and dividend yield per year.
    is_call : bool or array_like of bool
        True for calls, False for puts.
    method : {"baw", "bjs2002", "bjs1993", "tree"}
        Pricer (see :func:`american_price`).
    dividends : (times, amounts), optional
        Discrete cash dividends (years, currency); tree only.
    steps : int, default 201
        Tree steps (tree only).
    dividend_model : {"escrowed", "spot"}
        Cash-dividend model of the tree (see :func:`american_price`).

    Returns
    -------
    Greeks
        ``price, delta, gamma, vega, theta, rho, vanna, volga, charm`` in
        natural units (vega per 1.00 vol, theta and charm per year, rho per
        1.00 rate); floats for scalar inputs.  NaN greeks where the price is
        NaN and at ``t == 0`` or ``vol == 0`` (the price is then the limit).
    """
    m = as_method(method)
    model = as_dividend_model(dividend_model)
    divs = as_dividends(dividends, m)
    n_steps = check_steps(steps)
    flat = flatten_american(spot, strike, t, vol, rate, div_yield, is_call)
    out = flat.empty(N_GREEK_ROWS)
    f_spot, f_strike, f_t, f_vol, f_rate, f_q = flat.floats
    (f_call,) = flat.flags
    american_greeks_kernel(
        method_code(m, model), f_spot, f_strike, f_t, f_vol, f_rate, f_q, f_call,
        n_steps, divs.times, divs.amounts, out,
    )  # fmt: skip
    return Greeks(*(flat.finish(row) for row in out))  # type: ignore[arg-type]

"""Black–Scholes–Merton price and eight greeks in one kernel pass, plus display helpers.

Units are natural (see ``docs/pricing.md``): derivatives with respect to the
inputs as given, time in years, vol and rates as decimals.

========  =============================  ==========================================
field     definition                     units
========  =============================  ==========================================
price     V                              currency
delta     ∂V/∂S                          currency per currency of spot
gamma     ∂²V/∂S²                        per currency of spot
vega      ∂V/∂σ                          currency per 1.00 of vol (100 vol points)
theta     ∂V/∂t = −∂V/∂T                 currency per year of calendar time
rho       ∂V/∂r                          currency per 1.00 of rate
vanna     ∂²V/∂S∂σ = ∂delta/∂σ           per 1.00 of vol
volga     ∂²V/∂σ² = ∂vega/∂σ             currency per (1.00 of vol)²
charm     ∂delta/∂t = −∂delta/∂T         per year of calendar time
========  =============================  ==========================================

``t`` is calendar time passing with everything else fixed (``T`` shrinks), so
theta and charm are rates of change per year as the option ages: a long
vanilla usually has negative theta.  This is QuantLib's sign convention for
``theta`` (and ``thetaPerDay`` = theta/365).  QuantLib has no charm; ours is
the sign that makes ``delta(T − dt) ≈ delta + charm·dt``.
"""

from __future__ import annotations

import math
from typing import NamedTuple, cast

import numba
import numpy as np

from mmdesk.pricing._broadcast import flatten_inputs, njit_serial_and_parallel
from mmdesk.pricing._vecmath import vexp, vlog, vnorm_cdf_given_pdf
from mmdesk.pricing.normal import INV_SQRT_2PI
from mmdesk.typing import BoolLike, Float64Array, FloatLike

# numba's on-disk cache is invalidated by this file's timestamp only, not by edits
# to the functions it inlines (``_vecmath``, ``greeks.bs_greeks_one``): touch this
# file when those change.  Kernel revision: 2 (vexp with a compensated final sum).

_INF = math.inf

#: Days per year of the ACT/365 convention used by the per-day display helpers.
DAYS_PER_YEAR = 365.0
#: Vol points per 1.00 of vol.
VOL_POINTS = 100.0
#: Basis points per 1.00 of rate.
BASIS_POINTS = 10_000.0

#: Output rows of the greeks kernel, in ``Greeks`` field order.
N_GREEK_ROWS = 9


class Greeks(NamedTuple):
    """Price and greeks of options, each an array (or float) of the broadcast input shape.

    All in natural units; see the module docstring for definitions and
    :func:`vega_per_vol_point`, :func:`theta_per_day`, ... for display units.
    """

    price: Float64Array
    delta: Float64Array
    gamma: Float64Array
    vega: Float64Array
    theta: Float64Array
    rho: Float64Array
    vanna: Float64Array
    volga: Float64Array
    charm: Float64Array


def bs_greeks_one_python(
    s: float, k: float, tt: float, v: float, r: float, q: float, is_call: bool
) -> tuple[float, float, float, float, float, float, float, float, float]:
    """Price and eight greeks of one option, in :class:`Greeks` field order (the readable spec).

    Branch-free (every path is computed and one selected) so that the loop over
    options vectorises; ``vexp``/``vlog``/``vnorm_cdf_given_pdf`` are library-call-
    free exp, log and Φ (see ``_vecmath``).  With w = +1 for calls and −1 for puts,
    S_q = S·e^{-qT}, K_r = K·e^{-rT}, s = σ√T, N_i = N(w·d_i), φ = φ(d1):

    * price = w(S_q N_1 − K_r N_2)
    * delta = w e^{-qT} N_1,  gamma = e^{-qT} φ/(S s),  vega = S_q φ √T
    * theta = −S_q φ σ/(2√T) + w(q S_q N_1 − r K_r N_2)
    * rho = w T K_r N_2
    * vanna = −e^{-qT} φ d2/σ,  volga = vega d1 d2/σ
    * charm = q·delta − e^{-qT} φ (2(r − q)T − d2 s)/(2 T s)

    At ``t == 0`` or ``vol == 0`` the deterministic limit (price the discounted
    intrinsic of the forward, delta a step of height e^{-qT} with one half at
    the money, gamma/vega/vanna/volga zero, theta and rho of the intrinsic,
    charm q·delta).  Invalid inputs give NaN in every output.
    """
    valid = (
        (s > 0.0)
        & (s < _INF)
        & (k > 0.0)
        & (k < _INF)
        & (tt >= 0.0)
        & (tt < _INF)
        & (v >= 0.0)
        & (v < _INF)
        & (abs(r) < _INF)
        & (abs(q) < _INF)
    )
    # Harmless stand-ins where the input is invalid (the result is NaN anyway).
    s = s if valid else 1.0
    k = k if valid else 1.0
    tt = tt if valid else 1.0
    v = v if valid else 1.0
    r = r if valid else 0.0
    q = q if valid else 0.0
    w = 1.0 if is_call else -1.0
    dq = vexp(-q * tt)
    sq = s * dq  # S·e^{-qT}
    kr = k * vexp(-r * tt)  # K·e^{-rT}
    sqt = math.sqrt(tt)
    live = v * sqt > 0.0  # otherwise the deterministic limit
    tl = tt if live else 1.0
    vl = v if live else 1.0
    sqtl = sqt if live else 1.0
    sd = vl * sqtl  # σ√T
    d1 = vlog(sq / kr) / sd + 0.5 * sd
    d2 = d1 - sd
    pdf = INV_SQRT_2PI * vexp(-0.5 * d1 * d1)  # φ(d1)
    n1 = vnorm_cdf_given_pdf(w * d1, pdf)  # N(w·d1)
    n2 = vnorm_cdf_given_pdf(w * d2, INV_SQRT_2PI * vexp(-0.5 * d2 * d2))  # N(w·d2)
    dq_pdf = dq * pdf
    sq_n1 = sq * n1
    kr_n2 = kr * n2
    delta = w * dq * n1
    vega = s * dq_pdf * sqtl
    price = w * (sq_n1 - kr_n2)
    gamma = dq_pdf / (s * sd)
    theta = -0.5 * s * dq_pdf * vl / sqtl + w * (q * sq_n1 - r * kr_n2)
    rho = w * tl * kr_n2
    vanna = -dq_pdf * d2 / vl
    volga = vega * d1 * d2 / vl
    charm = q * delta - dq_pdf * (2.0 * (r - q) * tl - d2 * sd) / (2.0 * tl * sd)
    # Deterministic limit: the option is worth its forward's discounted intrinsic.
    moneyness = w * (sq - kr)
    weight = 1.0 if moneyness > 0.0 else (0.5 if moneyness == 0.0 else 0.0)
    delta0 = weight * w * dq
    nan = math.nan
    return (
        (price if live else max(moneyness, 0.0)) if valid else nan,
        (delta if live else delta0) if valid else nan,
        (gamma if live else 0.0) if valid else nan,
        (vega if live else 0.0) if valid else nan,
        (theta if live else weight * w * (q * sq - r * kr)) if valid else nan,
        (rho if live else weight * w * tt * kr) if valid else nan,
        (vanna if live else 0.0) if valid else nan,
        (volga if live else 0.0) if valid else nan,
        (charm if live else q * delta0) if valid else nan,
    )


bs_greeks_one = numba.njit(cache=True, error_model="numpy", inline="always")(bs_greeks_one_python)


def bs_greeks_kernel_python(
    spot: Float64Array,
    strike: Float64Array,
    t: Float64Array,
    vol: Float64Array,
    rate: Float64Array,
    div_yield: Float64Array,
    is_call: np.ndarray,
    out: Float64Array,
) -> None:
    """Price and eight greeks of flat option arrays into rows of ``out`` (shape ``(9, n)``).

    One pass over the options; each is :func:`bs_greeks_one_python`.  Compiled
    with ``error_model="numpy"`` the loop has no branches and vectorises.
    """
    for i in numba.prange(spot.shape[0]):
        g = bs_greeks_one(spot[i], strike[i], t[i], vol[i], rate[i], div_yield[i], is_call[i])
        out[0, i] = g[0]
        out[1, i] = g[1]
        out[2, i] = g[2]
        out[3, i] = g[3]
        out[4, i] = g[4]
        out[5, i] = g[5]
        out[6, i] = g[6]
        out[7, i] = g[7]
        out[8, i] = g[8]


bs_greeks_kernel, bs_greeks_kernel_parallel = njit_serial_and_parallel(
    bs_greeks_kernel_python, error_model="numpy"
)


def bs_greeks(
    spot: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    vol: FloatLike,
    rate: FloatLike,
    div_yield: FloatLike,
    is_call: BoolLike,
    *,
    out: Float64Array | None = None,
) -> Greeks:
    """Black–Scholes–Merton price and greeks of European options, computed in one pass.

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
        C-contiguous float64 array of shape ``(9, *broadcast_shape)`` to write
        into (rows in ``Greeks`` field order); the returned fields are then views
        of its rows.  Saves the allocation (and first-touch page faults) when a
        chain is repriced repeatedly.

    Returns
    -------
    Greeks
        ``price, delta, gamma, vega, theta, rho, vanna, volga, charm`` in natural
        units (module docstring), each of the broadcast shape (floats for scalar
        input).  NaN everywhere for invalid inputs (spot or strike <= 0, t or vol
        < 0, NaN/inf).

    Examples
    --------
    Haug (1998), p. 13, gamma of S=55, K=60, T=0.75, r=10%, σ=30%:

    >>> round(bs_greeks(55.0, 60.0, 0.75, 0.30, 0.10, 0.0, True).gamma, 4)
    0.0278
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
    rows = flat.use_out(out, N_GREEK_ROWS)
    kernel = bs_greeks_kernel_parallel if flat.parallel else bs_greeks_kernel
    kernel(*flat.floats, *flat.flags, rows)
    # Scalar input gives Python floats in every field (typed as arrays for callers'
    # convenience: floats support the same arithmetic).
    return Greeks(*(cast(Float64Array, flat.finish(row)) for row in rows))


def vega_per_vol_point(vega: FloatLike) -> float | Float64Array:
    """Vega in currency per vol point (0.01 of vol) from vega per 1.00 of vol."""
    return _scaled(vega, 1.0 / VOL_POINTS)


def volga_per_vol_point(volga: FloatLike) -> float | Float64Array:
    """Volga in vega-per-vol-point per vol point, from volga per (1.00 of vol)²."""
    return _scaled(volga, 1.0 / (VOL_POINTS * VOL_POINTS))


def vanna_per_vol_point(vanna: FloatLike) -> float | Float64Array:
    """Vanna as change of delta per vol point, from vanna per 1.00 of vol."""
    return _scaled(vanna, 1.0 / VOL_POINTS)


def theta_per_day(theta: FloatLike) -> float | Float64Array:
    """Theta in currency per calendar day (ACT/365), from theta per year."""
    return _scaled(theta, 1.0 / DAYS_PER_YEAR)


def charm_per_day(charm: FloatLike) -> float | Float64Array:
    """Charm as change of delta per calendar day (ACT/365), from charm per year."""
    return _scaled(charm, 1.0 / DAYS_PER_YEAR)


def rho_per_basis_point(rho: FloatLike) -> float | Float64Array:
    """Rho in currency per basis point (0.0001) of rate, from rho per 1.00 of rate."""
    return _scaled(rho, 1.0 / BASIS_POINTS)


def _scaled(value: FloatLike, factor: float) -> float | Float64Array:
    arr = np.asarray(value, dtype=np.float64) * factor
    return float(arr) if arr.ndim == 0 else arr

"""Shared per-option pieces of the American pricers: input checks, limits, method dispatch.

Per-option conventions (never an exception in the middle of a chain):

* any NaN/inf, ``spot <= 0``, ``strike <= 0``, ``t < 0`` or ``vol < 0``: NaN;
* ``t == 0``: intrinsic value ``max(±(S − K), 0)``;
* ``vol == 0`` (deterministic spot ``S e^{(r−q)τ}``, no cash dividends): the
  best deterministic exercise time, ``max_τ∈[0,T] ±(S e^{−qτ} − K e^{−rτ})``
  floored at 0.
"""

from __future__ import annotations

import math
from enum import StrEnum

import numba
import numpy as np

from mmdesk.pricing.american.baw import baw_price_one
from mmdesk.pricing.american.bjs import bjs1993_price_one, bjs2002_price_one
from mmdesk.pricing.american.tree import lr_tree_one
from mmdesk.pricing.american.tree_spot import lr_tree_spot_one
from mmdesk.typing import Float64Array

_INF = math.inf


class AmericanMethod(StrEnum):
    """Pricing method for American options.

    Attributes
    ----------
    BAW : "baw"
        Barone-Adesi & Whaley (1987) quadratic approximation (QuantLib's engine to rounding).
    BJS2002 : "bjs2002"
        Bjerksund & Stensland (2002), two flat boundaries, bivariate normal.
    BJS1993 : "bjs1993"
        Bjerksund & Stensland (1993), one flat boundary (QuantLib's
        ``BjerksundStenslandApproximationEngine`` to rounding).
    TREE : "tree"
        Leisen–Reimer binomial tree with discrete cash dividends (escrowed model):
        the accurate reference.
    """

    BAW = "baw"
    BJS2002 = "bjs2002"
    BJS1993 = "bjs1993"
    TREE = "tree"


#: Integer codes of the methods inside numba kernels.
METHOD_CODE = {
    AmericanMethod.BAW: 0,
    AmericanMethod.BJS2002: 1,
    AmericanMethod.BJS1993: 2,
    AmericanMethod.TREE: 3,
}
CODE_BAW = 0
CODE_BJS2002 = 1
CODE_BJS1993 = 2
CODE_TREE = 3
#: The tree with cash dividends in the spot model (see ``DividendModel``).
CODE_TREE_SPOT = 4


class DividendModel(StrEnum):
    """How the tree treats discrete cash dividends.

    Attributes
    ----------
    ESCROWED : "escrowed"
        ``S − PV(dividends)`` follows GBM with the given vol (QuantLib FD ``Escrowed``).
    SPOT : "spot"
        The stock follows GBM with the given vol and drops by each dividend at
        its ex-date (QuantLib FD ``Spot``, its default).
    """

    ESCROWED = "escrowed"
    SPOT = "spot"


def method_code(method: AmericanMethod, dividend_model: DividendModel) -> int:
    """Kernel code of a method (and, for the tree, of its dividend model)."""
    if method is AmericanMethod.TREE and dividend_model is DividendModel.SPOT:
        return CODE_TREE_SPOT
    return METHOD_CODE[method]


def valid_inputs_python(
    spot: float, strike: float, t: float, vol: float, rate: float, div_yield: float
) -> bool:
    """True when one option's inputs are finite and in range (spot, strike > 0; t, vol >= 0)."""
    return (
        0.0 < spot < _INF
        and 0.0 < strike < _INF
        and 0.0 <= t < _INF
        and 0.0 <= vol < _INF
        and abs(rate) < _INF
        and abs(div_yield) < _INF
    )


valid_inputs = numba.njit(cache=True, error_model="numpy")(valid_inputs_python)


def zero_vol_value_python(
    spot: float, strike: float, t: float, rate: float, div_yield: float, is_call: bool
) -> float:
    """American value with zero vol: the best deterministic exercise time in [0, t] (currency)."""
    omega = 1.0 if is_call else -1.0
    best = max(omega * (spot - strike), 0.0)
    at_expiry = omega * (spot * math.exp(-div_yield * t) - strike * math.exp(-rate * t))
    best = max(best, at_expiry)
    # Interior stationary point of S e^{-q tau} - K e^{-r tau}.
    if rate != div_yield and rate * div_yield > 0.0:
        tau = math.log(rate * strike / (div_yield * spot)) / (rate - div_yield)
        if 0.0 < tau < t:
            best = max(
                best, omega * (spot * math.exp(-div_yield * tau) - strike * math.exp(-rate * tau))
            )
    return best


zero_vol_value = numba.njit(cache=True, error_model="numpy")(zero_vol_value_python)


def american_price_one_python(
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
    baw_tolerance: float,
    lattice: Float64Array,
) -> float:
    """American price of one option by method ``code`` (currency); limits as in the module doc.

    ``lattice`` (3 floats) receives the tree's lattice delta, gamma, theta for
    ``code in (CODE_TREE, CODE_TREE_SPOT)`` (NaN for the closed forms).
    """
    lattice[0] = math.nan
    lattice[1] = math.nan
    lattice[2] = math.nan
    if not valid_inputs(spot, strike, t, vol, rate, div_yield):
        return math.nan
    if t == 0.0:
        omega = 1.0 if is_call else -1.0
        return max(omega * (spot - strike), 0.0)
    if vol == 0.0:
        if code >= CODE_TREE and div_times.shape[0] > 0:
            return math.nan
        return zero_vol_value(spot, strike, t, rate, div_yield, is_call)
    if code == CODE_BAW:
        return baw_price_one(spot, strike, t, vol, rate, div_yield, is_call, baw_tolerance)
    if code == CODE_BJS2002:
        return bjs2002_price_one(spot, strike, t, vol, rate, div_yield, is_call)
    if code == CODE_BJS1993:
        return bjs1993_price_one(spot, strike, t, vol, rate, div_yield, is_call)
    if code == CODE_TREE_SPOT:
        return lr_tree_spot_one(
            spot, strike, t, vol, rate, div_yield, is_call, steps,
            div_times, div_amounts, True, lattice,
        )  # fmt: skip
    return lr_tree_one(
        spot,
        strike,
        t,
        vol,
        rate,
        div_yield,
        is_call,
        steps,
        div_times,
        div_amounts,
        True,
        lattice,
    )


american_price_one = numba.njit(cache=True, error_model="numpy")(american_price_one_python)


def american_price_kernel_python(
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
    baw_tolerance: float,
    out: Float64Array,
    lattice_out: Float64Array,
) -> None:
    """American prices of flat option arrays into ``out`` (tree lattice greeks: ``lattice_out``).

    Parameters
    ----------
    code : int
        Method code (``METHOD_CODE``).
    spot, strike, t, vol, rate, div_yield, is_call : ndarray
        1-D option inputs of one length ``m`` (currency, years, annualised).
    steps : int
        Tree steps (tree method only).
    div_times, div_amounts : ndarray
        Discrete cash dividends (years, currency), tree method only.
    baw_tolerance : float
        BAW critical-price tolerance (QuantLib: 1e-6).
    out : ndarray (m,)
        Prices (currency).
    lattice_out : ndarray (3, m)
        Tree lattice delta, gamma, theta (NaN for closed forms).
    """
    for i in numba.prange(spot.shape[0]):
        out[i] = american_price_one(
            code,
            spot[i],
            strike[i],
            t[i],
            vol[i],
            rate[i],
            div_yield[i],
            is_call[i],
            steps,
            div_times,
            div_amounts,
            baw_tolerance,
            lattice_out[:, i],
        )


american_price_kernel = numba.njit(cache=True, parallel=True, error_model="numpy")(
    american_price_kernel_python
)
american_price_kernel_serial = numba.njit(cache=True, error_model="numpy")(
    american_price_kernel_python
)

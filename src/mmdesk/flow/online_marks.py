"""One step of the desk's running hedged markouts (:class:`mmdesk.flow.reader.FlowReader`).

Each recorded fill's markout advances, in currency from the desk's side, by

    side · qty · m · [(theo_now − theo_prev) − delta_prev · (spot_now − spot_prev)]

with the option's current theo and delta while it is live; an expired option
keeps its last theo, delta and spot (its step is 0). One numba pass over the
fills, with numpy's floating-point operations in numpy's order.
"""

from __future__ import annotations

import numba

from mmdesk.typing import BoolArray, Float64Array, Int64Array


def advance_markouts_python(
    option: Int64Array,
    side: Float64Array,
    qty: Float64Array,
    multiplier: float,
    live: BoolArray,
    theo: Float64Array,
    delta: Float64Array,
    spot: float,
    markout: Float64Array,
    theo_prev: Float64Array,
    delta_prev: Float64Array,
    spot_prev: Float64Array,
    markout_out: Float64Array,
    theo_out: Float64Array,
    delta_out: Float64Array,
    spot_out: Float64Array,
) -> None:
    """Advance every fill's markout by one marking step (module docstring).

    Parameters
    ----------
    option : ndarray of int64
        0-based option of each fill.
    side, qty : ndarray
        Desk side (+1 / −1) and contracts of each fill.
    multiplier : float
        Shares per contract.
    live : ndarray of bool
        Options not yet expired (per option).
    theo, delta : ndarray
        Current theo (currency per share) and delta per option.
    spot : float
        Current underlying price, currency.
    markout, theo_prev, delta_prev, spot_prev : ndarray
        Each fill's markout (currency) and the marks of its previous step.
    markout_out, theo_out, delta_out, spot_out : ndarray
        The advanced markouts and the marks of this step.
    """
    for j in range(option.shape[0]):
        o = option[j]
        on = live[o]
        th = theo[o] if on else theo_prev[j]
        de = delta[o] if on else delta_prev[j]
        s_now = spot if on else spot_prev[j]
        step = (th - theo_prev[j]) - delta_prev[j] * (s_now - spot_prev[j])
        markout_out[j] = markout[j] + side[j] * qty[j] * multiplier * step
        theo_out[j] = th
        delta_out[j] = de
        spot_out[j] = s_now


advance_markouts = numba.njit(cache=True)(advance_markouts_python)

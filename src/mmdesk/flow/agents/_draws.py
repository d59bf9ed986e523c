"""Numba kernels turning the takers' random draws into IOC order rows (each with its twin).

A taker group's timer draws its random numbers with numpy (the same calls, in
the same order, as the readable numpy version: ``Generator.random(a)`` then
``random(b)`` is ``random(a + b)``, so the uniforms of one period come in one
call) and hands them here with the choice weights; one kernel then does the
arithmetic the numpy version spread over some twenty small array calls:

* :func:`draw_index`: numpy's ``Generator.choice(len(w), p=w / s)`` arithmetic
  (the running sum of ``w / s``, normalised by its last value, searched to the
  right), so the draws are the same indices;
* :func:`noise_orders`, :func:`informed_orders`: the groups' IOC rows at the touch.

Only exact IEEE arithmetic (``+ - * /``, comparisons) is done here; every
transcendental (``exp``, ``log``) stays in numpy, whose SIMD results differ from
libm's in the last bit.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from mmdesk.typing import BoolArray, Float64Array, Int64Array

#: ``mmdesk.venue.participant.TIF_IOC`` (inlined for the kernels).
_TIF_IOC = 1


def cdf_of_python(w: Float64Array, s: float, cdf: Float64Array) -> None:
    """``cdf = cumsum(w / s); cdf /= cdf[-1]`` in place (numpy's order of operations)."""
    n = w.shape[0]
    c = 0.0
    for i in range(n):
        c = w[i] / s if i == 0 else c + w[i] / s
        cdf[i] = c
    last = cdf[n - 1]
    for i in range(n):
        cdf[i] = cdf[i] / last


def draw_index_python(cdf: Float64Array, x: float) -> int:
    """``cdf.searchsorted(x, side="right")``: the number of entries ``<= x`` (sorted ``cdf``)."""
    lo = 0
    hi = cdf.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if cdf[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _write_row(out: Any, r: int, owner: int, instr: int, side: int, price: int, qty: int) -> None:
    o = out[r]
    o["owner"] = owner
    o["instrument"] = instr
    o["side"] = side
    o["tif"] = _TIF_IOC
    o["price"] = price
    o["qty"] = qty
    o["client_id"] = 0


def noise_orders_python(
    w: Float64Array,
    s: float,
    u: Float64Array,
    size: Int64Array,
    owner: Int64Array,
    instrument: Int64Array,
    view_bid: Int64Array,
    view_ask: Int64Array,
    underlying_share: float,
    lot: int,
    template: Any,
) -> Any:
    """The noise arrivals of one period as IOC ORDER_DTYPE rows at the touch.

    Parameters
    ----------
    w, s
        (n_options,) choice weights and their sum (the option is drawn with ``w / s``).
    u
        (3 n,) uniforms on [0, 1): per arrival, underlying-or-option, option choice, side.
    size
        (n,) sizes, 1..max_size (contracts; underlying orders are ``lot`` times this).
    owner
        (n,) venue owner id of each arrival.
    instrument
        (n_options,) instrument id of each option.
    view_bid, view_ask
        (n_instruments,) best bid / ask seen (integer units, <= 0 if empty).
    underlying_share, lot
        Probability of the underlying; shares per size unit there.
    template
        An empty ORDER_DTYPE array (its dtype is the rows').

    Returns
    -------
    ndarray of ORDER_DTYPE
        The arrivals whose touch price is positive, in arrival order (client id 0).
    """
    n = size.shape[0]
    cdf = np.empty(w.shape[0])
    cdf_of(w, s, cdf)
    ins = np.empty(n, dtype=np.int64)
    side = np.empty(n, dtype=np.int64)
    price = np.empty(n, dtype=np.int64)
    k = 0
    for j in range(n):
        opt = draw_index(cdf, u[n + j])
        ins[j] = 0 if u[j] < underlying_share else instrument[opt]
        side[j] = 1 if u[2 * n + j] < 0.5 else -1
        price[j] = view_ask[ins[j]] if side[j] > 0 else view_bid[ins[j]]
        if price[j] > 0:
            k += 1
    out = np.empty(k, template.dtype)
    r = 0
    for j in range(n):
        if price[j] > 0:
            q = size[j] * lot if u[j] < underlying_share else size[j]
            _write_row(out, r, owner[j], ins[j], side[j], price[j], q)
            r += 1
    return out


def informed_orders_python(
    w_call: Float64Array,
    s_call: float,
    w_put: Float64Array,
    s_put: float,
    r: float,
    noise_sd: float,
    threshold: float,
    z: Float64Array,
    u: Float64Array,
    size: Int64Array,
    owner: Int64Array,
    instrument: Int64Array,
    view_bid: Int64Array,
    view_ask: Int64Array,
    underlying_share: float,
    lot: int,
    template: Any,
) -> Any:
    """The informed arrivals of one period that trade, as IOC ORDER_DTYPE rows at the touch.

    Arrival ``j`` sees the signal ``r + noise_sd z_j`` (log return, dimensionless)
    and trades if its size exceeds ``threshold``: bullish buys the underlying or a
    call, bearish sells the underlying or buys a put.

    Parameters
    ----------
    w_call, s_call, w_put, s_put
        (n_options,) call and put choice weights and their sums.
    r, noise_sd, threshold
        Future log return, the signal's noise sd, the trading threshold (log return).
    z
        (n,) standard normals of the signal noise.
    u
        (3 n,) uniforms on [0, 1): per arrival, the call choice, the put choice,
        underlying-or-option.
    size, owner, instrument, view_bid, view_ask, underlying_share, lot, template
        As in :func:`noise_orders`.

    Returns
    -------
    ndarray of ORDER_DTYPE
        The trading arrivals whose touch price is positive, in arrival order.
    """
    n = size.shape[0]
    cdf_c = np.empty(w_call.shape[0])
    cdf_p = np.empty(w_put.shape[0])
    cdf_of(w_call, s_call, cdf_c)
    cdf_of(w_put, s_put, cdf_p)
    ins = np.empty(n, dtype=np.int64)
    side = np.empty(n, dtype=np.int64)
    price = np.empty(n, dtype=np.int64)
    ok = np.empty(n, dtype=np.bool_)
    k = 0
    for j in range(n):
        signal = r + noise_sd * z[j]
        bull = signal > 0
        call = draw_index(cdf_c, u[j])
        put = draw_index(cdf_p, u[n + j])
        und = u[2 * n + j] < underlying_share
        ins[j] = 0 if und else instrument[call if bull else put]
        side[j] = (1 if bull else -1) if und else 1
        price[j] = view_ask[ins[j]] if side[j] > 0 else view_bid[ins[j]]
        ok[j] = abs(signal) > threshold and price[j] > 0
        if ok[j]:
            k += 1
    out = np.empty(k, template.dtype)
    row = 0
    for j in range(n):
        if ok[j]:
            q = size[j] * lot if u[2 * n + j] < underlying_share else size[j]
            _write_row(out, row, owner[j], ins[j], side[j], price[j], q)
            row += 1
    return out


def masked_weights_python(e: Float64Array, expiry_weight: Float64Array, live: BoolArray) -> Any:
    """``np.where(live, e * expiry_weight, 0.0)`` (a fresh array)."""
    out = np.empty(e.shape[0])
    for i in range(e.shape[0]):
        out[i] = e[i] * expiry_weight[i] if live[i] else 0.0
    return out


def half_z2_python(log_moneyness: Float64Array, scale: float, sqrt_tau: Float64Array) -> Any:
    """``-0.5 * z * z`` with ``z = log_moneyness / (scale * sqrt_tau)`` (numpy's order)."""
    out = np.empty(log_moneyness.shape[0])
    for i in range(log_moneyness.shape[0]):
        z = log_moneyness[i] / (scale * sqrt_tau[i])
        out[i] = -0.5 * z * z
    return out


cdf_of = numba.njit(cache=True)(cdf_of_python)
draw_index = numba.njit(cache=True)(draw_index_python)
_write_row = numba.njit(cache=True)(_write_row)
noise_orders = numba.njit(cache=True)(noise_orders_python)
informed_orders = numba.njit(cache=True)(informed_orders_python)
masked_weights = numba.njit(cache=True)(masked_weights_python)
half_z2 = numba.njit(cache=True)(half_z2_python)

__all__ = [
    "cdf_of",
    "cdf_of_python",
    "draw_index",
    "draw_index_python",
    "half_z2",
    "half_z2_python",
    "informed_orders",
    "informed_orders_python",
    "masked_weights",
    "masked_weights_python",
    "noise_orders",
    "noise_orders_python",
]

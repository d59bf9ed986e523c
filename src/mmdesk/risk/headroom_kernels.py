"""Numba kernels of the quote headroom and the sweep guard (one pass over the options).

The readable specifications are the ``*_python`` twins below (and, with numpy
broadcasting, :func:`mmdesk.risk.headroom.quote_headroom_numpy` and
:func:`mmdesk.risk.headroom.sweep_scale_numpy`); the kernels are the speed of
the quoting hot path. Units as in :mod:`mmdesk.risk.headroom`.

Packed inputs
-------------
``book`` = (delta, gamma, vega, notional) of the book; ``lim`` = hard or
quoting limits (delta, gamma, vega, notional, expiry_vega, expiry_gamma,
expiry_contracts, option_position).
"""

from __future__ import annotations

import numba
import numpy as np

from mmdesk.typing import Float64Array, Int64Array

BIG = 1e18


def _lin(cur: float, a: float, limit: float) -> float:
    if a > 0.0:
        return max((limit - cur) / a, 0.0)
    if a < 0.0:
        return max((limit + cur) / -a, 0.0)
    return BIG


def _gross(gross: float, p: float, limit: float) -> float:
    short = max(-p, 0.0)
    return max(short, limit - gross + 2.0 * short)


def _grows(cur: float, limit: float, per: float) -> bool:
    if abs(cur) <= limit:
        return False
    return (cur > 0.0 and per > 0.0) or (cur < 0.0 and per < 0.0)


_lin_nb = numba.njit(cache=True)(_lin)
_gross_nb = numba.njit(cache=True)(_gross)
_grows_nb = numba.njit(cache=True)(_grows)


def quote_headroom_kernel_python(
    book: Float64Array,
    expiry_vega: Float64Array,
    expiry_gamma: Float64Array,
    expiry_contracts: Float64Array,
    strike_contracts: Float64Array,
    position: Float64Array,
    r_delta: Float64Array,
    r_gamma: Float64Array,
    r_vega: Float64Array,
    r_notional: Float64Array,
    r_expiry: Int64Array,
    r_cell: Int64Array,
    r_strike_limit: Float64Array,
    lim: Float64Array,
    reducing: bool,
    max_bid: Float64Array,
    max_ask: Float64Array,
) -> None:
    """Largest bid/ask size of every option whose full fill keeps every exposure inside ``lim``.

    Same rules as :func:`mmdesk.risk.headroom.quote_headroom_numpy` (linear greeks,
    gross contracts and notional, REDUCING: zero where a fill grows a breached
    exposure); results floored to whole contracts into ``max_bid``/``max_ask``.
    """
    for i in range(r_delta.shape[0]):
        e = r_expiry[i]
        c = r_cell[i]
        for k in range(2):
            s = 1.0 if k == 0 else -1.0
            pos = s * position[i]
            size = _lin_nb(book[0], s * r_delta[i], lim[0])
            size = min(size, _lin_nb(book[1], s * r_gamma[i], lim[1]))
            size = min(size, _lin_nb(book[2], s * r_vega[i], lim[2]))
            size = min(size, _lin_nb(expiry_vega[e], s * r_vega[i], lim[4]))
            size = min(size, _lin_nb(expiry_gamma[e], s * r_gamma[i], lim[5]))
            size = min(size, _lin_nb(pos, 1.0, lim[7]))
            size = min(size, _gross_nb(expiry_contracts[e], pos, lim[6]))
            size = min(size, _gross_nb(strike_contracts[c], pos, r_strike_limit[i]))
            n_per = r_notional[i]
            n_room = _gross_nb(book[3], pos * n_per, lim[3])
            size = min(size, n_room / (n_per if n_per > 0.0 else 1.0))
            if reducing:
                grows = (
                    _grows_nb(book[0], lim[0], s * r_delta[i])
                    or _grows_nb(book[1], lim[1], s * r_gamma[i])
                    or _grows_nb(book[2], lim[2], s * r_vega[i])
                    or _grows_nb(expiry_vega[e], lim[4], s * r_vega[i])
                    or _grows_nb(expiry_gamma[e], lim[5], s * r_gamma[i])
                )
                opening = pos >= 0.0
                if opening and (
                    expiry_contracts[e] > lim[6]
                    or strike_contracts[c] > r_strike_limit[i]
                    or abs(position[i]) > lim[7]
                ):
                    grows = True
                if grows:
                    size = 0.0
            out = np.floor(min(size, BIG))
            if k == 0:
                max_bid[i] = out
            else:
                max_ask[i] = out


quote_headroom_kernel = numba.njit(cache=True)(quote_headroom_kernel_python)


def sweep_scale_kernel_python(
    book: Float64Array,
    expiry_vega: Float64Array,
    expiry_gamma: Float64Array,
    expiry_contracts: Float64Array,
    r_delta: Float64Array,
    r_gamma: Float64Array,
    r_vega: Float64Array,
    r_notional: Float64Array,
    r_expiry: Int64Array,
    lim: Float64Array,
    bid_share: Float64Array,
    ask_share: Float64Array,
    bid: Float64Array,
    ask: Float64Array,
    bid_out: Float64Array,
    ask_out: Float64Array,
) -> None:
    """Scale quotes so their combined worst case in one sweep fits in each limit's room.

    Same rules as :func:`mmdesk.risk.headroom.sweep_scale_numpy`: each leg is
    assumed to fill its share (``bid_share``/``ask_share``, 0..1) of its size; per
    signed exposure (name delta/gamma/vega, expiry vega/gamma) the quotes pushing
    it up (down) share one factor room/sum; gross contracts per expiry and
    notional scale every quote of the expiry / the book. Floored to contracts.
    """
    n = r_delta.shape[0]
    n_exp = expiry_vega.shape[0]
    up = np.zeros(3)
    dn = np.zeros(3)
    ev_up = np.zeros(n_exp)
    ev_dn = np.zeros(n_exp)
    eg_up = np.zeros(n_exp)
    eg_dn = np.zeros(n_exp)
    ec = np.zeros(n_exp)
    notional = 0.0
    for i in range(n):
        b = bid[i] * bid_share[i]
        a = ask[i] * ask_share[i]
        for j in range(3):
            g = r_delta[i] if j == 0 else (r_gamma[i] if j == 1 else r_vega[i])
            up[j] += b * max(g, 0.0) + a * max(-g, 0.0)
            dn[j] += b * max(-g, 0.0) + a * max(g, 0.0)
        e = r_expiry[i]
        v = r_vega[i]
        g = r_gamma[i]
        ev_up[e] += b * max(v, 0.0) + a * max(-v, 0.0)
        ev_dn[e] += b * max(-v, 0.0) + a * max(v, 0.0)
        eg_up[e] += b * max(g, 0.0) + a * max(-g, 0.0)
        eg_dn[e] += b * max(-g, 0.0) + a * max(g, 0.0)
        ec[e] += b + a
        notional += (b + a) * r_notional[i]
    f_up = np.ones(3)
    f_dn = np.ones(3)
    for j in range(3):
        room_up = max(lim[j] - book[j], 0.0)
        room_dn = max(lim[j] + book[j], 0.0)
        if up[j] > room_up:
            f_up[j] = room_up / up[j]
        if dn[j] > room_dn:
            f_dn[j] = room_dn / dn[j]
    fe_v_up = np.ones(n_exp)
    fe_v_dn = np.ones(n_exp)
    fe_g_up = np.ones(n_exp)
    fe_g_dn = np.ones(n_exp)
    fe_c = np.ones(n_exp)
    for e in range(n_exp):
        r = max(lim[4] - expiry_vega[e], 0.0)
        if ev_up[e] > r:
            fe_v_up[e] = r / ev_up[e]
        r = max(lim[4] + expiry_vega[e], 0.0)
        if ev_dn[e] > r:
            fe_v_dn[e] = r / ev_dn[e]
        r = max(lim[5] - expiry_gamma[e], 0.0)
        if eg_up[e] > r:
            fe_g_up[e] = r / eg_up[e]
        r = max(lim[5] + expiry_gamma[e], 0.0)
        if eg_dn[e] > r:
            fe_g_dn[e] = r / eg_dn[e]
        r = max(lim[6] - expiry_contracts[e], 0.0)
        if ec[e] > r:
            fe_c[e] = r / ec[e]
    room_n = max(lim[3] - book[3], 0.0)
    f_n = room_n / notional if notional > room_n else 1.0
    for i in range(n):
        e = r_expiry[i]
        fb = min(fe_c[e], f_n)
        fa = fb
        for j in range(4 + 1):
            if j < 3:
                g = r_delta[i] if j == 0 else (r_gamma[i] if j == 1 else r_vega[i])
                fu = f_up[j]
                fd = f_dn[j]
            elif j == 3:
                g = r_vega[i]
                fu = fe_v_up[e]
                fd = fe_v_dn[e]
            else:
                g = r_gamma[i]
                fu = fe_g_up[e]
                fd = fe_g_dn[e]
            if g > 0.0:
                fb = min(fb, fu)
                fa = min(fa, fd)
            elif g < 0.0:
                fb = min(fb, fd)
                fa = min(fa, fu)
        bid_out[i] = np.floor(bid[i] * fb)
        ask_out[i] = np.floor(ask[i] * fa)


sweep_scale_kernel = numba.njit(cache=True)(sweep_scale_kernel_python)

"""How many contracts each quote may fill before a limit would be crossed.

Vectorised over every option of a chain: for a buy (or sell) of ``x ≥ 0``
contracts of option i, every limited exposure moves linearly (greeks) or as a
gross count (contracts, notional). The largest x that keeps each exposure
inside its limit, or that moves an already-breached exposure toward zero
without crossing the opposite limit, is the quote's headroom; the quoter sizes
each quote at or below it, so that a full fill of any resting quote cannot
breach a limit.

In REDUCING state, a quote whose fill would increase the magnitude of any
breached exposure gets zero headroom: only risk-reducing quotes stay.

Many quotes can fill at once (a sweep, or competitors requoting through the
book) before the desk reacts. :func:`sweep_scale` shrinks all the quotes that
add to an exposure in one direction so that their combined worst case in one
sweep still fits inside the hard limit. Each leg fills a share of its size in
that worst case (:func:`sweep_fill_share`): ``sweep_share`` for most (1: every
quote filling at once cannot breach; smaller values assume only part of the
book is swept in one reaction time), but all of it for a leg priced so close to
theo that a plausible move of the underlying (``sweep_move_sd`` standard
deviations over ``sweep_horizon_s``) puts it through theo: a competitor
refreshing around a fair value that far away takes every such leg at once, and
they all move delta the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmdesk.risk.headroom_kernels import quote_headroom_kernel, sweep_scale_kernel
from mmdesk.risk.limits import LimitsConfig
from mmdesk.typing import BoolArray, Float64Array

_BIG = 1e18


@dataclass(frozen=True, slots=True)
class BookExposure:
    """The book's current exposures, as the risk engine aggregates them.

    Attributes
    ----------
    delta, gamma, vega : float
        Name totals (shares; shares per 1.00 spot; currency per 1.00 vol),
        hedge position included in delta.
    notional : float
        Gross notional (currency).
    expiry_vega, expiry_gamma, expiry_contracts : ndarray, shape (n_expiries,)
        Per-expiry totals (contracts gross).
    strike_contracts : ndarray, shape (n_strike_cells,)
        Gross contracts per (expiry, strike) cell.
    position : ndarray, shape (n_options,)
        Signed contracts per option.
    """

    delta: float
    gamma: float
    vega: float
    notional: float
    expiry_vega: Float64Array
    expiry_gamma: Float64Array
    expiry_contracts: Float64Array
    strike_contracts: Float64Array
    position: Float64Array


@dataclass(frozen=True, slots=True)
class ContractRisk:
    """Per-contract exposures of every option (one row per option).

    Attributes
    ----------
    delta, gamma, vega : ndarray
        Per contract (multiplier applied): shares, shares per 1.00 spot, currency per 1.00 vol.
    notional : ndarray
        Gross notional one contract adds (multiplier × spot), currency.
    expiry : ndarray of int
        Expiry-bucket index.
    strike_cell : ndarray of int
        (expiry, strike) cell index.
    strike_limit : ndarray
        Gross contract limit of the option's strike cell (pin-window aware).
    """

    delta: Float64Array
    gamma: Float64Array
    vega: Float64Array
    notional: Float64Array
    expiry: np.ndarray
    strike_cell: np.ndarray
    strike_limit: Float64Array


def linear_headroom(current: Float64Array, per_unit: Float64Array, limit: float) -> Float64Array:
    """Largest x ≥ 0 with |current + x·per_unit| ≤ limit (or moving toward zero if breached).

    Parameters
    ----------
    current : ndarray
        Exposure now (any units).
    per_unit : ndarray
        Change of the exposure per contract traded (same units).
    limit : float
        Absolute limit (same units), > 0.

    Returns
    -------
    ndarray
        Contracts, ≥ 0; a huge number where the trade does not move the exposure.
    """
    cur = np.asarray(current, dtype=np.float64)
    a = np.asarray(per_unit, dtype=np.float64)
    out = np.full(np.broadcast(cur, a).shape, _BIG)
    up = a > 0.0
    down = a < 0.0
    out = np.where(up, (limit - cur) / np.where(up, a, 1.0), out)
    out = np.where(down, (limit + cur) / np.where(down, -a, 1.0), out)
    return np.maximum(out, 0.0)


def gross_headroom(
    gross: Float64Array, position: Float64Array, limit: Float64Array | float
) -> Float64Array:
    """Largest x ≥ 0 contracts bought with gross − |p| + |p + x| ≤ limit.

    Buying first closes a short position (|p| falls), then opens a long one.

    Parameters
    ----------
    gross : ndarray
        Gross contracts of the cell now.
    position : ndarray
        Signed position of the option being traded (contracts); negate it for sells.
    limit : ndarray or float
        Gross limit of the cell.
    """
    short = np.maximum(-np.asarray(position, dtype=np.float64), 0.0)
    return np.maximum(short, np.asarray(limit) - gross + 2.0 * short)


#: the last limits packed, and their array: the limits are frozen and change rarely
_PACKED: list[tuple[LimitsConfig, Float64Array]] = []


def _packed_limits(limits: LimitsConfig) -> Float64Array:
    for cached, arr in _PACKED:
        if cached is limits:
            return arr
    arr = _pack_limits(limits)
    arr.flags.writeable = False
    _PACKED.insert(0, (limits, arr))
    del _PACKED[4:]  # the hard and quoting limits of a book or two
    return arr


def packed_limits(limits: LimitsConfig) -> Float64Array:
    """The limits as the kernels take them (read-only, cached per limits object).

    (delta, gamma, vega, notional, expiry_vega, expiry_gamma, expiry_contracts,
    option_position) in their units (:class:`mmdesk.risk.limits.LimitsConfig`).
    """
    return _packed_limits(limits)


def _pack_limits(limits: LimitsConfig) -> Float64Array:
    return np.array(
        [
            limits.delta,
            limits.gamma,
            limits.vega,
            limits.notional,
            limits.expiry_vega,
            limits.expiry_gamma,
            limits.expiry_contracts,
            limits.option_position,
        ],
        dtype=np.float64,
    )


def _f64(x: Float64Array) -> Float64Array:
    return np.ascontiguousarray(x, dtype=np.float64)


def quote_headroom(
    book: BookExposure,
    risk: ContractRisk,
    limits: LimitsConfig,
    reducing: bool = False,
) -> tuple[Float64Array, Float64Array]:
    """Maximum bid and ask sizes (contracts) whose full fill cannot breach a limit.

    One numba pass (:func:`mmdesk.risk.headroom_kernels.quote_headroom_kernel`);
    :func:`quote_headroom_numpy` is the same rule written with numpy. Parameters
    and returns as there.
    """
    n = risk.delta.shape[0]
    max_bid = np.empty(n)
    max_ask = np.empty(n)
    quote_headroom_kernel(
        np.array([book.delta, book.gamma, book.vega, book.notional], dtype=np.float64),
        _f64(book.expiry_vega),
        _f64(book.expiry_gamma),
        _f64(book.expiry_contracts),
        _f64(book.strike_contracts),
        _f64(book.position),
        _f64(risk.delta),
        _f64(risk.gamma),
        _f64(risk.vega),
        _f64(risk.notional),
        np.ascontiguousarray(risk.expiry, dtype=np.int64),
        np.ascontiguousarray(risk.strike_cell, dtype=np.int64),
        _f64(risk.strike_limit),
        _packed_limits(limits),
        bool(reducing),
        max_bid,
        max_ask,
    )
    return max_bid, max_ask


def quote_headroom_numpy(
    book: BookExposure,
    risk: ContractRisk,
    limits: LimitsConfig,
    reducing: bool = False,
) -> tuple[Float64Array, Float64Array]:
    """Maximum bid and ask sizes (contracts) whose full fill cannot breach a limit.

    Parameters
    ----------
    book : BookExposure
        Current exposures.
    risk : ContractRisk
        Per-contract exposures of each option.
    limits : LimitsConfig
        The limits.
    reducing : bool
        In REDUCING state: zero headroom for any fill that would increase a
        breached exposure's magnitude.

    Returns
    -------
    max_bid, max_ask : ndarray
        Contracts the desk may bid for / offer in each option (floored to integers).
    """
    sides = []
    for sign in (1.0, -1.0):
        e = risk.expiry
        bounds = [
            linear_headroom(np.full_like(risk.delta, book.delta), sign * risk.delta, limits.delta),
            linear_headroom(np.full_like(risk.gamma, book.gamma), sign * risk.gamma, limits.gamma),
            linear_headroom(np.full_like(risk.vega, book.vega), sign * risk.vega, limits.vega),
            linear_headroom(book.expiry_vega[e], sign * risk.vega, limits.expiry_vega),
            linear_headroom(book.expiry_gamma[e], sign * risk.gamma, limits.expiry_gamma),
            linear_headroom(sign * book.position, np.ones_like(risk.delta), limits.option_position),
        ]
        pos = sign * book.position
        bounds.append(gross_headroom(book.expiry_contracts[e], pos, limits.expiry_contracts))
        bounds.append(
            gross_headroom(book.strike_contracts[risk.strike_cell], pos, risk.strike_limit)
        )
        notional_per = risk.notional
        contracts_room = gross_headroom(
            np.full_like(risk.delta, book.notional), pos * notional_per, limits.notional
        ) / np.where(notional_per > 0.0, notional_per, 1.0)
        bounds.append(contracts_room)
        size = np.minimum.reduce(bounds)
        if reducing:
            size = np.where(_increases_breach(book, risk, limits, sign), 0.0, size)
        sides.append(np.floor(np.minimum(size, _BIG)))
    return sides[0], sides[1]


def _increases_breach(
    book: BookExposure, risk: ContractRisk, limits: LimitsConfig, sign: float
) -> BoolArray:
    """Options whose fill (direction ``sign``) grows any breached exposure."""
    e = risk.expiry
    grows = np.zeros(risk.delta.shape, dtype=bool)
    for current, per_unit, limit in (
        (book.delta, risk.delta, limits.delta),
        (book.gamma, risk.gamma, limits.gamma),
        (book.vega, risk.vega, limits.vega),
    ):
        if abs(current) > limit:
            grows |= np.sign(current) * sign * per_unit > 0.0
    for current_arr, per_unit, limit in (
        (book.expiry_vega[e], risk.vega, limits.expiry_vega),
        (book.expiry_gamma[e], risk.gamma, limits.expiry_gamma),
    ):
        grows |= (np.abs(current_arr) > limit) & (np.sign(current_arr) * sign * per_unit > 0.0)
    pos = sign * book.position
    opening = pos >= 0.0  # buying (after the sign flip) opens or adds to a long
    grows |= (book.expiry_contracts[e] > limits.expiry_contracts) & opening
    grows |= (book.strike_contracts[risk.strike_cell] > risk.strike_limit) & opening
    grows |= (np.abs(book.position) > limits.option_position) & opening
    return grows


def quote_reach(
    per_contract: Float64Array, bid_size: Float64Array, ask_size: Float64Array
) -> tuple[float, float]:
    """How far every resting quote filling at once would move one exposure, up and down.

    Parameters
    ----------
    per_contract : ndarray
        Change of the exposure per contract bought (e.g. delta per contract, shares).
    bid_size, ask_size : ndarray
        Resting sizes (contracts, ≥ 0).

    Returns
    -------
    up, down : float
        ≥ 0, in the exposure's units: Σ bid·max(e, 0) + ask·max(−e, 0) and its mirror.

    Examples
    --------
    >>> import numpy as np
    >>> quote_reach(np.array([50.0, -40.0]), np.array([2.0, 1.0]), np.array([1.0, 3.0]))
    (220.0, 90.0)
    """
    e = np.asarray(per_contract, dtype=np.float64)
    up = float(np.dot(bid_size, np.maximum(e, 0.0)) + np.dot(ask_size, np.maximum(-e, 0.0)))
    down = float(np.dot(bid_size, np.maximum(-e, 0.0)) + np.dot(ask_size, np.maximum(e, 0.0)))
    return up, down


def _direction_factors(
    current: Float64Array,
    limit: float | Float64Array,
    per_unit: Float64Array,
    bid: Float64Array,
    ask: Float64Array,
    group: np.ndarray,
    n_groups: int,
) -> tuple[Float64Array, Float64Array]:
    """Scale factors (bid, ask) per quote for one signed exposure summed per group.

    ``bid`` and ``ask`` are the contracts each leg is assumed to fill in a sweep.
    """
    up_b = bid * np.maximum(per_unit, 0.0)
    up_a = ask * np.maximum(-per_unit, 0.0)
    dn_b = bid * np.maximum(-per_unit, 0.0)
    dn_a = ask * np.maximum(per_unit, 0.0)
    up = np.bincount(group, up_b + up_a, n_groups)
    dn = np.bincount(group, dn_b + dn_a, n_groups)
    room_up = np.maximum(limit - current, 0.0)
    room_dn = np.maximum(limit + current, 0.0)
    f_up = np.where(up > room_up, room_up / np.where(up > 0.0, up, 1.0), 1.0)[group]
    f_dn = np.where(dn > room_dn, room_dn / np.where(dn > 0.0, dn, 1.0), 1.0)[group]
    f_bid = np.where(per_unit > 0.0, f_up, np.where(per_unit < 0.0, f_dn, 1.0))
    f_ask = np.where(per_unit > 0.0, f_dn, np.where(per_unit < 0.0, f_up, 1.0))
    return f_bid, f_ask


def sweep_fill_share(
    bid_edge: Float64Array,
    ask_edge: Float64Array,
    delta: Float64Array,
    spot_move: float,
    share: float,
) -> tuple[Float64Array, Float64Array]:
    """Share of each resting leg assumed to fill in one sweep.

    A leg within reach of a move of the underlying of ``spot_move`` — its
    distance from theo at most |delta|·spot_move, so a competitor quoting around
    a fair value that far off trades through it — fills in full (1.0); the other
    legs fill ``share``.

    Parameters
    ----------
    bid_edge, ask_edge : ndarray
        theo − bid and ask − theo per option, currency per share (≤ 0: at or
        through theo).
    delta : ndarray
        Option delta per share.
    spot_move : float
        Move of the underlying, currency per share (≥ 0).
    share : float
        Share of the other legs (0..1).

    Returns
    -------
    bid_share, ask_share : ndarray
        1.0 or ``share`` per leg.

    Examples
    --------
    >>> import numpy as np
    >>> sweep_fill_share(np.array([0.01, 0.05]), np.array([0.03, 0.0]),
    ...                  np.array([0.9, -0.1]), 0.02, 0.2)
    (array([1. , 0.2]), array([0.2, 1. ]))
    """
    reach = np.abs(np.asarray(delta, dtype=np.float64)) * spot_move
    bid_share = np.where(np.asarray(bid_edge) <= reach, 1.0, share)
    ask_share = np.where(np.asarray(ask_edge) <= reach, 1.0, share)
    return bid_share, ask_share


def _leg_shares(
    n: int, share: float, bid_share: Float64Array | None, ask_share: Float64Array | None
) -> tuple[Float64Array, Float64Array]:
    b = np.full(n, share) if bid_share is None else _f64(bid_share)
    a = np.full(n, share) if ask_share is None else _f64(ask_share)
    return b, a


def sweep_scale(
    book: BookExposure,
    risk: ContractRisk,
    limits: LimitsConfig,
    bid_size: Float64Array,
    ask_size: Float64Array,
    share: float,
    bid_share: Float64Array | None = None,
    ask_share: Float64Array | None = None,
) -> tuple[Float64Array, Float64Array]:
    """Shrink quote sizes so the legs' worst case in one sweep stays inside the limits.

    One numba pass (:func:`mmdesk.risk.headroom_kernels.sweep_scale_kernel`);
    :func:`sweep_scale_numpy` is the same rule written with numpy. Parameters
    as there.
    """
    if share <= 0.0 and bid_share is None and ask_share is None:
        return bid_size, ask_size
    n = risk.delta.shape[0]
    w_bid, w_ask = _leg_shares(n, share, bid_share, ask_share)
    bid_out = np.empty(n)
    ask_out = np.empty(n)
    sweep_scale_kernel(
        np.array([book.delta, book.gamma, book.vega, book.notional], dtype=np.float64),
        _f64(book.expiry_vega),
        _f64(book.expiry_gamma),
        _f64(book.expiry_contracts),
        _f64(risk.delta),
        _f64(risk.gamma),
        _f64(risk.vega),
        _f64(risk.notional),
        np.ascontiguousarray(risk.expiry, dtype=np.int64),
        _packed_limits(limits),
        w_bid,
        w_ask,
        _f64(bid_size),
        _f64(ask_size),
        bid_out,
        ask_out,
    )
    return bid_out, ask_out


def sweep_scale_numpy(
    book: BookExposure,
    risk: ContractRisk,
    limits: LimitsConfig,
    bid_size: Float64Array,
    ask_size: Float64Array,
    share: float,
    bid_share: Float64Array | None = None,
    ask_share: Float64Array | None = None,
) -> tuple[Float64Array, Float64Array]:
    """Shrink quote sizes so the legs' worst case in one sweep stays inside the limits.

    For every signed exposure (name delta, gamma, vega; per-expiry vega and
    gamma) and every gross one (contracts per expiry, notional), the quotes that
    move it toward one limit are scaled by a common factor so that their summed
    worst case — each leg filling its share of its size — fits in the room left
    to that limit.

    Parameters
    ----------
    book, risk, limits
        As in :func:`quote_headroom` (use the hard limits).
    bid_size, ask_size : ndarray
        Sizes already capped per quote (contracts).
    share : float
        Share of each leg assumed to fill at once (0..1; 0 with no per-leg
        shares = off).
    bid_share, ask_share : ndarray, optional
        Per-leg shares instead of ``share`` (:func:`sweep_fill_share`).

    Returns
    -------
    bid, ask : ndarray
        Sizes, floored to whole contracts.
    """
    if share <= 0.0 and bid_share is None and ask_share is None:
        return bid_size, ask_size
    n = risk.delta.shape[0]
    w_bid, w_ask = _leg_shares(n, share, bid_share, ask_share)
    one = np.zeros(n, dtype=np.int64)
    e = risk.expiry
    n_exp = book.expiry_vega.shape[0]
    fb = np.ones(n)
    fa = np.ones(n)
    terms = (
        (np.array([book.delta]), limits.delta, risk.delta, one, 1),
        (np.array([book.gamma]), limits.gamma, risk.gamma, one, 1),
        (np.array([book.vega]), limits.vega, risk.vega, one, 1),
        (book.expiry_vega, limits.expiry_vega, risk.vega, e, n_exp),
        (book.expiry_gamma, limits.expiry_gamma, risk.gamma, e, n_exp),
    )
    swept_b = bid_size * w_bid  # contracts each leg fills in the sweep
    swept_a = ask_size * w_ask
    for current, limit, per_unit, group, n_groups in terms:
        b, a = _direction_factors(current, limit, per_unit, swept_b, swept_a, group, n_groups)
        fb = np.minimum(fb, b)
        fa = np.minimum(fa, a)
    # gross counts: every contract quoted may open a position
    total = np.bincount(e, swept_b + swept_a, n_exp)
    room = np.maximum(limits.expiry_contracts - book.expiry_contracts, 0.0)
    f = np.where(total > room, room / np.where(total > 0.0, total, 1.0), 1.0)[e]
    notional = float(np.sum((swept_b + swept_a) * risk.notional))
    room_n = max(limits.notional - book.notional, 0.0)
    f = np.minimum(f, room_n / notional if notional > room_n else 1.0)
    return np.floor(bid_size * np.minimum(fb, f)), np.floor(ask_size * np.minimum(fa, f))

"""One requote of the central book, from priced quotes to the legs to send, in one numba pass.

A requote runs thousands of times a day on a ~100-option chain; as separate
steps (each a kernel with its numpy glue) it cost more in Python calls and
small allocations than in arithmetic. :func:`quote_pass` runs the same steps,
with the same floating-point operations, in one call:

1. the quotes on the tick grid, clamped inside the visible market
   (:func:`mmdesk.desk.quoter.quote_grid` of reservation ∓ half-spread);
2. the size wanted per side and the legs' prices
   (:func:`mmdesk.desk.requote.quote_wants`);
3. each leg's share in one sweep: 1 within ``|delta| · spot_move`` of theo,
   ``share`` otherwise (:func:`mmdesk.risk.headroom.sweep_fill_share`);
4. the risk gate's sizes (:meth:`mmdesk.risk.gate.RiskGate.quote_sizes` when
   not HALTED): options running down quoted only to close, each side capped
   by its headroom against the quoting limits
   (:func:`mmdesk.risk.headroom_kernels.quote_headroom_kernel`), then the
   sweep guard against the hard limits
   (:func:`mmdesk.risk.headroom_kernels.sweep_scale_kernel`);
5. the collar, the passive-only rule and the legs that changed
   (:func:`mmdesk.desk.quote_legs.quote_legs`).

Units: prices in integer venue units (0 = no quote) or currency per share
(``_px``), sizes in contracts. Packed inputs as in
:mod:`mmdesk.risk.headroom_kernels` (``book`` = delta, gamma, vega, notional;
limits = :func:`mmdesk.risk.headroom.packed_limits`).
"""

from __future__ import annotations

import numba
import numpy as np

from mmdesk.desk.np_exact import max_nan, min_nan
from mmdesk.desk.quote_legs import quote_legs
from mmdesk.desk.quoter import quote_grid
from mmdesk.desk.requote import quote_wants
from mmdesk.risk.headroom_kernels import quote_headroom_kernel, sweep_scale_kernel
from mmdesk.typing import BoolArray, Float64Array, Int64Array


def quote_pass_python(
    reservation: Float64Array,
    half_spread: Float64Array,
    tick: Float64Array,
    grid_unit: float,
    starts: Int64Array,
    steps: Int64Array,
    nbands: int,
    other_bid: Int64Array,
    other_ask: Int64Array,
    live: BoolArray,
    fitted: BoolArray,
    expiry: Int64Array,
    quote_size: float,
    unit: float,
    theo: Float64Array,
    delta: Float64Array,
    spot_move: float,
    share: float,
    run_down: BoolArray,
    any_run_down: bool,
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
    quoting_strike_limit: Float64Array,
    quoting_limits: Float64Array,
    hard_limits: Float64Array,
    reducing: bool,
    collar_ticks: float,
    collar_fraction: float,
    passive_only: bool,
    sent_bid: Int64Array,
    sent_ask: Int64Array,
    sent_bq: Int64Array,
    sent_aq: Int64Array,
    bid_out: Int64Array,
    ask_out: Int64Array,
    bq_out: Int64Array,
    aq_out: Int64Array,
    changed: BoolArray,
) -> tuple[int, int]:
    """Grid, sizes and changed legs of every option (module docstring, steps 1–5).

    Parameters
    ----------
    reservation, half_spread, tick : ndarray
        The quoter's pricing per option, currency per share.
    grid_unit, starts, steps, nbands : float, ndarray, ndarray, int
        The option tick table (:class:`mmdesk.venue.ticks.TickTable`).
    other_bid, other_ask : ndarray of int64
        Visible best bid and ask per option, units (≤ 0: none).
    live : ndarray of bool
        Options not expired.
    fitted : ndarray of bool
        Expiries with a fitted smile.
    expiry : ndarray of int64
        Expiry index per option.
    quote_size : float
        Contracts wanted per side.
    unit : float
        Currency per price unit.
    theo, delta : ndarray
        Theo (currency per share) and delta per share.
    spot_move : float
        The sweep guard's move of the underlying, currency per share.
    share : float
        The sweep share of a leg not within reach of that move.
    run_down : ndarray of bool
        Options quoted only to close; ``any_run_down`` is ``run_down.any()``.
    book, expiry_vega, expiry_gamma, expiry_contracts, strike_contracts, position : ndarray
        The book's exposures (packed name totals, per expiry, per strike cell, per option).
    r_delta, r_gamma, r_vega, r_notional, r_expiry, r_cell : ndarray
        Per-contract exposures of each option.
    quoting_strike_limit : ndarray
        Each option's strike-cell limit × ``breach_fraction``.
    quoting_limits, hard_limits : ndarray
        Packed quoting (× ``breach_fraction``) and hard limits.
    reducing : bool
        The gate is REDUCING.
    collar_ticks, collar_fraction, passive_only : float, float, bool
        As in :func:`mmdesk.desk.quote_legs.quote_legs`.
    sent_bid, sent_ask, sent_bq, sent_aq : ndarray of int64
        What rests now (units, contracts).
    bid_out, ask_out, bq_out, aq_out, changed : ndarray
        The quotes to rest (units, contracts; 0 = none) and the options with a leg to send.

    Returns
    -------
    clamped, pulled : int
        Sides clamped inside the market; sides with size pulled by the collar.
    """
    n = reservation.shape[0]
    lo = np.empty(n)
    hi = np.empty(n)
    for i in range(n):
        lo[i] = reservation[i] - half_spread[i]
        hi[i] = reservation[i] + half_spread[i]
    bid = np.zeros(n, dtype=np.int64)
    ask = np.zeros(n, dtype=np.int64)
    clamped = quote_grid(lo, hi, grid_unit, starts, steps, nbands, other_bid, other_ask, bid, ask)
    want_b = np.empty(n)
    want_a = np.empty(n)
    bid_px = np.empty(n)
    ask_px = np.empty(n)
    quote_wants(live, fitted, expiry, bid, ask, quote_size, unit, want_b, want_a, bid_px, ask_px)
    w_bid = np.empty(n)
    w_ask = np.empty(n)
    for i in range(n):
        reach = abs(delta[i]) * spot_move
        w_bid[i] = 1.0 if theo[i] - bid_px[i] <= reach else share
        w_ask[i] = 1.0 if ask_px[i] - theo[i] <= reach else share
    if any_run_down:
        for i in range(n):
            if run_down[i]:
                want_b[i] = min_nan(want_b[i], max_nan(-position[i], 0.0))
                want_a[i] = min_nan(want_a[i], max_nan(position[i], 0.0))
    max_bid = np.empty(n)
    max_ask = np.empty(n)
    quote_headroom_kernel(
        book, expiry_vega, expiry_gamma, expiry_contracts, strike_contracts, position,
        r_delta, r_gamma, r_vega, r_notional, r_expiry, r_cell, quoting_strike_limit,
        quoting_limits, reducing, max_bid, max_ask,
    )  # fmt: skip
    for i in range(n):
        max_bid[i] = min_nan(want_b[i], max_bid[i])
        max_ask[i] = min_nan(want_a[i], max_ask[i])
    cap_b = np.empty(n)
    cap_a = np.empty(n)
    sweep_scale_kernel(
        book, expiry_vega, expiry_gamma, expiry_contracts, r_delta, r_gamma, r_vega,
        r_notional, r_expiry, hard_limits, w_bid, w_ask, max_bid, max_ask, cap_b, cap_a,
    )  # fmt: skip
    pulled = quote_legs(
        bid, ask, cap_b, cap_a, theo, tick, unit, collar_ticks, collar_fraction, passive_only,
        sent_bid, sent_ask, sent_bq, sent_aq, bid_out, ask_out, bq_out, aq_out, changed,
    )  # fmt: skip
    return clamped, pulled


quote_pass = numba.njit(cache=True)(quote_pass_python)

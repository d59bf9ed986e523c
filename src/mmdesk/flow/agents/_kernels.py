"""Numba kernels of the flow agents (each with its pure-Python twin ``*_python``)."""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from mmdesk.typing import BoolArray, Float64Array, Int64Array
from mmdesk.venue.ticks import round_down, round_up

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
        price[i], vega[i] = _price_vega_one(
            spot, strike[i], t, vol[i], rate, div_yield, is_call[i], math.sqrt(t),
            math.exp(-div_yield * t), math.exp(-rate * t), math.log(spot / strike[i]),
        )  # fmt: skip


def _price_vega_one_python(
    spot: float, strike: float, t: float, s: float, rate: float, div_yield: float,
    is_call: bool, sq: float, df_q: float, df_r: float, log_moneyness: float,
) -> tuple[float, float]:  # fmt: skip
    """Black–Scholes price and vega of one option, given ``sqrt(t)``, the discount
    factors ``exp(-q t)``, ``exp(-r t)`` and ``ln(spot / strike)`` (shared by options
    that differ only in vol)."""
    d1 = (log_moneyness + (rate - div_yield + 0.5 * s * s) * t) / (s * sq)
    d2 = d1 - s * sq
    if is_call:
        price = spot * df_q * 0.5 * math.erfc(-d1 * _INV_SQRT2) - strike * df_r * 0.5 * math.erfc(
            -d2 * _INV_SQRT2
        )
    else:
        price = strike * df_r * 0.5 * math.erfc(d2 * _INV_SQRT2) - spot * df_q * 0.5 * (
            math.erfc(d1 * _INV_SQRT2)
        )
    return price, spot * df_q * math.exp(-0.5 * d1 * d1) * _INV_SQRT_2PI * sq


_price_vega_one = numba.njit(cache=True)(_price_vega_one_python)
bs_price_vega = numba.njit(cache=True)(bs_price_vega_python)


def mm_theo_python(
    spot: float,
    x: Float64Array,
    strike: Float64Array,
    tau: Float64Array,
    sqrt_tau: Float64Array,
    consensus: float,
    skew: float,
    curvature: float,
    eps: Float64Array,
    eta: Float64Array,
    rate: float,
    div_yield: float,
    is_call: BoolArray,
    theo: Float64Array,
    vega: Float64Array,
) -> None:
    """Every maker's theo and vega on every option, in place (currency; see ``MarketMakers``).

    Maker ``j`` values option ``i`` at the vol
    ``max(consensus * (1 + skew x_i + curvature x_i**2) + eps_j + eta_ji, 0.01)``
    with Black–Scholes (:func:`bs_price_vega`); the terms that do not depend on
    the vol are computed once per option.

    Parameters
    ----------
    x
        (n_options,) ``ln(K / S) / sqrt(tau)``.
    strike, tau, sqrt_tau, is_call
        (n_options,) strike (currency), time to expiry (years) and its root, call flag.
    eps, eta
        (n_makers,) and (n_makers, n_options) vol errors.
    theo, vega
        (n_makers, n_options) outputs.
    """
    m, n = eta.shape
    for i in range(n):
        xi = x[i]
        smile = consensus * (1.0 + skew * xi + curvature * xi * xi)
        t = tau[i]
        sq = sqrt_tau[i]
        df_q = math.exp(-div_yield * t)
        df_r = math.exp(-rate * t)
        lm = math.log(spot / strike[i])
        for j in range(m):
            v = smile + eps[j] + eta[j, i]
            s = 0.01 if v < 0.01 else v  # np.maximum(v, 0.01), NaN kept
            theo[j, i], vega[j, i] = _price_vega_one(
                spot, strike[i], t, s, rate, div_yield, is_call[i], sq, df_q, df_r, lm
            )


mm_theo = numba.njit(cache=True)(mm_theo_python)


def mm_quotes_python(
    theo: Float64Array,
    vega: Float64Array,
    sent_bid: Int64Array,
    sent_ask: Int64Array,
    sent_bid_qty: Int64Array,
    sent_ask_qty: Int64Array,
    view_bid: Int64Array,
    view_ask: Int64Array,
    live: BoolArray,
    unit: float,
    min_half_spread: float,
    half_spread_vol: float,
    half_spread_frac: float,
    requote_frac: float,
    quote_size: int,
    full: bool,
    starts: Int64Array,
    steps: Int64Array,
    nbands: int,
    bid: Int64Array,
    ask: Int64Array,
    bid_qty: Int64Array,
    ask_qty: Int64Array,
    send: BoolArray,
) -> None:
    """The competing makers' quotes for every (maker, option), in place (integer price units).

    Parameters
    ----------
    theo, vega
        (n_makers, n_options) theo (currency) and vega (currency per unit vol).
    sent_bid, sent_ask, sent_bid_qty, sent_ask_qty
        (n_makers, n_options) the quotes last sent (0 = none).
    view_bid, view_ask
        (n_options,) best bid/ask resting in the book as last seen (-1 = empty side).
    live
        (n_options,) not yet expired.
    unit
        Currency per integer price unit.
    min_half_spread, half_spread_vol, half_spread_frac
        ``half_spread = max(min, vol * vega + frac * theo)``, currency.
    requote_frac
        Keep a leg while ``|theo - quoted mid| < requote_frac * half_spread``.
    quote_size
        Contracts per side.
    full
        Send every leg (full refresh) instead of the changed ones.
    starts, steps, nbands
        The option tick table (``mmdesk.venue.ticks.TickTable``).
    bid, ask, bid_qty, ask_qty, send
        Outputs (n_makers, n_options): prices (bid 0 = none), sizes, legs to send.

    Notes
    -----
    Bids round down and asks round up onto the grid; no bid is above one tick
    below the best ask (the makers' new asks and the resting ``view_ask``), no
    ask below one tick above the best bid; an option with a bid of 0 is quoted
    ask-only; expired options are pulled.
    """
    m, n = theo.shape
    for j in range(m):
        for i in range(n):
            hs = max(min_half_spread, half_spread_vol * vega[j, i] + half_spread_frac * theo[j, i])
            qmid = 0.5 * (sent_bid[j, i] + sent_ask[j, i]) * unit
            if sent_ask[j, i] > 0 and abs(theo[j, i] - qmid) < requote_frac * hs:
                bid[j, i] = sent_bid[j, i]
                ask[j, i] = sent_ask[j, i]
            else:
                bid[j, i] = round_down(
                    math.floor((theo[j, i] - hs) / unit + 1e-9), starts, steps, nbands
                )
                ask[j, i] = round_up(
                    math.ceil((theo[j, i] + hs) / unit - 1e-9), starts, steps, nbands
                )
    for i in range(n):
        best_ask = ask[0, i]
        best_bid = bid[0, i]
        for j in range(1, m):
            best_ask = min(best_ask, ask[j, i])
            best_bid = max(best_bid, bid[j, i])
        if view_ask[i] > 0:
            best_ask = min(best_ask, view_ask[i])
        best_bid = max(best_bid, view_bid[i])
        bid_cap = round_down(best_ask - 1, starts, steps, nbands)
        ask_floor = round_up(max(best_bid, 0) + 1, starts, steps, nbands)
        for j in range(m):
            b = min(bid[j, i], bid_cap)
            a = max(ask[j, i], ask_floor)
            bq = quote_size if (b > 0 and live[i]) else 0
            aq = quote_size if live[i] else 0
            if bq == 0:
                b = 0
            bid[j, i] = b
            ask[j, i] = a
            bid_qty[j, i] = bq
            ask_qty[j, i] = aq
            send[j, i] = full or (
                b != sent_bid[j, i]
                or a != sent_ask[j, i]
                or bq != sent_bid_qty[j, i]
                or aq != sent_ask_qty[j, i]
            )


mm_quotes = numba.njit(cache=True)(mm_quotes_python)


def mm_quote_rows_python(
    send: BoolArray,
    owner_ids: Int64Array,
    instrument: Int64Array,
    bid: Int64Array,
    bid_qty: Int64Array,
    ask: Int64Array,
    ask_qty: Int64Array,
    out: Any,
) -> None:
    """The makers' legs to send as QUOTE_DTYPE rows, maker by maker then option by option.

    Parameters
    ----------
    send
        (n_makers, n_options) legs to send (``out`` has one row per True).
    owner_ids
        (n_makers,) venue owner id of each maker.
    instrument
        (n_options,) instrument id of each option.
    bid, bid_qty, ask, ask_qty
        (n_makers, n_options) prices (integer units) and sizes (contracts).
    out
        QUOTE_DTYPE rows, written in place.
    """
    r = 0
    m, n = send.shape
    for j in range(m):
        for i in range(n):
            if send[j, i]:
                q = out[r]
                q["owner"] = owner_ids[j]
                q["instrument"] = instrument[i]
                q["bid"] = bid[j, i]
                q["bid_qty"] = bid_qty[j, i]
                q["ask"] = ask[j, i]
                q["ask_qty"] = ask_qty[j, i]
                r += 1


mm_quote_rows = numba.njit(cache=True)(mm_quote_rows_python)


def mm_requote_python(
    theo: Float64Array,
    vega: Float64Array,
    sent_bid: Int64Array,
    sent_ask: Int64Array,
    sent_bid_qty: Int64Array,
    sent_ask_qty: Int64Array,
    view_bid: Int64Array,
    view_ask: Int64Array,
    live: BoolArray,
    unit: float,
    min_half_spread: float,
    half_spread_vol: float,
    half_spread_frac: float,
    requote_frac: float,
    quote_size: int,
    full: bool,
    starts: Int64Array,
    steps: Int64Array,
    nbands: int,
    owner_ids: Int64Array,
    instrument: Int64Array,
    template: Any,
) -> tuple[Int64Array, Int64Array, Int64Array, Int64Array, Any]:
    """:func:`mm_quotes` then :func:`mm_quote_rows` in one call: the new quotes and the legs.

    ``view_bid``, ``view_ask`` are the book's (n_options + 1,) columns (instrument 0,
    the underlying, first; -1 = empty side); ``template`` an empty QUOTE_DTYPE array
    (its dtype is the rows'). The other parameters are those of the two kernels.

    Returns
    -------
    bid, ask, bid_qty, ask_qty
        (n_makers, n_options) the quotes now standing (prices in integer units).
    rows
        QUOTE_DTYPE rows of the legs to send, maker by maker then option by option.
    """
    m, n = theo.shape
    bid = np.empty((m, n), dtype=np.int64)
    ask = np.empty((m, n), dtype=np.int64)
    bid_qty = np.empty((m, n), dtype=np.int64)
    ask_qty = np.empty((m, n), dtype=np.int64)
    send = np.empty((m, n), dtype=np.bool_)
    mm_quotes(
        theo, vega, sent_bid, sent_ask, sent_bid_qty, sent_ask_qty, view_bid[1:], view_ask[1:],
        live, unit, min_half_spread, half_spread_vol, half_spread_frac, requote_frac, quote_size,
        full, starts, steps, nbands, bid, ask, bid_qty, ask_qty, send,
    )  # fmt: skip
    k = 0
    for j in range(m):
        for i in range(n):
            if send[j, i]:
                k += 1
    rows = np.empty(k, template.dtype)  # every field is written
    mm_quote_rows(send, owner_ids, instrument, bid, bid_qty, ask, ask_qty, rows)
    return bid, ask, bid_qty, ask_qty, rows


mm_requote = numba.njit(cache=True)(mm_requote_python)


def tau_live_python(
    expiry_ns: Int64Array,
    now_ns: int,
    floor_s: float,
    s_per_year: float,
    tau: Float64Array,
    live: BoolArray,
    sqrt_tau: Float64Array,
) -> None:
    """``Listing.tau``, ``Listing.live`` and ``sqrt(tau)`` in one pass, in place (same floats).

    Parameters
    ----------
    expiry_ns
        Expiry of each option, int64 ns.
    now_ns
        Current time, ns.
    floor_s, s_per_year
        Floor of the time to expiry (seconds) and seconds per ACT/365 year.
    tau, live, sqrt_tau
        Outputs: years to expiry (floored), expiry strictly after ``now_ns``, root of tau.
    """
    for i in range(expiry_ns.shape[0]):
        secs = float(expiry_ns[i] - now_ns) / 1e9
        t = (secs if secs > floor_s else floor_s) / s_per_year
        tau[i] = t
        live[i] = expiry_ns[i] > now_ns
        sqrt_tau[i] = math.sqrt(t)


tau_live = numba.njit(cache=True)(tau_live_python)


def lp_quote_rows_python(
    fair_units: float,
    offset_ticks: Float64Array,
    step: float,
    size: Int64Array,
    owner_ids: Int64Array,
    view_bid: int,
    view_ask: int,
    starts: Int64Array,
    steps: Int64Array,
    nbands: int,
    out: Any,
) -> None:
    """The underlying providers' ladder as QUOTE_DTYPE rows (one per provider), in place.

    Parameters
    ----------
    fair_units
        Latent fair value in integer price units (float).
    offset_ticks, step
        Distance of each provider's quotes from fair, ticks, and units per tick.
    size
        Shares each provider shows a side.
    owner_ids
        Venue owner id of each provider.
    view_bid, view_ask
        Best bid/ask resting in the book as last seen (units, <= 0 if unknown): a
        new bid stays a tick below the ask, a new ask a tick above the bid.
    starts, steps, nbands
        The underlying's tick table (``mmdesk.venue.ticks.TickTable``).
    out
        QUOTE_DTYPE rows (``instrument`` 0), written in place; a bid below one
        tick is pulled (price and size 0).
    """
    seen = view_ask > 0 and view_bid > 0
    bid_cap = round_down(view_ask - 1, starts, steps, nbands) if seen else 0
    ask_floor = round_up(view_bid + 1, starts, steps, nbands) if seen else 0
    for j in range(offset_ticks.shape[0]):
        b = round_down(
            math.floor(fair_units - offset_ticks[j] * step + 1e-9), starts, steps, nbands
        )
        a = round_up(math.ceil(fair_units + offset_ticks[j] * step - 1e-9), starts, steps, nbands)
        if seen:
            b = min(b, bid_cap)
            a = max(a, ask_floor)
        q = out[j]
        q["owner"] = owner_ids[j]
        q["instrument"] = 0
        q["bid"] = max(b, 0)
        q["bid_qty"] = size[j] if b > 0 else 0
        q["ask"] = a
        q["ask_qty"] = size[j]


lp_quote_rows = numba.njit(cache=True)(lp_quote_rows_python)


def order_rows_python(
    keep: BoolArray,
    instrument: Int64Array,
    side: Int64Array,
    price: Int64Array,
    qty: Int64Array,
    tif: int,
    owner: Int64Array,
    out: Any,
) -> None:
    """The kept orders as ORDER_DTYPE rows, in order (client id 0), in place.

    Parameters
    ----------
    keep
        Which candidate orders to write (``out`` has one row per True).
    instrument, side, price, qty, owner
        Per candidate: instrument id, +1 buy / -1 sell, limit price (integer
        units), contracts or shares, venue owner id.
    tif
        Time in force of every row (``mmdesk.venue.participant.TIF_*``).
    """
    r = 0
    for j in range(keep.shape[0]):
        if keep[j]:
            o = out[r]
            o["owner"] = owner[j]
            o["instrument"] = instrument[j]
            o["side"] = side[j]
            o["tif"] = tif
            o["price"] = price[j]
            o["qty"] = qty[j]
            r += 1


order_rows = numba.njit(cache=True)(order_rows_python)

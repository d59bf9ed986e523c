"""The gamma the limits see on an option's expiry date: the delta ladder's, not the analytic one.

Black–Scholes gamma at the strike grows like ``1/sqrt(τ)`` and has no bound as
``τ → 0``: a few contracts at the money would cross any gamma limit in the last
minutes of their life with no order sent, although the delta they can cost a
hedger over any move is at most one share per share. Desks limit what a
revaluation ladder shows instead — the change of the book's delta over a
``± move`` shock of the underlying, per unit of spot:

    Γ_ladder = (Δ(S (1 + m)) − Δ(S (1 − m))) / (2 m S)      [shares per 1.00 of spot, per share]

which equals the analytic gamma to ``O(m² / (σ² τ))`` far from expiry and is at
most ``1 / (2 m S)`` per share at any ``τ`` (a one-share delta swing over the
ladder's width). :func:`limit_gamma` uses it for the options on their expiry date
(the calendar day of their expiry, in the scenario's clock: sessions never run
past midnight) and keeps the analytic gamma for every other option.
"""

from __future__ import annotations

import numpy as np

from mmdesk.pricing import bs_greeks
from mmdesk.typing import BoolArray, Float64Array, Int64Array

NS_PER_DAY = 86_400 * 1_000_000_000
_S_PER_YEAR = 365.0 * 86_400.0
_TAU_FLOOR_S = 60.0  # as the listing's and the audit's time to expiry


def ladder_gamma(
    spot: float,
    strike: Float64Array,
    tau: Float64Array,
    vol: Float64Array,
    rate: float,
    div_yield: float,
    is_call: BoolArray,
    move: float,
) -> Float64Array:
    """Per-share gamma of a ``±move`` delta ladder, shares per 1.00 of spot.

    Parameters
    ----------
    spot : float
        Underlying price, currency.
    strike, tau, vol : ndarray
        Strikes (currency), times to expiry (years) and vols (annualised) per option.
    rate, div_yield : float
        Continuously compounded rate and dividend yield (annualised).
    is_call : ndarray of bool
        Call (True) or put (False) per option.
    move : float
        Relative shock of the ladder's rungs (0.01 = ±1 %), > 0.

    Returns
    -------
    ndarray
        ``(Δ(S(1 + move)) − Δ(S(1 − move))) / (2·move·S)`` per option, same shape as ``strike``.
    """
    if not 0.0 < move < 1.0:
        raise ValueError(f"ladder move must lie in (0, 1), got move={move!r}")
    up = bs_greeks(spot * (1.0 + move), strike, tau, vol, rate, div_yield, is_call).delta
    down = bs_greeks(spot * (1.0 - move), strike, tau, vol, rate, div_yield, is_call).delta
    return np.asarray((up - down) / (2.0 * move * spot), dtype=np.float64)


def on_expiry_date(ts_ns: int, expiry_ns: Int64Array) -> BoolArray:
    """Options whose expiry falls on the calendar day of ``ts_ns`` (ns clock), not yet expired."""
    exp = np.asarray(expiry_ns, dtype=np.int64)
    return np.asarray((exp // NS_PER_DAY == int(ts_ns) // NS_PER_DAY) & (exp > int(ts_ns)))


def limit_gamma(
    gamma: Float64Array,
    ts_ns: int,
    expiry_ns: Int64Array,
    spot: float,
    strike: Float64Array,
    vol: Float64Array,
    rate: float,
    div_yield: float,
    is_call: BoolArray,
    move: float,
) -> Float64Array:
    """Per-share gamma for the limits: the ladder's on the expiry date, ``gamma`` elsewhere.

    Parameters
    ----------
    gamma : ndarray
        Analytic per-share gamma of each option at ``ts_ns`` (shares per 1.00 of spot).
    ts_ns : int
        The time the gamma is for, ns.
    expiry_ns : ndarray of int64
        Expiry per option, ns.
    spot, strike, vol, rate, div_yield, is_call
        As in :func:`ladder_gamma`; the time to expiry is taken from ``expiry_ns`` at
        ``ts_ns`` (ACT/365, floored at 60 s like the listing's).
    move : float
        Ladder shock (relative); 0 keeps the analytic gamma everywhere.

    Returns
    -------
    ndarray
        ``gamma`` itself when no option is on its expiry date (or ``move`` is 0),
        else a copy with those options' gamma replaced by :func:`ladder_gamma`.
    """
    if move == 0.0:
        return gamma
    today = np.flatnonzero(on_expiry_date(ts_ns, expiry_ns))
    if today.size == 0:
        return gamma
    secs = (np.asarray(expiry_ns, dtype=np.int64)[today] - np.int64(ts_ns)).astype(np.float64)
    tau = np.maximum(secs / 1e9, _TAU_FLOOR_S) / _S_PER_YEAR
    out = np.array(gamma, dtype=np.float64, copy=True)
    out[today] = ladder_gamma(
        spot,
        np.asarray(strike)[today],
        tau,
        np.asarray(vol)[today],
        rate,
        div_yield,
        np.asarray(is_call)[today],
        move,
    )
    return out

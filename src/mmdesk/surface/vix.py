"""Model-free implied variance and a 30-day constant-maturity index (Cboe VIX methodology).

Follows the Cboe VIX white paper ("Cboe Volatility Index", 2014+ editions,
"The VIX Index Calculation: Step-by-Step") rule by rule, for one expiry:

1. Mids Q = (bid + ask) / 2. The forward strike is the strike at which the
   absolute difference |C - P| of the call and put mids is smallest, among
   strikes where both the call and the put have a non-zero bid;
   F = K + e^{RT} (C - P).
2. K0 = the first strike equal to or otherwise immediately below F.
3. Puts with K < K0, walking down from K0: a put with a zero bid is excluded;
   once two puts with consecutive strikes have zero bids, no lower strike is
   used. Calls with K > K0, walking up, the same way.
4. At K0 both the put and the call are used: Q(K0) = (put mid + call mid) / 2.
5. Delta K_i = (K_{i+1} - K_{i-1}) / 2 over the selected strip; at the lowest
   and highest strike of the strip it is the distance to the adjacent strike.
6. sigma^2 = (2/T) sum_i Delta K_i / K_i^2 e^{RT} Q(K_i) - (1/T) (F/K0 - 1)^2.

``vix_index`` interpolates the two terms' total variances to 30 days exactly
as the white paper, VIX = 100 sqrt({T1 s1 (N_T2 - N_30)/(N_T2 - N_T1) +
T2 s2 (N_30 - N_T1)/(N_T2 - N_T1)} N_365/N_30), with the minute counts N
replaced by years (N_T = T * 525,600 minutes, so every ratio is unchanged).

Units: strikes and prices in index points, T in years (ACT/365), R
continuously compounded, variance annualised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mmdesk.typing import BoolArray, Float64Array

MINUTES_PER_YEAR = 525_600
#: Target maturity of the constant-maturity index, days.
TARGET_DAYS = 30


@dataclass(frozen=True)
class MFVResult:
    """Model-free variance of one expiry and the pieces it came from.

    Attributes
    ----------
    forward : float
        F = K* + e^{RT} (C - P) at the forward strike K*.
    forward_strike : float
        K*, the strike with the smallest |C - P|.
    k0 : float
        First strike at or below F.
    variance : float
        sigma^2, annualised (NaN when no strip could be formed).
    correction : float
        (1/T) (F/K0 - 1)^2, already subtracted from ``variance``.
    strikes, prices, delta_k, contributions : float64 arrays
        The selected strip: strike K_i, price Q(K_i) (put below K0, call above,
        put/call average at K0), Delta K_i and Delta K_i / K_i^2 e^{RT} Q(K_i).
    """

    forward: float
    forward_strike: float
    k0: float
    variance: float
    correction: float
    strikes: Float64Array
    prices: Float64Array
    delta_k: Float64Array
    contributions: Float64Array


def _strip_mask(zero_bid: BoolArray) -> BoolArray:
    """Options kept walking away from K0: non-zero bids before the first two consecutive zero bids.

    ``zero_bid`` is ordered from K0 outwards (nearest strike first).
    """
    n = zero_bid.shape[0]
    pair = np.flatnonzero(zero_bid[:-1] & zero_bid[1:]) if n > 1 else np.empty(0, dtype=np.int64)
    stop = int(pair[0]) if pair.size else n
    keep = ~zero_bid
    keep[stop:] = False
    return keep


def strike_deltas(strikes: Float64Array) -> Float64Array:
    """Delta K_i of a sorted strip: half the distance between neighbours, one-sided at the ends."""
    k = np.asarray(strikes, dtype=np.float64)
    if k.size < 2:
        return np.zeros_like(k)
    dk = np.empty_like(k)
    dk[1:-1] = 0.5 * (k[2:] - k[:-2])
    dk[0] = k[1] - k[0]
    dk[-1] = k[-1] - k[-2]
    return dk


def model_free_variance(
    strikes: npt.ArrayLike,
    call_bid: npt.ArrayLike,
    call_ask: npt.ArrayLike,
    put_bid: npt.ArrayLike,
    put_ask: npt.ArrayLike,
    t: float,
    rate: float,
) -> MFVResult:
    """Cboe model-free implied variance of one expiry (see module docstring).

    Parameters
    ----------
    strikes : array
        Strikes (index points), one row per strike with both a call and a put.
    call_bid, call_ask, put_bid, put_ask : arrays
        Quotes; a bid of 0 or NaN is "no bid".
    t : float
        Years to settlement (> 0).
    rate : float
        Risk-free rate to expiry, continuously compounded.

    Returns
    -------
    MFVResult

    Raises
    ------
    ValueError
        If ``t <= 0``, arrays differ in length, or no strike has both a call
        and a put bid (the forward is undefined).
    """
    if not t > 0:
        raise ValueError(f"t must be > 0 years; got {t!r}")
    k = np.asarray(strikes, dtype=np.float64)
    arrays = [np.asarray(a, dtype=np.float64) for a in (call_bid, call_ask, put_bid, put_ask)]
    for name, a in zip(("call_bid", "call_ask", "put_bid", "put_ask"), arrays, strict=True):
        if a.shape != k.shape:
            raise ValueError(f"{name} has shape {a.shape}; strikes have {k.shape}")
    order = np.argsort(k, kind="stable")
    k = k[order]
    cb, ca, pb, pa = (a[order] for a in arrays)
    growth = float(np.exp(rate * t))
    with np.errstate(invalid="ignore"):
        c_zero = ~(cb > 0)
        p_zero = ~(pb > 0)
    c_mid = 0.5 * (cb + ca)
    p_mid = 0.5 * (pb + pa)
    both = ~c_zero & ~p_zero & np.isfinite(c_mid) & np.isfinite(p_mid)
    if not np.any(both):
        raise ValueError(
            "no strike has both a call and a put with a non-zero bid: forward undefined"
        )
    diff = np.where(both, np.abs(c_mid - p_mid), np.inf)
    i_star = int(np.argmin(diff))
    forward = float(k[i_star] + growth * (c_mid[i_star] - p_mid[i_star]))
    below = np.flatnonzero(k <= forward)
    i0 = int(below[-1]) if below.size else 0
    k0 = float(k[i0])
    # puts below K0, nearest first; calls above K0, nearest first
    put_idx = np.arange(i0 - 1, -1, -1)
    call_idx = np.arange(i0 + 1, k.size)
    puts = put_idx[_strip_mask(p_zero[put_idx])]
    calls = call_idx[_strip_mask(c_zero[call_idx])]
    idx = np.concatenate((puts[::-1], [i0], calls))
    q = np.concatenate((p_mid[puts[::-1]], [0.5 * (p_mid[i0] + c_mid[i0])], c_mid[calls]))
    strip_k = k[idx]
    dk = strike_deltas(strip_k)
    contrib = dk / strip_k**2 * growth * q
    correction = (forward / k0 - 1.0) ** 2 / t
    variance = 2.0 / t * float(np.sum(contrib)) - correction
    return MFVResult(
        forward=forward,
        forward_strike=float(k[i_star]),
        k0=k0,
        variance=variance,
        correction=correction,
        strikes=strip_k,
        prices=q,
        delta_k=dk,
        contributions=contrib,
    )


def vix_index(
    t_near: float,
    var_near: float,
    t_next: float,
    var_next: float,
    *,
    target_days: float = TARGET_DAYS,
) -> float:
    """30-day constant-maturity volatility index from two terms (white paper step 3).

    Parameters
    ----------
    t_near, t_next : float
        Years to settlement of the near and next terms (``t_near < t_next``).
    var_near, var_next : float
        Their model-free variances sigma^2 (annualised).
    target_days : float
        Constant maturity in days (30 for VIX).

    Returns
    -------
    float
        Index level in vol points: 100 * annualised volatility.
        The weights are (N_T2 - N_30)/(N_T2 - N_T1) and (N_30 - N_T1)/(N_T2 - N_T1)
        with N = T * 525,600 minutes; they interpolate when T1 < 30 days < T2 and
        extrapolate linearly in total variance otherwise.
    """
    if not (0 < t_near < t_next):
        raise ValueError(f"need 0 < t_near < t_next; got t_near={t_near!r}, t_next={t_next!r}")
    n1, n2 = t_near * MINUTES_PER_YEAR, t_next * MINUTES_PER_YEAR
    n30 = target_days * 1440.0
    w1 = (n2 - n30) / (n2 - n1)
    w2 = (n30 - n1) / (n2 - n1)
    total = (t_near * var_near * w1 + t_next * var_next * w2) * (MINUTES_PER_YEAR / n30)
    if total < 0:
        raise ValueError(f"interpolated 30-day variance is negative ({total!r})")
    return 100.0 * float(np.sqrt(total))

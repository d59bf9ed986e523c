"""VPIN on the underlying: volume-synchronised probability of informed trading.

Easley, López de Prado & O'Hara (2012), "Flow toxicity and liquidity in a
high-frequency world":

1. **Bars.** Trades are summed into time bars (volume V_τ, last price P_τ).
2. **Bulk volume classification.** Each bar's buy volume is
   V_τ^B = V_τ · Φ(ΔP_τ / σ_ΔP), its sell volume V_τ − V_τ^B, with ΔP_τ the bar's
   price change and σ_ΔP the standard deviation of the bar price changes.
3. **Volume buckets.** Bars fill consecutive buckets of equal volume V; a bar
   that overflows a bucket is split pro rata (exactly: buy volume is linear in
   cumulative volume within a bar).
4. **VPIN** after bucket k is the mean order imbalance |V^B − V^S| / V of the
   last ``n_buckets`` buckets (NaN until that many are full).

Vectorised: ``np.interp`` of cumulative buy volume at the bucket boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from mmdesk.typing import Float64Array, Int64Array


@dataclass(frozen=True, eq=False)
class VpinResult:
    """VPIN per volume bucket.

    Attributes
    ----------
    bucket_end_ns : ndarray
        Time (ns) of the bar that completed each bucket.
    buy, sell : ndarray
        Classified buy and sell volume of each bucket (shares).
    vpin : ndarray
        VPIN after each bucket (NaN for the first ``n_buckets − 1``), in [0, 1].
    bucket_volume : float
        Volume per bucket (shares).
    """

    bucket_end_ns: Int64Array
    buy: Float64Array
    sell: Float64Array
    vpin: Float64Array
    bucket_volume: float


def time_bars(
    ts_ns: Int64Array, price: Float64Array, qty: Float64Array, bar_s: float
) -> tuple[Int64Array, Float64Array, Float64Array]:
    """Sum trades into time bars: (bar end ns, last price, volume), empty bars dropped.

    Raises
    ------
    ValueError
        If ``bar_s`` is not positive or the arrays differ in length.
    """
    if not bar_s > 0.0:
        raise ValueError(f"time_bars: bar_s={bar_s!r} must be > 0")
    t = np.asarray(ts_ns, dtype=np.int64)
    p = np.asarray(price, dtype=np.float64)
    q = np.asarray(qty, dtype=np.float64)
    if not t.shape == p.shape == q.shape:
        raise ValueError(f"time_bars: ts_ns {t.shape}, price {p.shape}, qty {q.shape} differ")
    if t.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    order = np.argsort(t, kind="stable")
    t, p, q = t[order], p[order], q[order]
    step = np.int64(round(bar_s * 1e9))
    bar = (t - t[0]) // step
    ends = np.r_[np.flatnonzero(np.diff(bar)), t.size - 1]
    vol = np.add.reduceat(q, np.r_[0, ends[:-1] + 1])
    return t[0] + (bar[ends] + 1) * step, p[ends], vol


def bulk_buy_fraction(price_change: Float64Array) -> Float64Array:
    """Φ(ΔP / σ_ΔP): the share of each bar's volume classified as buys (1/2 if σ = 0)."""
    dp = np.asarray(price_change, dtype=np.float64)
    sd = float(dp.std()) if dp.size > 1 else 0.0
    if not sd > 0.0:
        return np.full(dp.shape, 0.5)
    return np.asarray(ndtr(dp / sd))


def vpin(
    ts_ns: Int64Array,
    price: Float64Array,
    qty: Float64Array,
    bucket_volume: float,
    n_buckets: int = 50,
    bar_s: float = 60.0,
) -> VpinResult:
    """VPIN of a trade tape (module docstring).

    Parameters
    ----------
    ts_ns, price, qty : ndarray
        Trades of the underlying: time (ns), price (currency), size (shares).
    bucket_volume : float
        Shares per volume bucket (> 0); e.g. a day's volume / 50.
    n_buckets : int
        Buckets in the VPIN window (≥ 1).
    bar_s : float
        Time-bar length, seconds.

    Raises
    ------
    ValueError
        If ``bucket_volume`` or ``n_buckets`` is not positive.
    """
    if not bucket_volume > 0.0:
        raise ValueError(f"vpin: bucket_volume={bucket_volume!r} must be > 0")
    if n_buckets < 1:
        raise ValueError(f"vpin: n_buckets={n_buckets} must be >= 1")
    bar_t, bar_p, bar_v = time_bars(ts_ns, price, qty, bar_s)
    if bar_t.size < 2:
        z = np.zeros(0)
        return VpinResult(np.zeros(0, dtype=np.int64), z, z, z, float(bucket_volume))
    dp = np.diff(bar_p)
    bar_t, bar_v = bar_t[1:], bar_v[1:]  # the first bar has no price change
    buy = bar_v * bulk_buy_fraction(dp)
    cum_v = np.r_[0.0, np.cumsum(bar_v)]
    cum_b = np.r_[0.0, np.cumsum(buy)]
    n_full = int(cum_v[-1] // bucket_volume)
    if n_full == 0:
        z = np.zeros(0)
        return VpinResult(np.zeros(0, dtype=np.int64), z, z, z, float(bucket_volume))
    edges = bucket_volume * np.arange(n_full + 1)
    b_at = np.interp(edges, cum_v, cum_b)
    b = np.diff(b_at)
    s = bucket_volume - b
    imb = np.abs(b - s) / bucket_volume
    window = np.convolve(imb, np.ones(n_buckets) / n_buckets, mode="full")[: imb.size]
    window[: n_buckets - 1] = np.nan
    end_bar = np.minimum(np.searchsorted(cum_v, edges[1:], side="left") - 1, bar_t.size - 1)
    return VpinResult(bar_t[end_bar], b, s, window, float(bucket_volume))

"""Simple fill markouts against the simulator's reference marks (for tests and quick checks).

The markout of a fill at horizon ``h`` from the filled participant's side is

    side × (mark(t + h) − reference) × qty × multiplier        (currency),

where ``mark(t + h)`` is the instrument's mid at the first reference mark at
or after ``t + h`` (``RunResult.mark_mid``), and ``reference`` is either the
fill price (the full markout: edge paid plus the move) or the mid at the last
mark at or before the fill (the *move* markout, which excludes the spread).
Issue 6's desk markouts (split into underlying and vol moves) build on the
same definition.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from mmdesk.typing import Float64Array, Int64Array


def mark_index_after(mark_ts: Int64Array, ts_ns: Int64Array) -> Int64Array:
    """Index of the first mark at or after each time (``len(mark_ts)`` if none)."""
    return np.searchsorted(mark_ts, ts_ns, side="left").astype(np.int64)


def fill_markouts(
    fills: npt.NDArray[np.void],
    mark_ts: Int64Array,
    mark_mid: Float64Array,
    horizon_ns: int,
    price_unit: float,
    multiplier: Float64Array | float = 1.0,
    reference: Literal["price", "mid"] = "price",
) -> Float64Array:
    """Per-fill markout at ``horizon_ns`` from the fill owner's side, currency.

    Parameters
    ----------
    fills
        FILL rows (EVENT_DTYPE): ``ts_exchange``, ``instrument``, ``side``,
        ``price`` (integer units), ``qty``.
    mark_ts, mark_mid
        Reference marks: times (ns) and mids (currency, (n_marks, n_instruments)).
    horizon_ns
        Markout horizon, ns.
    price_unit
        Currency per integer price unit.
    multiplier
        Contract multiplier per fill (or one for all).
    reference
        ``"price"`` (fill price) or ``"mid"`` (mid at the last mark at or before the fill).

    Returns
    -------
    float64 array
        Markout per fill; NaN where a mark is missing (after the last mark, or an
        empty book side).
    """
    ts = fills["ts_exchange"].astype(np.int64)
    inst = fills["instrument"].astype(np.int64)
    j = mark_index_after(mark_ts, ts + horizon_ns)
    ok = j < mark_ts.size
    later = np.full(ts.size, np.nan)
    later[ok] = mark_mid[j[ok], inst[ok]]
    if reference == "price":
        ref = fills["price"].astype(np.float64) * price_unit
    elif reference == "mid":
        i0 = np.searchsorted(mark_ts, ts, side="right") - 1
        ref = np.where(i0 >= 0, mark_mid[np.maximum(i0, 0), inst], np.nan)
    else:
        raise ValueError(f"fill_markouts: reference={reference!r} must be 'price' or 'mid'")
    side = fills["side"].astype(np.float64)
    return np.asarray(side * (later - ref) * fills["qty"] * multiplier)


def t_stat(x: Float64Array) -> tuple[float, float, int]:
    """Mean, t-statistic (mean / standard error) and count of the finite values of ``x``."""
    v = np.asarray(x, dtype=np.float64)
    v = v[np.isfinite(v)]
    n = int(v.size)
    if n < 2:
        return float("nan"), float("nan"), n
    sd = float(v.std(ddof=1))
    mean = float(v.mean())
    return mean, (mean / (sd / np.sqrt(n)) if sd > 0 else float("nan")), n

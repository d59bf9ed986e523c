"""The central book's per-cycle array glue, one numba pass each (same values as numpy's).

A requote or a hedge check runs thousands of times a day; on a ~100-option chain its dozens
of small numpy calls cost more than the arithmetic. These kernels do the same
element-wise work in one pass each, with the same floating-point operations
(products and comparisons only, so the values are numpy's bit for bit):

- :func:`quote_wants`: the size wanted on each side (the quote size where the
  option is live, its expiry fitted and the side priced) and the legs' prices
  in currency;
- :func:`record_legs`: the sent legs (prices and sizes remembered as the
  book's resting quotes) and the rows of the ``orders`` journal they make;
- :func:`exposure_rows`: the intensity bucket and distance from theo of every
  resting quote (bids, then offers), the fill-intensity estimator's input;
- :func:`new_buckets`: every option's fill-intensity bucket and whether any changed;
- :func:`gamma_weights`: the |gamma|-weighted sums the hedger's book-level
  maturity and vol come from (numpy's pairwise sums, :mod:`mmdesk.desk.np_exact`).
"""

from __future__ import annotations

import numba
import numpy as np

from mmdesk.desk.np_exact import max_nan, pairwise_sum
from mmdesk.desk.quoter import intensity_bucket_kernel
from mmdesk.typing import BoolArray, Float64Array, Int64Array


def quote_wants_python(
    live: BoolArray,
    fitted: BoolArray,
    expiry: Int64Array,
    bid: Int64Array,
    ask: Int64Array,
    size: float,
    unit: float,
    want_b: Float64Array,
    want_a: Float64Array,
    bid_px: Float64Array,
    ask_px: Float64Array,
) -> None:
    """Wanted sizes (contracts) and leg prices (currency per share) of each option.

    Parameters
    ----------
    live : ndarray of bool
        Options not expired.
    fitted : ndarray of bool, per expiry
        Expiries with a fitted smile.
    expiry : ndarray of int
        Expiry index of each option.
    bid, ask : ndarray of int
        Quote prices in price units (0 = no quote on that side).
    size : float
        Quote size, contracts.
    unit : float
        Currency per price unit.
    want_b, want_a, bid_px, ask_px : ndarray of float
        Outputs: ``size`` where the option is live, fitted and the side priced
        (else 0), and ``bid × unit``, ``ask × unit``.
    """
    for i in range(bid.shape[0]):
        ready = live[i] and fitted[expiry[i]]
        want_b[i] = size if ready and bid[i] > 0 else 0.0
        want_a[i] = size if ready and ask[i] > 0 else 0.0
        bid_px[i] = np.float64(bid[i]) * unit
        ask_px[i] = np.float64(ask[i]) * unit


quote_wants = numba.njit(cache=True)(quote_wants_python)


def record_legs_python(
    legs: Int64Array,
    bid: Int64Array,
    ask: Int64Array,
    bq: Int64Array,
    aq: Int64Array,
    theo: Float64Array,
    view_bid: Int64Array,
    view_ask: Int64Array,
    sent_bid: Int64Array,
    sent_ask: Int64Array,
    sent_bq: Int64Array,
    sent_aq: Int64Array,
    instrument: np.ndarray,
    side: np.ndarray,
    price: Int64Array,
    qty: Int64Array,
    theo_px: Float64Array,
    mkt_bid: Int64Array,
    mkt_ask: Int64Array,
) -> None:
    """Remember the sent legs and write their ``orders`` rows (bids first, then asks).

    Parameters
    ----------
    legs : ndarray of int
        0-based options whose quote is sent (k of them).
    bid, ask, bq, aq : ndarray of int
        New prices (price units) and sizes (contracts) of every option.
    theo : ndarray of float
        Theo of every option, currency per share.
    view_bid, view_ask : ndarray of int
        The visible market per instrument (index 0 the underlying), price units.
    sent_bid, sent_ask, sent_bq, sent_aq : ndarray of int
        The book's resting quotes per option, updated at ``legs``.
    instrument, side, price, qty, theo_px, mkt_bid, mkt_ask : ndarray
        Outputs of length 2k: instrument id (option + 1; int32), side (+1 bid,
        −1 ask; int8), price units, contracts, theo and the visible market.
    """
    k = legs.shape[0]
    for j in range(k):
        i = legs[j]
        sent_bid[i] = bid[i]
        sent_ask[i] = ask[i]
        sent_bq[i] = bq[i]
        sent_aq[i] = aq[i]
        for r in (j, j + k):
            instrument[r] = i + 1
            side[r] = 1 if r < k else -1
            price[r] = bid[i] if r < k else ask[i]
            qty[r] = bq[i] if r < k else aq[i]
            theo_px[r] = theo[i]
            mkt_bid[r] = view_bid[i + 1]
            mkt_ask[r] = view_ask[i + 1]


record_legs = numba.njit(cache=True)(record_legs_python)


def gamma_weights_python(
    q: Float64Array, gamma: Float64Array, tau: Float64Array, vol: Float64Array, live: BoolArray
) -> tuple[float, float, float]:
    """``Σ w``, ``Σ w·τ`` and ``Σ w·σ`` over held live options, ``w = |q · gamma|``.

    Parameters
    ----------
    q : ndarray of float
        Contracts held per option.
    gamma : ndarray of float
        Gamma per share of each option.
    tau, vol : ndarray of float
        Time to expiry (years) and annualised vol of each option.
    live : ndarray of bool
        Options not expired.

    Returns
    -------
    tuple of float
        The three sums, each ``np.sum`` of the selected products (same floats).
    """
    n = q.shape[0]
    w = np.empty(n)
    wt = np.empty(n)
    wv = np.empty(n)
    m = 0
    for i in range(n):
        if live[i] and q[i] != 0.0:
            g = abs(q[i] * gamma[i])
            w[m] = g
            wt[m] = g * tau[i]
            wv[m] = g * vol[i]
            m += 1
    return pairwise_sum(w[:m]), pairwise_sum(wt[:m]), pairwise_sum(wv[:m])


gamma_weights = numba.njit(cache=True)(gamma_weights_python)


def exposure_rows_python(
    bucket: Int64Array,
    theo: Float64Array,
    sent_bid: Int64Array,
    sent_ask: Int64Array,
    sent_bq: Int64Array,
    sent_aq: Int64Array,
    unit: float,
    rows: Int64Array,
    distance: Float64Array,
) -> int:
    """Bucket and distance from theo (currency, ≥ 0; NaN kept) of each resting quote.

    Bids (``sent_bq > 0``) in option order, then offers (``sent_aq > 0``): a bid's
    distance is ``max(theo − bid × unit, 0)``, an offer's ``max(ask × unit − theo, 0)``.
    Writes the first ``m`` entries of ``rows`` and ``distance`` (length ≥ 2n) and
    returns ``m``.
    """
    m = 0
    for i in range(theo.shape[0]):
        if sent_bq[i] > 0:
            rows[m] = bucket[i]
            distance[m] = max_nan(theo[i] - np.float64(sent_bid[i]) * unit, 0.0)
            m += 1
    for i in range(theo.shape[0]):
        if sent_aq[i] > 0:
            rows[m] = bucket[i]
            distance[m] = max_nan(np.float64(sent_ask[i]) * unit - theo[i], 0.0)
            m += 1
    return m


exposure_rows = numba.njit(cache=True)(exposure_rows_python)


def new_buckets_python(
    expiry: Int64Array,
    log_moneyness: Float64Array,
    vol: Float64Array,
    tau: Float64Array,
    old: Int64Array,
    out: Int64Array,
) -> bool:
    """Each option's fill-intensity bucket into ``out``; True if it differs from ``old``.

    The buckets of :func:`mmdesk.desk.quoter.intensity_bucket` (expiry index,
    ln(K/F), annualised vol, τ in years) and ``not np.array_equal(out, old)``.
    """
    intensity_bucket_kernel(expiry, log_moneyness, vol, tau, out)
    if old.shape[0] != out.shape[0]:
        return True
    for i in range(out.shape[0]):
        if out[i] != old[i]:
            return True
    return False


new_buckets = numba.njit(cache=True)(new_buckets_python)

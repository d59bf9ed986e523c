"""Hedging into a settlement: the delta an expiry takes away with it.

At an expiry's settlement the expiring options leave the book. Cash-settled,
their delta leaves with them; physically settled, every in-the-money contract
turns into ±multiplier shares (a call holder receives shares, a put holder
delivers them), so what stays on the book is the options' intrinsic delta. A
book hedged on its pre-settlement delta therefore opens the next morning with
the hedge of options it no longer holds: its delta jumps by the *vanishing
delta* — the expiring options' delta minus what settlement leaves — while the
market is shut, and the overnight gap is taken on all of it.

So inside the last ``settlement_window_s`` before an expiry the hedger hedges
the delta the book will hold after the settlement, as far as the delta before
it may go: it keeps ``keep = clip(gone, −cap, +cap)`` of the vanishing delta
``gone`` and hedges ``D − keep`` instead of the book delta ``D``. Until the
settlement the book carries about ``keep`` (inside the limit, ``cap`` is below
the quoting delta limit); after it, about ``keep − gone`` — zero when
``|gone| ≤ cap``, and otherwise as small as the pre-settlement limit allows.
"""

from __future__ import annotations

import numpy as np

from mmdesk.typing import BoolArray, Float64Array


def vanishing_delta(
    contracts: Float64Array,
    delta: Float64Array,
    strike: Float64Array,
    is_call: BoolArray,
    expiring: BoolArray,
    spot: float,
    multiplier: float,
    physical: bool,
) -> float:
    """The delta the ``expiring`` options take off the book at settlement, shares.

    Parameters
    ----------
    contracts : Float64Array
        Signed contracts held per option.
    delta : Float64Array
        Per-share delta of each option (its theo's ∂V/∂S).
    strike : Float64Array
        Strikes, currency.
    is_call : BoolArray
        True for calls.
    expiring : BoolArray
        The options that settle at the coming expiry.
    spot : float
        Underlying price now, currency (the best guess of the settlement price).
    multiplier : float
        Shares per contract.
    physical : bool
        Physical settlement (in-the-money contracts deliver shares) or cash.

    Returns
    -------
    float
        Σ q·m·delta over the expiring options, less the delivered shares'
        delta when physically settled (q·m per in-the-money call, −q·m per put).
    """
    q = contracts[expiring]
    held = float(np.dot(q, delta[expiring])) * multiplier
    if not physical:
        return held
    k, call = strike[expiring], is_call[expiring]
    delivered = np.where(call, (spot > k).astype(np.float64), -(spot < k).astype(np.float64))
    return held - float(np.dot(q, delivered)) * multiplier


def settlement_hedge_delta(book_delta: float, gone: float, cap: float) -> float:
    """The delta to hedge before a settlement that takes ``gone`` shares of delta away.

    Parameters
    ----------
    book_delta : float
        The book's delta now, shares.
    gone : float
        Its vanishing delta (:func:`vanishing_delta`), shares.
    cap : float
        Largest |delta| the book may carry before the settlement, shares (≥ 0).

    Returns
    -------
    float
        ``book_delta − clip(gone, −cap, cap)``: hedged to zero, the book holds
        the clipped vanishing delta until the settlement and ``clip − gone`` after it.
    """
    if cap < 0.0:
        raise ValueError(f"cap={cap} must be >= 0 shares")
    return book_delta - min(max(gone, -cap), cap)

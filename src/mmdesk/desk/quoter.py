"""Two-sided quotes for every option: theo ± half-spread − skew, on the tick grid, sized.

For option i (prices per share, currency)::

    reservation_i = theo_i − skew_i + delta_i · (signal + lean_spot) + vega_i · lean_vol_e
    bid_i         = reservation_i − half_spread_i     (rounded down onto the grid)
    ask_i         = reservation_i + half_spread_i     (rounded up onto the grid)

- ``half_spread_i`` is the GLFT half-spread of the option (see
  :mod:`mmdesk.desk.glft`) with the fill parameters (A, k) the desk estimated
  from its own fills (:class:`mmdesk.desk.intensity_fit.IntensityEstimator`),
  floored at ``edge_floor_ticks`` ticks, plus vega × the vol uncertainty of the
  option's expiry (how badly the surface fits the market), plus the flow
  lean's widening (:mod:`mmdesk.flow.leaning`: wider after smart fills, the
  static part tightened by ``spread_mult`` after only dumb ones, never below
  the floor) and the pin widening in ticks (:mod:`mmdesk.desk.pin`: where the
  desk's own gamma concentrates near expiry), all multiplied by ``widen``
  (the risk gate's ``reducing_widen`` while REDUCING).
- ``skew_i`` is GLFT's inventory term against the book's greek factors: the
  book's delta (priced with the underlying's variance) and its vega per expiry
  bucket (priced with that bucket's vol-of-vol), so a book long March vega
  lowers March quotes and leaves April alone (Baldacci, Bergault & Guéant 2021).
  The delta part is capped at the cost of hedging: per share of delta an
  option's skew offloads, it never pays more than ``delta_skew_cap`` × the
  underlying's hedging cost per share (half its spread + taker fee + impact).
  The book can always sell a share of delta at that cost in the underlying, so
  the shadow price of delta inventory is bounded by it; GLFT's uncapped term
  (which ignores the underlying) would give away option edge to offload delta
  many times more expensively than a hedge.
- ``signal`` shifts the underlying's reservation price by a short-term signal
  (default: the underlying's top-of-book imbalance × a coefficient);
  the lean's ``lean_spot`` and ``lean_vol_e`` move the underlying's reservation
  and each expiry's vol the way smart flow pushed them.

Quotes never cross the market by accident: a bid at or above the others' best
ask is clamped one tick below it, an ask at or below their best bid one tick
above it (and counted). Sizes are the configured size capped by the risk
gate's headroom (done by the caller, :mod:`mmdesk.desk.central`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.desk.glft import (
    factor_covariance_with_book,
    glft_option_terms,
)
from mmdesk.desk.pin import PinWideningConfig
from mmdesk.flow.leaning import OptionLean
from mmdesk.typing import Float64Array, Int64Array
from mmdesk.venue.ticks import TickTable, round_down, round_up

#: Moneyness classes per expiry for the fill-intensity buckets (|k|/σ√τ below 0.5, 1.5, above).
N_MONEYNESS_BUCKETS: int = 3


class QuoterConfig(BaseModel):
    """How the central book prices its quotes.

    Attributes
    ----------
    risk_aversion
        GLFT γ, 1/currency (per contract).
    quote_size
        Contracts per side before the risk gate's cap.
    edge_floor_ticks
        Minimum half-spread, in ticks of the option's price level.
    vol_uncertainty_mult
        Half-spread widening per unit of vega × vol uncertainty.
    imbalance_coefficient
        Shift of the underlying's reservation price per unit of its top-of-book
        imbalance (bid_qty − ask_qty)/(bid_qty + ask_qty), currency per share.
    rfq_size_exponent
        Extra RFQ half-spread: the static part scales with (qty/quote_size)^exponent.
    max_half_spread_fraction
        Cap on the half-spread as a fraction of theo (above the tick floor).
    trading_seconds_per_year
        Converts annual variances to per-second ones for GLFT.
    pin
        Widening where the desk's own gamma concentrates near expiry.
    delta_skew_cap
        Cap on the delta part of the skew per share of delta, in units of the
        underlying's hedging cost per share (``QuoteInputs.hedge_cost``); None
        leaves GLFT's delta skew uncapped.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    risk_aversion: float = Field(2e-3, gt=0.0)
    quote_size: int = Field(10, ge=1)
    edge_floor_ticks: float = Field(1.0, ge=0.0)
    vol_uncertainty_mult: float = Field(1.0, ge=0.0)
    imbalance_coefficient: float = Field(0.005, ge=0.0)
    rfq_size_exponent: float = Field(0.5, ge=0.0)
    max_half_spread_fraction: float = Field(0.5, gt=0.0)
    trading_seconds_per_year: float = Field(252.0 * 23_400.0, gt=0.0)
    pin: PinWideningConfig = PinWideningConfig()
    delta_skew_cap: float | None = Field(1.0, gt=0.0)


@dataclass(frozen=True, eq=False)
class QuoteInputs:
    """What the quoter needs of the book and the market at one instant (per option i).

    Attributes
    ----------
    theo, delta, vega, tau, log_moneyness : ndarray
        Per-share theo (currency), delta, vega (per 1.00 vol), τ (years), ln(K/F).
    expiry : ndarray of int
        Expiry bucket per option.
    multiplier : float
        Shares per contract.
    book_delta : float
        Book delta, shares (options and hedge).
    book_vega : ndarray
        Book vega per expiry bucket, currency per 1.00 vol.
    spot, spot_vol : float
        Underlying price (currency) and its annualised vol.
    volvol : ndarray
        Annualised vol of each bucket's implied vol.
    vol_uncertainty : ndarray
        Per-bucket uncertainty of the vol (annualised).
    intensity_a, intensity_k : ndarray
        Fill intensity parameters per option: A (fills/s) and k (1/currency, per share).
    signal : float
        Shift of the underlying's reservation price, currency per share.
    widen : float
        Half-spread multiplier (≥ 1; REDUCING).
    lean : OptionLean, optional
        The flow lean per option (currency per share); None is neutral.
    pin_ticks : ndarray or float
        Extra half-spread per option for pin risk, ticks.
    hedge_cost : float
        Cost of hedging one share of delta in the underlying (half-spread + fee +
        impact), currency per share; bounds the delta skew (inf: no bound).
    """

    theo: Float64Array
    delta: Float64Array
    vega: Float64Array
    tau: Float64Array
    log_moneyness: Float64Array
    expiry: Int64Array
    multiplier: float
    book_delta: float
    book_vega: Float64Array
    spot: float
    spot_vol: float
    volvol: Float64Array
    vol_uncertainty: Float64Array
    intensity_a: Float64Array
    intensity_k: Float64Array
    signal: float = 0.0
    widen: float = 1.0
    lean: OptionLean | None = None
    pin_ticks: Float64Array | float = 0.0
    hedge_cost: float = math.inf


@dataclass(frozen=True, eq=False)
class Pricing:
    """Reservation price, half-spread, skew, GLFT's c and tick size per option (currency)."""

    reservation: Float64Array
    half_spread: Float64Array
    skew: Float64Array
    glft_c: Float64Array
    tick: Float64Array


def imbalance_signal(bid_qty: float, ask_qty: float, coefficient: float) -> float:
    """Top-of-book imbalance signal: coefficient × (bid_qty − ask_qty)/(bid_qty + ask_qty).

    Parameters
    ----------
    bid_qty, ask_qty : float
        Shares at the underlying's best bid and ask.
    coefficient : float
        Currency per share per unit of imbalance.

    Returns
    -------
    float
        Shift of the underlying's reservation price (currency per share); 0 with an empty book.
    """
    total = bid_qty + ask_qty
    if not total > 0.0:
        return 0.0
    return coefficient * (bid_qty - ask_qty) / total


def intensity_bucket(
    expiry: Int64Array, log_moneyness: Float64Array, vol: Float64Array, tau: Float64Array
) -> Int64Array:
    """Fill-intensity bucket of each option: expiry × {near, mid, far} standardised moneyness."""
    z = np.abs(log_moneyness) / np.maximum(vol * np.sqrt(tau), 1e-6)
    cls = np.where(z < 0.5, 0, np.where(z < 1.5, 1, 2))
    return np.asarray(expiry * N_MONEYNESS_BUCKETS + cls, dtype=np.int64)


def tick_size(ticks: TickTable, price: Float64Array) -> Float64Array:
    """Tick size (currency) of the grid band each price (currency) falls in."""
    return ticks.tick_size(price)


def price_quotes(x: QuoteInputs, cfg: QuoterConfig, ticks: TickTable) -> Pricing:
    """Reservation, half-spread and skew per option (currency per share).

    All GLFT terms are computed per contract (premium × multiplier) and divided
    back by the multiplier.
    """
    m = x.multiplier
    spy = cfg.trading_seconds_per_year
    spot_var = x.spot_vol**2 * x.spot**2 / spy
    eta2 = np.asarray(x.volvol, dtype=np.float64) ** 2 / spy
    cov, own = factor_covariance_with_book(
        x.delta * m, x.vega * m, x.expiry, x.book_delta, x.book_vega, spot_var, eta2
    )
    k_contract = x.intensity_k / m
    g = cfg.risk_aversion
    skew_c, hs_c, c_c = glft_option_terms(cov, own, g, k_contract, x.intensity_a)
    if cfg.delta_skew_cap is not None and math.isfinite(x.hedge_cost):
        # the delta part of skew_i per share of delta is (c_i/σ_i²)·D·spot_var: cap it
        per_share = np.zeros_like(own)
        np.divide(c_c * (x.book_delta * spot_var), own, out=per_share, where=own > 0.0)
        delta_cap = cfg.delta_skew_cap * x.hedge_cost
        skew_c = skew_c - (x.delta * m) * (per_share - np.clip(per_share, -delta_cap, delta_cap))
    skew = skew_c / m
    hs_glft = hs_c / m
    tick = tick_size(ticks, x.theo)
    floor = cfg.edge_floor_ticks * tick
    cap = np.maximum(cfg.max_half_spread_fraction * x.theo, floor)
    hs = np.minimum(np.maximum(hs_glft, floor), cap)
    reservation = x.theo - skew + x.delta * x.signal
    if x.lean is not None:
        hs = np.maximum(hs * x.lean.spread_mult, floor) + x.lean.widen_px
        reservation = reservation + x.lean.shift_px(x.delta, x.vega, x.expiry)
    hs = hs + cfg.vol_uncertainty_mult * x.vega * x.vol_uncertainty[x.expiry]
    hs = (hs + x.pin_ticks * tick) * x.widen
    c = c_c / m
    return Pricing(reservation=reservation, half_spread=hs, skew=skew, glft_c=c, tick=tick)


def quote_grid_python(
    bid_px: Float64Array,
    ask_px: Float64Array,
    unit: float,
    starts: Int64Array,
    steps: Int64Array,
    nbands: int,
    other_bid: Int64Array,
    other_ask: Int64Array,
    bid_out: Int64Array,
    ask_out: Int64Array,
) -> int:
    """Round quotes outward onto the grid and clamp them inside the others' market.

    Bids round down, asks up. A bid at or above the others' best ask (> 0)
    becomes one tick below it; an ask at or below their best bid one tick above.
    Non-finite or non-positive prices give 0 (no quote on that side); a pair
    left with bid ≥ ask loses its bid.

    Parameters
    ----------
    bid_px, ask_px : ndarray
        Desired prices, currency per share.
    unit : float
        Currency per integer price unit.
    starts, steps, nbands : ndarray, ndarray, int
        The tick table (integer units).
    other_bid, other_ask : ndarray of int64
        The others' best bid and ask per option (units, ≤ 0 where none is known).
    bid_out, ask_out : ndarray of int64
        Output prices in units (0 = no quote).

    Returns
    -------
    int
        How many sides were clamped.
    """
    clamped = 0
    for i in range(bid_px.shape[0]):
        b = 0
        a = 0
        if np.isfinite(bid_px[i]) and bid_px[i] > 0.0:
            b = round_down(int(np.floor(bid_px[i] / unit + 1e-9)), starts, steps, nbands)
        if np.isfinite(ask_px[i]) and ask_px[i] > 0.0:
            a = round_up(int(np.ceil(ask_px[i] / unit - 1e-9)), starts, steps, nbands)
        if b > 0 and other_ask[i] > 0 and b >= other_ask[i]:
            b = round_down(other_ask[i] - 1, starts, steps, nbands)
            clamped += 1
        if a > 0 and other_bid[i] > 0 and a <= other_bid[i]:
            a = round_up(other_bid[i] + 1, starts, steps, nbands)
            clamped += 1
        if b > 0 and a > 0 and b >= a:
            b = 0
        bid_out[i] = max(b, 0)
        ask_out[i] = a
    return clamped


quote_grid = numba.njit(cache=True)(quote_grid_python)


def grid_quotes(
    pricing: Pricing, ticks: TickTable, other_bid: Int64Array, other_ask: Int64Array
) -> tuple[Int64Array, Int64Array, int]:
    """Bid and ask in integer units (0 = none) and the number of clamped sides."""
    n = pricing.reservation.shape[0]
    bid = np.zeros(n, dtype=np.int64)
    ask = np.zeros(n, dtype=np.int64)
    clamped = quote_grid(
        np.ascontiguousarray(pricing.reservation - pricing.half_spread),
        np.ascontiguousarray(pricing.reservation + pricing.half_spread),
        ticks.unit,
        ticks.starts,
        ticks.steps,
        ticks.nbands,
        np.ascontiguousarray(other_bid, dtype=np.int64),
        np.ascontiguousarray(other_ask, dtype=np.int64),
        bid,
        ask,
    )
    return bid, ask, int(clamped)


def rfq_prices(
    pricing: Pricing,
    option: int,
    qty: int,
    cfg: QuoterConfig,
    lean_widen_px: float = 0.0,
    lean_spread_mult: float = 1.0,
) -> tuple[float, float]:
    """Bid and ask (currency per share) for a block of ``qty`` contracts of ``option``.

    The static half-spread scales with (qty/quote_size)^rfq_size_exponent; the
    GLFT inventory term of a block of n contracts adds n·c/2 on each side (the
    average inventory cost over the block: GLFT's (2q ± n)c/2). The requester's
    lean (:func:`mmdesk.flow.leaning.tag_adjustments`) multiplies the static part
    by ``lean_spread_mult`` (never below one tick) and adds ``lean_widen_px``.
    """
    n = max(int(qty), 1)
    scale = max(n / cfg.quote_size, 1.0) ** cfg.rfq_size_exponent
    static = float(pricing.half_spread[option]) * scale
    static = max(static * lean_spread_mult, float(pricing.tick[option])) + lean_widen_px
    hs = static + 0.5 * (n - 1) * float(pricing.glft_c[option])
    r = float(pricing.reservation[option])
    return r - hs, r + hs

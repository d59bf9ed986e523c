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

from mmdesk.desk.glft import glft_inventory_coefficient, glft_static_depth
from mmdesk.desk.np_exact import max_nan, min_nan
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
    """Fill-intensity bucket of each option: expiry × {near, mid, far} standardised moneyness.

    ``|k| / max(σ √τ, 1e-6)`` below 0.5 is near, below 1.5 mid, else (NaN too) far;
    one pass of :func:`intensity_bucket_kernel`.
    """
    out = np.empty(np.shape(log_moneyness), dtype=np.int64)
    intensity_bucket_kernel(
        np.ascontiguousarray(expiry, dtype=np.int64),
        np.ascontiguousarray(log_moneyness, dtype=np.float64),
        np.ascontiguousarray(vol, dtype=np.float64),
        np.ascontiguousarray(tau, dtype=np.float64),
        out,
    )
    return out


def intensity_bucket_kernel_python(
    expiry: Int64Array,
    log_moneyness: Float64Array,
    vol: Float64Array,
    tau: Float64Array,
    out: Int64Array,
) -> None:
    """:func:`intensity_bucket`'s arithmetic per option (numpy's floats: sqrt is exact)."""
    for i in range(out.shape[0]):
        z = abs(log_moneyness[i]) / max_nan(vol[i] * np.sqrt(tau[i]), 1e-6)
        cls = 0 if z < 0.5 else (1 if z < 1.5 else 2)
        out[i] = expiry[i] * N_MONEYNESS_BUCKETS + cls


intensity_bucket_kernel = numba.njit(cache=True)(intensity_bucket_kernel_python)


def tick_size(ticks: TickTable, price: Float64Array) -> Float64Array:
    """Tick size (currency) of the grid band each price (currency) falls in."""
    return ticks.tick_size(price)


def glft_quote_terms(
    cfg: QuoterConfig, intensity_k: Float64Array, intensity_a: Float64Array, multiplier: float
) -> tuple[Float64Array, Float64Array]:
    """The parts of each option's GLFT terms that depend on its fill intensity alone.

    They change only when the intensities are refitted, so the book computes them
    once per refit (:func:`price_quotes` takes them precomputed).

    Parameters
    ----------
    cfg : QuoterConfig
        Risk aversion γ (1/currency per contract).
    intensity_k, intensity_a : ndarray
        Fill intensity per option: k (1/currency, per share) and A (fills/s).
    multiplier : float
        Shares per contract.

    Returns
    -------
    coef : ndarray
        GLFT's c/σ per contract (√seconds, :func:`mmdesk.desk.glft.glft_inventory_coefficient`).
    static : ndarray
        The inventory-free depth per contract, currency
        (:func:`mmdesk.desk.glft.glft_static_depth`).
    """
    k_contract = intensity_k / multiplier
    g = cfg.risk_aversion
    return glft_inventory_coefficient(g, k_contract, intensity_a), glft_static_depth(g, k_contract)


def price_quotes(
    x: QuoteInputs,
    cfg: QuoterConfig,
    ticks: TickTable,
    terms: tuple[Float64Array, Float64Array] | None = None,
) -> Pricing:
    """Reservation, half-spread and skew per option (currency per share).

    All GLFT terms are computed per contract (premium × multiplier) and divided
    back by the multiplier. ``terms`` are :func:`glft_quote_terms` of ``x``'s
    intensities when the caller has them already. The arithmetic per option is
    :func:`price_quotes_kernel` (one pass).
    """
    m = x.multiplier
    spy = cfg.trading_seconds_per_year
    spot_var = x.spot_vol**2 * x.spot**2 / spy
    eta2 = np.asarray(x.volvol, dtype=np.float64) ** 2 / spy
    coef, static = (
        terms if terms is not None else glft_quote_terms(cfg, x.intensity_k, x.intensity_a, m)
    )
    n = x.theo.shape[0]
    cap_on = cfg.delta_skew_cap is not None and math.isfinite(x.hedge_cost)
    delta_cap = cfg.delta_skew_cap * x.hedge_cost if cap_on else 0.0  # type: ignore[operator]
    lean = x.lean if x.lean is not None else OptionLean.neutral(n, eta2.shape[0])
    pin = x.pin_ticks
    pin_arr = pin if isinstance(pin, np.ndarray) and pin.shape == (n,) else np.full(n, pin)
    f64 = np.float64
    tick = tick_size(ticks, x.theo)
    out = np.empty((4, n))
    price_quotes_kernel(
        np.asarray(x.theo, f64), np.asarray(x.delta, f64), np.asarray(x.vega, f64),
        np.asarray(x.expiry, np.int64), np.asarray(coef, f64), np.asarray(static, f64), m,
        float(x.book_delta), np.asarray(x.book_vega, f64), float(spot_var), eta2,
        cap_on, float(delta_cap), float(x.signal), float(x.widen), x.lean is not None,
        np.asarray(lean.widen_px, f64), np.asarray(lean.spread_mult, f64),
        float(lean.spot_shift), np.asarray(lean.vol_shift, f64), np.asarray(pin_arr, f64),
        np.asarray(x.vol_uncertainty, f64), cfg.vol_uncertainty_mult,
        cfg.edge_floor_ticks, cfg.max_half_spread_fraction, tick, out,
    )  # fmt: skip
    reservation = out[0]
    if x.lean is not None and lean.side_px is not None:  # the lean's one-sided widening
        reservation = reservation + np.asarray(lean.side_px, f64)
    return Pricing(
        reservation=reservation, half_spread=out[1], skew=out[2], glft_c=out[3], tick=tick
    )


def price_quotes_python(
    theo: Float64Array,
    delta: Float64Array,
    vega: Float64Array,
    expiry: Int64Array,
    coef: Float64Array,
    static: Float64Array,
    multiplier: float,
    book_delta: float,
    book_vega: Float64Array,
    spot_var: float,
    eta2: Float64Array,
    cap_on: bool,
    delta_cap: float,
    signal: float,
    widen: float,
    lean_on: bool,
    lean_widen: Float64Array,
    lean_mult: Float64Array,
    lean_spot: float,
    lean_vol: Float64Array,
    pin_ticks: Float64Array,
    vol_uncertainty: Float64Array,
    vol_uncertainty_mult: float,
    edge_floor_ticks: float,
    max_half_spread_fraction: float,
    ticks: Float64Array,
    out: Float64Array,
) -> None:
    """Every option's reservation, half-spread, skew and c (rows of ``out``).

    Per option i in expiry e, with Δ_i = delta_i·m and V_i = vega_i·m per contract
    (:func:`mmdesk.desk.glft.factor_covariance_with_book` and
    :func:`mmdesk.desk.glft.glft_option_terms`, in the same floating-point order)::

        cov_i  = Δ_i·(D·spot_var) + V_i·(book_vega_e·η²_e),  σ_i² = Δ_i²·spot_var + V_i²·η²_e
        skew_i = coef_i·cov_i/σ_i,   half_i = static_i + σ_i·coef_i/2,   c_i = σ_i·coef_i

    the delta part of the skew per share of delta, c_i·D·spot_var/σ_i², clipped to
    ±``delta_cap`` when ``cap_on``; then per share: the half-spread floored at
    ``edge_floor_ticks`` ticks and capped at ``max_half_spread_fraction``·theo, the
    lean (multiplier, widening and reservation shift), vega × the vol uncertainty,
    the pin ticks and the ``widen`` multiplier; the reservation is
    theo − skew + delta·signal (+ the lean's shift). NaN propagates as in numpy.

    Parameters
    ----------
    theo, delta, vega : ndarray
        Per share: currency, shares, currency per 1.00 vol.
    expiry : ndarray of int64
        Expiry bucket per option.
    coef, static : ndarray
        :func:`glft_quote_terms` (√seconds, currency per contract).
    multiplier : float
        Shares per contract.
    book_delta : float
        Book delta, shares.
    book_vega : ndarray
        Book vega per expiry, currency per 1.00 vol.
    spot_var : float
        Underlying's variance rate, currency² per share² per second.
    eta2 : ndarray
        Variance rate of each expiry's vol, vol² per second.
    cap_on : bool
        Apply the delta skew cap.
    delta_cap : float
        Cap per share of delta, currency per share.
    signal, widen : float
        Reservation shift per unit delta (currency per share); half-spread multiplier.
    lean_on : bool
        Apply the lean.
    lean_widen, lean_mult : ndarray
        Lean widening (currency per share) and half-spread multiplier per option.
    lean_spot : float
        Lean's underlying shift, currency per share.
    lean_vol : ndarray
        Lean's vol shift per expiry (annualised).
    pin_ticks : ndarray
        Pin widening per option, ticks.
    vol_uncertainty : ndarray
        Per expiry (annualised vol).
    vol_uncertainty_mult, edge_floor_ticks, max_half_spread_fraction : float
        :class:`QuoterConfig` settings.
    ticks : ndarray
        Tick size per option (currency per share, :func:`tick_size`).
    out : ndarray, shape (4, n)
        Rows reservation, half_spread, skew, glft_c (currency per share).
    """
    m = multiplier
    for i in range(theo.shape[0]):
        e = expiry[i]
        d_c = delta[i] * m
        v_c = vega[i] * m
        cov = d_c * (book_delta * spot_var) + v_c * (book_vega[e] * eta2[e])
        own = d_c * d_c * spot_var + v_c * v_c * eta2[e]
        sigma = np.sqrt(own)
        ratio = cov / sigma if sigma > 0.0 else 0.0
        skew_c = coef[i] * ratio
        hs_c = static[i] + 0.5 * sigma * coef[i]
        c_c = sigma * coef[i]
        if cap_on:
            per_share = c_c * (book_delta * spot_var) / own if own > 0.0 else 0.0
            clipped = min_nan(max_nan(per_share, -delta_cap), delta_cap)
            skew_c = skew_c - d_c * (per_share - clipped)
        skew = skew_c / m
        hs_glft = hs_c / m
        tick = ticks[i]
        floor = edge_floor_ticks * tick
        cap = max_nan(max_half_spread_fraction * theo[i], floor)
        hs = min_nan(max_nan(hs_glft, floor), cap)
        reservation = theo[i] - skew + delta[i] * signal
        if lean_on:
            hs = max_nan(hs * lean_mult[i], floor) + lean_widen[i]
            reservation = reservation + (delta[i] * lean_spot + vega[i] * lean_vol[e])
        hs = hs + vol_uncertainty_mult * vega[i] * vol_uncertainty[e]
        hs = (hs + pin_ticks[i] * tick) * widen
        out[0, i] = reservation
        out[1, i] = hs
        out[2, i] = skew
        out[3, i] = c_c / m


price_quotes_kernel = numba.njit(cache=True)(price_quotes_python)


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

"""Guéant–Lehalle–Fernandez-Tapia quotes for an option book, in price units.

Single asset (Guéant, Lehalle & Fernandez-Tapia 2013, closed-form asymptotics)::

    c        = sqrt(σ²γ / (2kA) · (1 + γ/k)^(1 + k/γ))
    δ_bid(q) = (1/γ) ln(1 + γ/k) + (2q + 1) c / 2
    δ_ask(q) = (1/γ) ln(1 + γ/k) − (2q − 1) c / 2

so the half-spread is (1/γ) ln(1 + γ/k) + c/2 and the quotes' centre sits
q·c below the mid: bid = theo − half_spread − skew, ask = theo + half_spread −
skew with skew = q·c.

An option book is many correlated assets. Following Baldacci, Bergault &
Guéant (2021), the inventory risk of a delta-hedged option book is carried by
a few greek factors: the underlying (delta) and the implied vol of each expiry
bucket (vega). With factor loadings (δ_i, ν_i) and factor variances (σ_S² S²
per share, η_b² per unit vol), the covariance of option i's value with the
book is

    (Σq)_i = δ_i · Δ_book · σ_S² S²  +  ν_i · V_b(i) · η_b(i)²

(Δ_book in shares, V_b the book's vega in expiry bucket b). Measuring the book
in units of option i, q_i^eff = (Σq)_i / σ_i² with σ_i² = Σ_ii, and using the
single-asset GLFT term gives

    skew_i = c_i · q_i^eff = sqrt(γ/(2k_iA_i) · (1 + γ/k_i)^(1 + k_i/γ)) · (Σq)_i / σ_i,

which is exactly GLFT for one asset and, for a book, leans each option's
quotes by its own exposure to the book's factor risks: a book long March vega
lowers March quotes (ν_i > 0) and leaves April quotes untouched when the
buckets' vols are uncorrelated.

Units: prices in currency per contract unit quoted (the option premium), γ in
1/currency, k in 1/currency (per unit of price distance), A in fills per
second, σ's per √second — callers convert annual variances with
``seconds_per_year``.
"""

from __future__ import annotations

import numpy as np

from mmdesk.typing import Float64Array, FloatLike


def glft_static_depth(risk_aversion: FloatLike, k: FloatLike) -> Float64Array:
    """The inventory-free GLFT depth (1/γ) ln(1 + γ/k), in price units.

    Tends to 1/k as γ → 0 (the risk-neutral monopolist's depth).

    Parameters
    ----------
    risk_aversion : float or array
        γ in 1/currency, > 0.
    k : float or array
        Decay of fill intensity with distance, 1/currency, > 0.
    """
    g = np.asarray(risk_aversion, dtype=np.float64)
    kk = np.asarray(k, dtype=np.float64)
    return np.log1p(g / kk) / g


def glft_inventory_coefficient(
    risk_aversion: FloatLike, k: FloatLike, intensity_a: FloatLike
) -> Float64Array:
    """GLFT's c per unit of price volatility: c/σ = sqrt(γ/(2kA) · (1 + γ/k)^(1 + k/γ)).

    Multiply by a price volatility σ (currency per √second) to get GLFT's c
    (currency per unit of inventory).

    Parameters
    ----------
    risk_aversion : float or array
        γ in 1/currency, > 0.
    k : float or array
        Intensity decay, 1/currency, > 0.
    intensity_a : float or array
        Fill intensity at zero distance A, fills per second, > 0.

    Returns
    -------
    ndarray
        c/σ in √seconds.
    """
    g = np.asarray(risk_aversion, dtype=np.float64)
    kk = np.asarray(k, dtype=np.float64)
    a = np.asarray(intensity_a, dtype=np.float64)
    log_growth = (1.0 + kk / g) * np.log1p(g / kk)
    return np.sqrt(g / (2.0 * kk * a) * np.exp(log_growth))


def glft_quotes(
    theo: FloatLike,
    inventory: FloatLike,
    sigma: FloatLike,
    risk_aversion: FloatLike,
    k: FloatLike,
    intensity_a: FloatLike,
) -> tuple[Float64Array, Float64Array]:
    """Single-asset GLFT bid and ask around ``theo`` for inventory ``q``.

    Parameters
    ----------
    theo : float or array
        Fair value (currency).
    inventory : float or array
        Signed inventory q in units of the traded size.
    sigma : float or array
        Price volatility of the asset, currency per √second.
    risk_aversion, k, intensity_a : float or array
        γ (1/currency), k (1/currency), A (fills per second).

    Returns
    -------
    bid, ask : ndarray
        theo − δ_bid(q) and theo + δ_ask(q) (currency).
    """
    q = np.asarray(inventory, dtype=np.float64)
    static = glft_static_depth(risk_aversion, k)
    c = np.asarray(sigma, dtype=np.float64) * glft_inventory_coefficient(
        risk_aversion, k, intensity_a
    )
    bid = np.asarray(theo, dtype=np.float64) - (static + (2.0 * q + 1.0) * c / 2.0)
    ask = np.asarray(theo, dtype=np.float64) + (static - (2.0 * q - 1.0) * c / 2.0)
    return bid, ask


def factor_covariance_with_book(
    delta: Float64Array,
    vega: Float64Array,
    bucket: np.ndarray,
    book_delta: float,
    book_vega: Float64Array,
    spot_variance: float,
    volvol_variance: Float64Array,
) -> tuple[Float64Array, Float64Array]:
    """Per-option covariance with the book and own variance, from greek factors.

    Parameters
    ----------
    delta : ndarray
        Option deltas in shares per contract (delta × multiplier).
    vega : ndarray
        Option vegas in currency per 1.00 vol per contract.
    bucket : ndarray of int
        Expiry-bucket index of each option (0..n_buckets−1).
    book_delta : float
        Book delta in shares (options + hedge).
    book_vega : ndarray
        Book vega per bucket, currency per 1.00 vol.
    spot_variance : float
        Variance rate of the underlying price, currency² per share² per second
        (σ_S² S² / seconds-per-year for an annual σ_S).
    volvol_variance : ndarray
        Variance rate of each bucket's implied vol, (vol units)² per second.

    Returns
    -------
    cov_with_book : ndarray
        (Σq)_i in currency² per second.
    own_variance : ndarray
        σ_i² = δ_i² σ_S²S² + ν_i² η_b², currency² per second.
    """
    eta2 = volvol_variance[bucket]
    cov = delta * (book_delta * spot_variance) + vega * (book_vega[bucket] * eta2)
    own = delta * delta * spot_variance + vega * vega * eta2
    return cov, own


def glft_option_terms(
    cov_with_book: Float64Array,
    own_variance: Float64Array,
    risk_aversion: FloatLike,
    k: FloatLike,
    intensity_a: FloatLike,
) -> tuple[Float64Array, Float64Array, Float64Array]:
    """Skew, half-spread and inventory term c_i of each option, with one coefficient.

    ``skew`` is :func:`glft_option_skew`, ``half_spread`` :func:`glft_option_half_spread`
    and ``c`` = σ_i · coefficient (currency per unit of inventory); the quoter
    needs all three on every requote.

    Parameters
    ----------
    cov_with_book, own_variance, risk_aversion, k, intensity_a
        As in :func:`glft_option_skew`.

    Returns
    -------
    skew, half_spread, c : ndarray
        Currency (per unit of the quoted size).
    """
    coef = glft_inventory_coefficient(risk_aversion, k, intensity_a)
    sigma = np.sqrt(own_variance)
    ratio = np.zeros_like(cov_with_book)
    np.divide(cov_with_book, sigma, out=ratio, where=sigma > 0.0)
    half = glft_static_depth(risk_aversion, k) + 0.5 * sigma * coef
    return coef * ratio, half, sigma * coef


def glft_option_skew(
    cov_with_book: Float64Array,
    own_variance: Float64Array,
    risk_aversion: FloatLike,
    k: FloatLike,
    intensity_a: FloatLike,
) -> Float64Array:
    """GLFT skew of each option against the book: (c_i/σ_i) · (Σq)_i / σ_i (currency).

    Positive skew lowers both bid and ask (the book is long what the option
    loads on, so it sells more eagerly and buys less eagerly).

    Parameters
    ----------
    cov_with_book : ndarray
        (Σq)_i from :func:`factor_covariance_with_book`, currency²/s.
    own_variance : ndarray
        σ_i², currency²/s; options with σ_i = 0 get no skew.
    risk_aversion, k, intensity_a : float or array
        GLFT parameters (1/currency, 1/currency, fills/s).
    """
    return glft_option_terms(cov_with_book, own_variance, risk_aversion, k, intensity_a)[0]


def glft_option_half_spread(
    own_variance: Float64Array,
    risk_aversion: FloatLike,
    k: FloatLike,
    intensity_a: FloatLike,
) -> Float64Array:
    """GLFT half-spread (1/γ) ln(1 + γ/k) + c_i/2 with c_i = σ_i · coefficient (currency)."""
    own = np.asarray(own_variance, dtype=np.float64)
    return glft_option_terms(np.zeros_like(own), own, risk_aversion, k, intensity_a)[1]

"""Online estimate of the fill intensity λ(δ) = A·exp(−k·δ) from the desk's own fills.

The desk records, per bucket of options (e.g. expiry × moneyness) and per bin
of quote distance δ from theo (currency), how long its quotes rested there
(exposure, quote-seconds) and how many fills they received. Fills in a bin are
Poisson with mean exposure·A·exp(−k·δ), so (log A, k) is the maximum of the
Poisson log-likelihood

    ℓ(a, k) = Σ_j N_j (a − k δ_j) − E_j exp(a − k δ_j),

found by Newton's method (concave in (a, k)). Prior pseudo-observations drawn
from the configured (A₀, k₀) regularise buckets with few fills, and old data
decay with a half-life so the estimate follows the market.
"""

from __future__ import annotations

import numba
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.typing import Float64Array, Int64Array


class IntensityFitConfig(BaseModel):
    """Settings of the online (A, k) estimator."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    prior_a: float = Field(0.05, gt=0.0, description="A₀, fills per second at δ = 0")
    prior_k: float = Field(8.0, gt=0.0, description="k₀, 1/currency")
    prior_exposure: float = Field(600.0, ge=0.0, description="prior weight, quote-seconds per bin")
    max_distance: float = Field(1.0, gt=0.0, description="largest binned δ, currency")
    n_bins: int = Field(20, ge=2, description="number of δ bins")
    half_life_s: float = Field(3_600.0, gt=0.0, description="decay of old data, seconds")


def add_at_2d_python(
    target: Float64Array, rows: Int64Array, cols: Int64Array, values: Float64Array
) -> None:
    """``np.add.at(target, (rows, cols), values)``: add each value in turn (repeats accumulate)."""
    for i in range(values.shape[0]):
        target[rows[i], cols[i]] += values[i]


add_at_2d = numba.njit(cache=True)(add_at_2d_python)


class IntensityEstimator:
    """Exposure and fill counts per (bucket, δ-bin), and the (A, k) they imply."""

    def __init__(self, config: IntensityFitConfig, n_buckets: int) -> None:
        self.config = config
        self.edges = np.linspace(0.0, config.max_distance, config.n_bins + 1)
        self.centres = 0.5 * (self.edges[1:] + self.edges[:-1])
        self.exposure = np.zeros((n_buckets, config.n_bins))
        self.exposure_distance = np.zeros((n_buckets, config.n_bins))
        self.fills = np.zeros((n_buckets, config.n_bins))

    def _bins(self, distance: Float64Array) -> np.ndarray:
        idx = np.searchsorted(self.edges, distance, side="right") - 1
        return np.minimum(np.maximum(idx, 0), self.config.n_bins - 1)

    def record_exposure(
        self, bucket: np.ndarray, distance: Float64Array, seconds: float | Float64Array
    ) -> None:
        """Add quote-seconds at distance δ (currency, ≥ 0) for quotes in ``bucket``.

        Also applies the exponential decay for the elapsed time, so call it
        once per quoting interval with that interval's length.
        """
        dt = float(np.max(seconds)) if np.ndim(seconds) else float(seconds)
        decay = 0.5 ** (dt / self.config.half_life_s)
        self.exposure *= decay
        self.exposure_distance *= decay
        self.fills *= decay
        d = np.abs(distance)
        rows = np.ascontiguousarray(bucket, dtype=np.int64)
        cols = self._bins(d)
        secs = np.broadcast_to(np.asarray(seconds, dtype=np.float64), d.shape)
        add_at_2d(self.exposure, rows, cols, np.ascontiguousarray(secs))
        add_at_2d(self.exposure_distance, rows, cols, np.ascontiguousarray(secs * d))

    def record_fills(self, bucket: np.ndarray, distance: Float64Array) -> None:
        """Count fills of quotes that rested at distance δ (currency) in ``bucket``."""
        np.add.at(self.fills, (bucket, self._bins(np.abs(distance))), 1.0)

    def estimate(self) -> tuple[Float64Array, Float64Array]:
        """Per-bucket maximum-likelihood (A, k) with the prior's pseudo-data.

        Returns
        -------
        a : ndarray
            A per bucket, fills per second at δ = 0.
        k : ndarray
            k per bucket, 1/currency (kept within [k₀/20, 20·k₀]).
        """
        cfg = self.config
        prior_e = cfg.prior_exposure
        prior_n = prior_e * cfg.prior_a * np.exp(-cfg.prior_k * self.centres)
        n = self.fills + prior_n
        e = self.exposure + prior_e
        # Each bin sits at its exposure-weighted mean distance (the prior at the centre).
        d = (self.exposure_distance + prior_e * self.centres) / e
        return fit_poisson_intensity(n, e, d, cfg.prior_a, cfg.prior_k)


def fit_poisson_intensity(
    fills: Float64Array,
    exposure: Float64Array,
    distance: Float64Array,
    a0: float,
    k0: float,
    iterations: int = 30,
) -> tuple[Float64Array, Float64Array]:
    """Maximum-likelihood (A, k) of Poisson counts with mean E·A·exp(−kδ), row by row.

    Parameters
    ----------
    fills : ndarray, shape (n_buckets, n_bins)
        Fill counts N_j (may be fractional after decay).
    exposure : ndarray, shape (n_buckets, n_bins)
        Quote-seconds E_j, > 0.
    distance : ndarray, shape (n_bins,) or (n_buckets, n_bins)
        Bin distances δ_j (currency).
    a0, k0 : float
        Starting point (and clipping reference for k).
    iterations : int
        Newton steps (vectorised over buckets).

    Returns
    -------
    a, k : ndarray, shape (n_buckets,)
    """
    rows = fills.shape[0]
    log_a = np.full(rows, np.log(a0))
    k = np.full(rows, k0)
    for _ in range(iterations):
        mu = exposure * np.exp(log_a[:, None] - k[:, None] * distance)
        resid = fills - mu
        g_a = resid.sum(axis=1)
        g_k = -(resid * distance).sum(axis=1)
        h_aa = mu.sum(axis=1)
        h_ak = -(mu * distance).sum(axis=1)
        h_kk = (mu * distance * distance).sum(axis=1)
        det = h_aa * h_kk - h_ak * h_ak
        safe = det > 1e-300
        step_a = np.where(safe, (h_kk * g_a - h_ak * g_k) / np.where(safe, det, 1.0), 0.0)
        step_k = np.where(safe, (h_aa * g_k - h_ak * g_a) / np.where(safe, det, 1.0), 0.0)
        # np.minimum(np.maximum(...)) is np.clip without its per-call overhead (30 steps)
        log_a = log_a + np.minimum(np.maximum(step_a, -2.0), 2.0)
        step_k = np.minimum(np.maximum(step_k, -0.5 * k), 0.5 * k)
        k = np.minimum(np.maximum(k + step_k, k0 / 20.0), 20.0 * k0)
    return np.exp(log_a), k

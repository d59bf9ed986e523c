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

from mmdesk.desk.np_exact import max_nan, min_nan, pairwise_sum
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


def record_exposure_python(
    exposure: Float64Array,
    exposure_distance: Float64Array,
    fills: Float64Array,
    decay: float,
    rows: Int64Array,
    distance: Float64Array,
    seconds: Float64Array,
    edges: Float64Array,
) -> None:
    """Decay every (bucket, bin) by ``decay``, then add quote-seconds at |distance|.

    Quote i lands in row ``rows[i]`` and the bin of |distance_i| among ``edges``
    (``np.searchsorted(edges, d, side="right") − 1``, clipped to the bins; NaN
    sorts last); it adds ``seconds`` (one value for all, or one per quote) to
    ``exposure`` and seconds × |distance| to ``exposure_distance``, in order.
    """
    exposure *= decay
    exposure_distance *= decay
    fills *= decay
    n_bins = exposure.shape[1]
    n_edges = edges.shape[0]
    one = seconds.shape[0] == 1
    for i in range(distance.shape[0]):
        d = abs(distance[i])
        if d != d:
            idx = n_edges
        else:
            lo, hi = 0, n_edges  # first edge > d
            while lo < hi:
                mid = (lo + hi) // 2
                if edges[mid] <= d:
                    lo = mid + 1
                else:
                    hi = mid
            idx = lo
        col = min(max(idx - 1, 0), n_bins - 1)
        s = seconds[0] if one else seconds[i]
        exposure[rows[i], col] += s
        exposure_distance[rows[i], col] += s * d


record_exposure_kernel = numba.njit(cache=True)(record_exposure_python)


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
        secs = np.ascontiguousarray(np.asarray(seconds, dtype=np.float64).reshape(-1))
        d = np.ascontiguousarray(distance, dtype=np.float64).reshape(-1)
        if secs.shape[0] not in (1, d.shape[0]):
            raise ValueError(f"record_exposure: seconds has {secs.shape[0]} values for {d.size}")
        record_exposure_kernel(
            self.exposure, self.exposure_distance, self.fills, decay,
            np.ascontiguousarray(bucket, dtype=np.int64).reshape(-1), d, secs, self.edges,
        )  # fmt: skip

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
    rows, n_bins = fills.shape
    f64 = np.float64
    n_arr = np.ascontiguousarray(fills, dtype=f64)
    e_arr = np.ascontiguousarray(exposure, dtype=f64)
    d_arr = np.ascontiguousarray(np.broadcast_to(np.asarray(distance, dtype=f64), (rows, n_bins)))
    log_a = np.full(rows, np.log(a0))
    k = np.full(rows, k0)
    arg = np.empty((rows, n_bins))
    work = np.empty((5, n_bins))
    for _ in range(iterations):
        # the exponential stays numpy's (a numba exp differs in the last bit now and then)
        intensity_exponent(log_a, k, d_arr, arg)
        newton_step(n_arr, e_arr, d_arr, np.exp(arg), float(k0), log_a, k, work)
    return np.exp(log_a), k


def intensity_exponent_python(
    log_a: Float64Array, k: Float64Array, distance: Float64Array, out: Float64Array
) -> None:
    """``log_a[:, None] − k[:, None]·distance`` into ``out`` (rows × bins)."""
    for r in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[r, j] = log_a[r] - k[r] * distance[r, j]


intensity_exponent = numba.njit(cache=True)(intensity_exponent_python)


def newton_step_python(
    fills: Float64Array,
    exposure: Float64Array,
    distance: Float64Array,
    growth: Float64Array,
    k0: float,
    log_a: Float64Array,
    k: Float64Array,
    work: Float64Array,
) -> None:
    """One Newton step of every row's (log A, k), in place (numpy's floats bit for bit).

    With μ_j = E_j·``growth``_j (``growth`` = exp(log A − k δ_j)) the gradient and
    Hessian of the log-likelihood are row sums (numpy's summation order,
    :func:`mmdesk.desk.np_exact.pairwise_sum`); the step in log A is clipped to
    ±2, the step in k to ±k/2, and k to [k₀/20, 20·k₀]. A singular Hessian
    (determinant ≤ 1e-300) leaves the row where it is. ``work`` (5 × bins) is
    scratch space.
    """
    n_bins = fills.shape[1]
    resid = work[0]
    resid_d = work[1]
    mu = work[2]
    mu_d = work[3]
    mu_dd = work[4]
    for r in range(fills.shape[0]):
        for j in range(n_bins):
            m = exposure[r, j] * growth[r, j]
            d = distance[r, j]
            mu[j] = m
            resid[j] = fills[r, j] - m
            resid_d[j] = resid[j] * d
            mu_d[j] = m * d
            mu_dd[j] = m * d * d
        g_a = pairwise_sum(resid)
        g_k = -pairwise_sum(resid_d)
        h_aa = pairwise_sum(mu)
        h_ak = -pairwise_sum(mu_d)
        h_kk = pairwise_sum(mu_dd)
        det = h_aa * h_kk - h_ak * h_ak
        step_a = 0.0
        step_k = 0.0
        if det > 1e-300:
            step_a = (h_kk * g_a - h_ak * g_k) / det
            step_k = (h_aa * g_k - h_ak * g_a) / det
        log_a[r] = log_a[r] + min_nan(max_nan(step_a, -2.0), 2.0)
        step_k = min_nan(max_nan(step_k, -0.5 * k[r]), 0.5 * k[r])
        k[r] = min_nan(max_nan(k[r] + step_k, k0 / 20.0), 20.0 * k0)


newton_step = numba.njit(cache=True)(newton_step_python)

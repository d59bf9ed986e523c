"""Raw SVI smile (Gatheral 2004) and its quasi-explicit calibration (Zeliade 2009).

A smile is described in total implied variance ``w = σ² T`` against log-moneyness
``k = ln(K / F)`` (``F`` the forward of the expiry)::

    w(k) = a + b (ρ (k − m) + sqrt((k − m)² + σ²))

Parameter domain enforced by :func:`calibrate_svi`: ``b ≥ 0``, ``|ρ| ≤ 1``,
``σ > 0``, minimum variance ``a + b σ sqrt(1 − ρ²) ≥ w_floor > 0`` and Roger
Lee's wing bound ``b (1 + |ρ|) ≤ 2``.

Calibration (the quasi-explicit reduction of Zeliade Systems, 2009): with
``y = (k − m)/σ``, ``d = ρ b σ`` and ``c = b σ`` the smile is linear in
``(a, d, c)``::

    w = a + d y + c sqrt(y² + 1)

so for a fixed ``(m, σ)`` the best ``(a, d, c)`` solves a small convex
quadratic programme (weighted least squares on the mid total variances,
quadratic penalties for leaving the bid/ask band, linear parameter
constraints), solved exactly by enumerating active sets (:func:`solve_adc`).
The outer problem over ``(m, log σ)`` is two-dimensional: a coarse grid then a
Nelder–Mead polish, both deterministic. Durrleman's butterfly condition enters
the outer objective as a penalty (see :mod:`mmdesk.surface.arbitrage`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from mmdesk.surface.numpy_exp import exp_as_numpy
from mmdesk.surface.svi_inner import _min_durrleman
from mmdesk.surface.svi_outer import _fit_outer
from mmdesk.typing import Float64Array, FloatLike

#: Roger Lee's moment bound on the wing slopes of total variance: ``b (1 + |ρ|) ≤ 2``.
LEE_WING_BOUND = 2.0

#: Lower bound on σ as a fraction of the quotes' median log-moneyness gap (:func:`sigma_floor`).
SIGMA_FLOOR_SPACING = 0.1

# Nodes of the piecewise-linear under-estimate of sqrt(1 − ρ²) used to impose the
# minimum-variance constraint a + c sqrt(1 − ρ²) ≥ floor as linear inequalities.
_CHORD_RHO = np.array([-1.0, -0.97, -0.9, -0.75, -0.5, 0.0, 0.5, 0.75, 0.9, 0.97, 1.0])


class SVIParams(NamedTuple):
    """Raw SVI parameters of one expiry (total-variance units, ``k = ln(K/F)``).

    Attributes
    ----------
    a : float
        Level of total variance (year · vol²).
    b : float
        Angle between the wings (≥ 0).
    rho : float
        Rotation / skew, in [−1, 1].
    m : float
        Horizontal shift of the smile in log-moneyness.
    sigma : float
        ATM curvature scale (> 0), in log-moneyness.
    """

    a: float
    b: float
    rho: float
    m: float
    sigma: float

    def min_variance(self) -> float:
        """Minimum total variance of the smile, ``a + b σ sqrt(1 − ρ²)``."""
        return self.a + self.b * self.sigma * float(np.sqrt(max(1.0 - self.rho**2, 0.0)))

    def wing_slopes(self) -> tuple[float, float]:
        """Asymptotic slopes ``(b (1 − ρ), b (1 + ρ))`` of ``w`` for ``k → −∞`` and ``+∞``."""
        return self.b * (1.0 - self.rho), self.b * (1.0 + self.rho)

    def is_admissible(self, tol: float = 1e-12) -> bool:
        """True when the parameters satisfy the domain listed in the module docstring."""
        return (
            self.b >= -tol
            and abs(self.rho) <= 1.0 + tol
            and self.sigma > 0.0
            and self.min_variance() >= -tol
            and self.b * (1.0 + abs(self.rho)) <= LEE_WING_BOUND + 1e-9
        )


def svi_total_variance(k: FloatLike, p: SVIParams) -> Float64Array:
    """Total implied variance ``w(k)`` of a raw SVI smile.

    Parameters
    ----------
    k : float or array
        Log-moneyness ``ln(K / F)``.
    p : SVIParams
        Smile parameters.

    Returns
    -------
    ndarray
        Total variance ``σ_BS² T`` (year · vol²), same shape as ``k``.
    """
    x = np.asarray(k, dtype=np.float64) - p.m
    return np.asarray(p.a + p.b * (p.rho * x + np.sqrt(x * x + p.sigma**2)), dtype=np.float64)


def svi_derivatives(k: FloatLike, p: SVIParams) -> tuple[Float64Array, Float64Array, Float64Array]:
    """``(w, ∂w/∂k, ∂²w/∂k²)`` of a raw SVI smile at log-moneyness ``k``."""
    x = np.asarray(k, dtype=np.float64) - p.m
    r = np.sqrt(x * x + p.sigma**2)
    w = p.a + p.b * (p.rho * x + r)
    w1 = p.b * (p.rho + x / r)
    w2 = p.b * p.sigma**2 / (r * r * r)
    return np.asarray(w), np.asarray(w1), np.asarray(w2)


def svi_from_ssvi_slice(theta: float, phi: float, rho: float) -> SVIParams:
    """Raw SVI parameters of the SSVI slice ``θ/2 (1 + ρφk + sqrt((φk + ρ)² + 1 − ρ²))``.

    Gatheral & Jacquier (2014), Lemma 3.2: ``a = θ(1 − ρ²)/2``, ``b = θφ/2``,
    ``m = −ρ/φ``, ``σ = sqrt(1 − ρ²)/φ``.
    """
    s = float(np.sqrt(max(1.0 - rho * rho, 1e-12)))
    return SVIParams(0.5 * theta * (1.0 - rho * rho), 0.5 * theta * phi, rho, -rho / phi, s / phi)


def _constraints(
    sigma: float, w_floor: float, scale: float = 1.0
) -> tuple[Float64Array, Float64Array]:
    """Linear constraints ``G (a, d, c) ≥ h`` of the raw-SVI domain for a given σ.

    ``(a, d, c)`` are in units of ``scale`` (total variance), ``w_floor`` too.
    """
    rows: list[tuple[float, float, float]] = [
        (0.0, 0.0, 1.0),  # c >= 0  (b >= 0)
        (0.0, -1.0, 1.0),  # c - d >= 0  (rho <= 1)
        (0.0, 1.0, 1.0),  # c + d >= 0  (rho >= -1)
        (0.0, -1.0, -1.0),  # c + d <= L sigma  (b (1 + rho) <= L)
        (0.0, 1.0, -1.0),  # c - d <= L sigma  (b (1 - rho) <= L)
    ]
    lee = LEE_WING_BOUND * sigma / scale
    rhs = [0.0, 0.0, 0.0, -lee, -lee]
    s = np.sqrt(np.maximum(1.0 - _CHORD_RHO**2, 0.0))
    for j in range(_CHORD_RHO.size - 1):
        slope = (s[j + 1] - s[j]) / (_CHORD_RHO[j + 1] - _CHORD_RHO[j])
        alpha = s[j] - slope * _CHORD_RHO[j]
        rows.append((1.0, slope, alpha))  # a + alpha c + slope d >= floor
        rhs.append(w_floor)
    return np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64)


def sigma_floor(k: FloatLike) -> float:
    """Smallest ``σ`` the calibration may return for quotes at log-moneyness ``k``.

    ``SIGMA_FLOOR_SPACING`` × the median gap between neighbouring distinct quotes
    (log-moneyness units). ``σ`` is the width of the smile's rounded vertex; the
    quotes sample the smile only every gap, so a vertex narrower than a fraction of
    it is not seen by the data, only by the one quote next to the kink.
    """
    ku = np.unique(np.asarray(k, dtype=np.float64).ravel())
    gaps = np.diff(ku)
    gaps = gaps[gaps > 0.0]
    if gaps.size == 0:
        return 1e-8
    return SIGMA_FLOOR_SPACING * float(np.median(gaps))


class SVIFitResult(NamedTuple):
    """Outcome of :func:`calibrate_svi`.

    Attributes
    ----------
    params : SVIParams
        Fitted smile.
    objective : float
        Final value of the penalised weighted least-squares objective (normalised units).
    min_g : float
        Minimum of Durrleman's g over the check grid (≥ 0: no butterfly arbitrage).
    """

    params: SVIParams
    objective: float
    min_g: float


def calibrate_svi(
    k: FloatLike,
    w_mid: FloatLike,
    weight: FloatLike | None = None,
    w_lo: FloatLike | None = None,
    w_hi: FloatLike | None = None,
    *,
    band_penalty: float = 100.0,
    kgrid: FloatLike | None = None,
    grid_lo: FloatLike | None = None,
    grid_hi: FloatLike | None = None,
    grid_penalty: float = 0.0,
    butterfly_penalty: float = 1e3,
) -> SVIFitResult:
    """Fit a raw SVI smile to total variances (quasi-explicit, deterministic).

    Parameters
    ----------
    k : array
        Log-moneyness ``ln(K / F)`` of the quotes.
    w_mid : array
        Target total variances ``σ_mid² T`` (year · vol²).
    weight : array, optional
        Non-negative weights of the squared mid residuals (default 1); only their
        ratios matter.
    w_lo, w_hi : array, optional
        Bid/ask band of total variance per quote (``−inf``/``+inf`` where open).
        Leaving the band costs ``band_penalty × weight × distance²``.
    band_penalty : float
        Multiplier of the band penalty relative to the mid weight.
    kgrid : array, optional
        Dense log-moneyness grid on which butterfly arbitrage is penalised (and on
        which the calendar bounds ``grid_lo``/``grid_hi`` apply). Defaults to the
        quotes' range widened by half its width on each side.
    grid_lo, grid_hi : array, optional
        Bounds on ``w`` at ``kgrid`` (e.g. neighbouring expiries' total variance,
        for calendar no-arbitrage), penalised with weight ``grid_penalty`` each.
    grid_penalty : float
        Weight per grid point of the calendar penalty (relative to the largest
        mid weight).
    butterfly_penalty : float
        Weight of ``Σ min(g, 0)²`` on ``kgrid`` in the outer objective.

    Returns
    -------
    SVIFitResult
    """
    kk = np.asarray(k, dtype=np.float64).ravel()
    wm = np.asarray(w_mid, dtype=np.float64).ravel()
    n = kk.size
    if n < 3:
        raise ValueError(f"calibrate_svi needs at least 3 quotes, got k of size {n}")
    if wm.size != n:
        raise ValueError(f"w_mid has size {wm.size}, expected {n} (size of k)")
    if not (np.all(np.isfinite(kk)) and np.all(np.isfinite(wm))):
        raise ValueError("k and w_mid must be finite")
    if np.any(wm <= 0.0):
        raise ValueError(f"w_mid must be positive, got min {wm.min()!r}")
    wt = np.ones(n) if weight is None else np.broadcast_to(np.asarray(weight, float), n).copy()
    if np.any(~np.isfinite(wt)) or np.any(wt < 0.0) or wt.max() <= 0.0:
        raise ValueError("weight must be finite, non-negative and not all zero")
    lo = np.full(n, -np.inf) if w_lo is None else np.broadcast_to(np.asarray(w_lo, float), n)
    hi = np.full(n, np.inf) if w_hi is None else np.broadcast_to(np.asarray(w_hi, float), n)

    scale = float(np.median(wm))  # work in units of the median total variance
    wt = wt / wt.max()
    kmin, kmax = float(kk.min()), float(kk.max())
    width = max(kmax - kmin, 1e-4)
    if kgrid is None:
        kg = np.linspace(kmin - 0.5 * width, kmax + 0.5 * width, 101)
    else:
        kg = np.asarray(kgrid, dtype=np.float64).ravel()
    ng = kg.size
    glo = np.full(ng, -np.inf) if grid_lo is None else np.asarray(grid_lo, float) / scale
    ghi = np.full(ng, np.inf) if grid_hi is None else np.asarray(grid_hi, float) / scale

    # data points then grid points (grid points carry no mid weight, only bounds)
    k_all = np.concatenate([kk, kg])
    target = np.concatenate([wm / scale, np.zeros(ng)])
    wt_all = np.concatenate([wt, np.zeros(ng)])
    lo_all = np.concatenate([np.asarray(lo, float) / scale, glo])
    hi_all = np.concatenate([np.asarray(hi, float) / scale, ghi])
    pen_all = np.concatenate([band_penalty * wt, np.full(ng, grid_penalty)])
    w_floor = 1e-3 * float(wm.min()) / scale
    x = np.zeros(3)
    G, h0 = _constraints(1.0, w_floor, scale)
    h = h0.copy()
    has_grid = bool(np.any(np.isfinite(glo)) or np.any(np.isfinite(ghi)))
    if not has_grid:  # grid points carry no bound: leave them out of the inner problem
        k_all, target, wt_all = k_all[:n], target[:n], wt_all[:n]
        lo_all, hi_all, pen_all = lo_all[:n], hi_all[:n], pen_all[:n]

    sig_floor = sigma_floor(kk)
    y = np.empty(k_all.shape[0])
    # coarse grid over (m, log sigma), then Nelder-Mead polish from the best node, all
    # in one kernel (mmdesk.surface.svi_outer: scipy's Nelder-Mead step for step)
    m_nodes = np.linspace(kmin, kmax, 7)
    s_nodes = np.linspace(np.log(max(0.02 * width, sig_floor)), np.log(1.5 * width), 7)
    z = np.empty(2)
    final = _fit_outer(
        m_nodes, s_nodes, k_all, target, wt_all, lo_all, hi_all, pen_all, G, h0, h, x, y, scale,
        kg, butterfly_penalty, sig_floor, z,
    )  # fmt: skip
    m, sig = float(z[0]), max(exp_as_numpy(float(z[1])), sig_floor)
    a, d, c = x[0] * scale, x[1] * scale, x[2] * scale
    b = c / sig
    rho = float(np.clip(d / c, -1.0, 1.0)) if c > 0.0 else 0.0
    params = SVIParams(float(a), float(b), rho, m, sig)
    gmin, _ = _min_durrleman(params.a, params.b, params.rho, params.m, params.sigma, kg)
    return SVIFitResult(params, float(final), float(gmin))

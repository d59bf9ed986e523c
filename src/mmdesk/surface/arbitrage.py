"""Static no-arbitrage of SVI smiles: butterfly (Durrleman) and calendar checks and repairs.

Butterfly (Durrleman 2005; Gatheral & Jacquier 2014, Lemma 2.2): a smile
``w(k)`` is free of butterfly arbitrage iff the implied density is
non-negative, i.e. ::

    g(k) = (1 − k w'/(2w))² − (w'²/4)(1/w + 1/4) + w''/2 ≥ 0   for all k.

Calendar: total variance must be non-decreasing in expiry at fixed
log-moneyness ``k = ln(K/F)``: ``w(k, T₂) ≥ w(k, T₁)`` for ``T₂ > T₁``.

Both are checked on a dense finite k-grid (:func:`check_grid`); the grid is
part of the statement (SVI wings are linear, and with Lee's bound
``b(1 + |ρ|) ≤ 2`` the asymptotic value ``g(±∞) = 1/4 − b²(1 ± ρ)²/16`` is
non-negative, so the grid only has to cover the body of the smile).
Repairs: :func:`repair_butterfly` moves a slice along the straight line in
parameter space towards an arbitrage-free anchor (an SSVI slice) and keeps
the point closest to the fit that passes; :func:`lift_to_floor` raises ``a``
until a slice clears a calendar floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmdesk.surface.svi import SVIParams, svi_derivatives, svi_total_variance
from mmdesk.surface.svi_inner import _min_durrleman
from mmdesk.typing import Float64Array, FloatLike

#: Tolerance of the butterfly check on g (dimensionless).
BUTTERFLY_TOL = 1e-9
#: Relative tolerance of the calendar check on total variance.
CALENDAR_RTOL = 1e-9


def durrleman_g(k: FloatLike, p: SVIParams) -> Float64Array:
    """Durrleman's function ``g(k)`` of a raw SVI smile (≥ 0 ⇔ no butterfly arbitrage).

    Parameters
    ----------
    k : float or array
        Log-moneyness ``ln(K / F)``.
    p : SVIParams
        Smile.

    Returns
    -------
    ndarray
        ``g(k)``, dimensionless; ``-inf`` where ``w(k) ≤ 0``.
    """
    kk = np.asarray(k, dtype=np.float64)
    w, w1, w2 = svi_derivatives(kk, p)
    out = np.full(np.shape(w), -np.inf)
    ok = w > 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (1.0 - kk * w1 / (2.0 * w)) ** 2 - 0.25 * w1 * w1 * (1.0 / w + 0.25) + 0.5 * w2
    out[ok] = g[ok]
    return out


def check_grid(k_min: float, k_max: float, n: int = 241, margin: float = 0.25) -> Float64Array:
    """The dense log-moneyness grid of the checks: ``[k_min, k_max]`` widened by ``margin``.

    Parameters
    ----------
    k_min, k_max : float
        Range of quoted log-moneyness.
    n : int
        Number of grid points.
    margin : float
        Fraction of the width added on each side.
    """
    if not (np.isfinite(k_min) and np.isfinite(k_max)) or k_max < k_min:
        raise ValueError(f"check_grid needs finite k_min <= k_max, got {k_min!r}, {k_max!r}")
    width = max(k_max - k_min, 1e-3)
    return np.linspace(k_min - margin * width, k_max + margin * width, n)


def min_g(p: SVIParams, kgrid: Float64Array) -> float:
    """Minimum of Durrleman's g over ``kgrid`` (numba kernel)."""
    g, _ = _min_durrleman(p.a, p.b, p.rho, p.m, p.sigma, np.asarray(kgrid, dtype=np.float64))
    return float(g)


def butterfly_free(p: SVIParams, kgrid: Float64Array) -> bool:
    """True when ``g(k) ≥ −BUTTERFLY_TOL`` on the whole grid."""
    return min_g(p, kgrid) >= -BUTTERFLY_TOL


def calendar_violation(w_short: Float64Array, w_long: Float64Array) -> float:
    """Largest ``w_short − w_long`` on a common grid (≤ 0: no calendar arbitrage), year·vol²."""
    return float(np.max(np.asarray(w_short) - np.asarray(w_long)))


def calendar_free(w_short: Float64Array, w_long: Float64Array) -> bool:
    """True when ``w_long ≥ w_short`` on the grid, up to ``CALENDAR_RTOL`` relative."""
    tol = CALENDAR_RTOL * float(np.max(np.abs(w_long)))
    return calendar_violation(w_short, w_long) <= tol


def repair_butterfly(
    p: SVIParams, anchor: SVIParams, kgrid: Float64Array, margin: float = 1e-7
) -> tuple[SVIParams, float]:
    """Closest point to ``p`` on the segment ``anchor → p`` that is butterfly-free.

    Bisection on ``λ ∈ [0, 1]`` of ``anchor + λ (p − anchor)`` (componentwise,
    σ geometrically) for the largest λ with ``min g ≥ margin``.

    Parameters
    ----------
    p : SVIParams
        Fitted slice with butterfly arbitrage.
    anchor : SVIParams
        An arbitrage-free slice of the same expiry (e.g. the SSVI slice).
    kgrid : array
        Check grid.
    margin : float
        Required minimum of g after repair.

    Returns
    -------
    (SVIParams, float)
        Repaired slice and the λ kept (1 = unchanged, 0 = the anchor).
    """
    if min_g(p, kgrid) >= margin:
        return p, 1.0

    def at(lam: float) -> SVIParams:
        return SVIParams(
            anchor.a + lam * (p.a - anchor.a),
            anchor.b + lam * (p.b - anchor.b),
            anchor.rho + lam * (p.rho - anchor.rho),
            anchor.m + lam * (p.m - anchor.m),
            float(anchor.sigma * (p.sigma / anchor.sigma) ** lam),
        )

    if min_g(anchor, kgrid) < margin:
        return anchor, 0.0
    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if min_g(at(mid), kgrid) >= margin:
            lo = mid
        else:
            hi = mid
    return at(lo), lo


def lift_to_floor(p: SVIParams, kgrid: Float64Array, w_floor: Float64Array) -> SVIParams:
    """Raise ``a`` just enough that ``w(k) ≥ w_floor`` on ``kgrid`` (calendar repair)."""
    gap = float(np.max(np.asarray(w_floor) - svi_total_variance(kgrid, p)))
    if gap <= 0.0:
        return p
    return p._replace(a=p.a + gap * (1.0 + 1e-9) + 1e-15)


@dataclass(frozen=True)
class ArbitrageReport:
    """Static-arbitrage status of a set of slices on one check grid.

    Attributes
    ----------
    min_g : ndarray
        Minimum of Durrleman's g per slice (≥ 0 passes).
    calendar_gap : ndarray
        Per consecutive pair of expiries, ``max_k (w_short − w_long)`` (≤ 0 passes),
        year·vol²; length ``n_slices − 1``.
    butterfly_ok : ndarray of bool
        Per slice.
    calendar_ok : ndarray of bool
        Per slice: the slice is not below the previous expiry anywhere (True for the first).
    """

    min_g: Float64Array
    calendar_gap: Float64Array
    butterfly_ok: np.ndarray
    calendar_ok: np.ndarray

    @property
    def ok(self) -> bool:
        """True when every slice passes both checks."""
        return bool(np.all(self.butterfly_ok) and np.all(self.calendar_ok))


def g_from_derivatives(
    k: Float64Array, w: Float64Array, w1: Float64Array, w2: Float64Array
) -> Float64Array:
    """Durrleman's g from total variance and its first two k-derivatives (−inf where w ≤ 0)."""
    out = np.full(np.shape(w), -np.inf)
    ok = w > 0.0
    ws = np.where(ok, w, 1.0)
    g = (1.0 - k * w1 / (2.0 * ws)) ** 2 - 0.25 * w1 * w1 * (1.0 / ws + 0.25) + 0.5 * w2
    out[ok] = g[ok]
    return out


def check_smiles(
    smiles: list[tuple[Float64Array, Float64Array, Float64Array]], kgrid: Float64Array
) -> ArbitrageReport:
    """Butterfly and calendar checks of smiles given as ``(w, w', w'')`` on ``kgrid``.

    Parameters
    ----------
    smiles : list of (w, w', w'') arrays
        Total variance and its k-derivatives on ``kgrid``, increasing expiry.
    kgrid : array
        Common log-moneyness grid.
    """
    gmins = np.array([float(np.min(g_from_derivatives(kgrid, *s))) for s in smiles])
    ws = [s[0] for s in smiles]
    return _report(gmins, ws)


def check_slices(slices: list[SVIParams], kgrid: Float64Array) -> ArbitrageReport:
    """Butterfly check of each slice and calendar check of each consecutive pair.

    Parameters
    ----------
    slices : list of SVIParams
        Smiles in increasing order of expiry.
    kgrid : array
        Common log-moneyness grid.
    """
    gmins = np.array([min_g(p, kgrid) for p in slices])
    ws = [svi_total_variance(kgrid, p) for p in slices]
    return _report(gmins, ws)


def _report(gmins: Float64Array, ws: list[Float64Array]) -> ArbitrageReport:
    gaps = np.array([calendar_violation(ws[i], ws[i + 1]) for i in range(len(ws) - 1)])
    cal_ok = np.ones(len(ws), dtype=bool)
    for i in range(len(ws) - 1):
        cal_ok[i + 1] = calendar_free(ws[i], ws[i + 1])
    return ArbitrageReport(gmins, gaps, gmins >= -BUTTERFLY_TOL, cal_ok)

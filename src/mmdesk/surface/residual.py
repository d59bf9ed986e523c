"""A smooth, compactly supported correction on top of an SVI slice.

Raw SVI has five parameters; a short-dated index smile quoted with spreads of a
few tenths of a vol point often has more shape than that (see
``docs/surface.md``). The slice model of mmdesk is therefore::

    w(k) = w_SVI(k) + Σ_j c_j B((k − κ_j) / h)

with ``B`` the uniform cubic B-spline (support ``[−2, 2]``, C²) and centres
``κ_j`` placed so every basis function lives inside the quoted range
``[k_lo, k_hi]``: outside it the correction and its first two derivatives
vanish and the wings are pure SVI (Lee's bound holds). The coefficients solve
a penalised least-squares problem (mid residuals, band penalties, calendar
bounds on a grid, and a second-difference smoothness penalty); butterfly and
calendar conditions are checked on the combined smile by the caller.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from mmdesk.typing import Float64Array, FloatLike


def spline_value_python(
    k: Float64Array, k_lo: float, h: float, coef: Float64Array, order: int, out: Float64Array
) -> None:
    """Σ_j coef_j B^(order)((k − κ_j)/h) at each k (only the 4 live basis functions)."""
    m = coef.shape[0]
    for i in range(k.shape[0]):
        x = (k[i] - k_lo) / h  # basis j lives on x in [j, j + 4], centred at j + 2
        s = 0.0
        j_hi = int(np.floor(x))
        for j in range(j_hi - 3, j_hi + 1):
            if j < 0 or j >= m:
                continue
            u = x - (j + 2.0)
            a = abs(u)
            if a >= 2.0:
                continue
            if order == 0:
                v = 2.0 / 3.0 - u * u + 0.5 * a * a * a if a <= 1.0 else (2.0 - a) ** 3 / 6.0
            elif order == 1:
                if a <= 1.0:
                    v = (-2.0 * u + 1.5 * u * a) / h
                else:
                    v = -np.sign(u) * 0.5 * (2.0 - a) ** 2 / h
            else:
                v = (-2.0 + 3.0 * a if a <= 1.0 else 2.0 - a) / (h * h)
            s += coef[j] * v
        out[i] = s


spline_value = numba.njit(cache=True)(spline_value_python)


def spline_basis_python(
    k: Float64Array, k_lo: float, h: float, order: int, out: Float64Array
) -> None:
    """Dense basis matrix ``out[i, j] = B^(order)((k_i − κ_j)/h)`` (4 non-zeros per row)."""
    m = out.shape[1]
    for i in range(k.shape[0]):
        for j in range(m):
            out[i, j] = 0.0
        x = (k[i] - k_lo) / h
        j_hi = int(np.floor(x))
        for j in range(j_hi - 3, j_hi + 1):
            if j < 0 or j >= m:
                continue
            u = x - (j + 2.0)
            a = abs(u)
            if a >= 2.0:
                continue
            if order == 0:
                v = 2.0 / 3.0 - u * u + 0.5 * a * a * a if a <= 1.0 else (2.0 - a) ** 3 / 6.0
            elif order == 1:
                if a <= 1.0:
                    v = (-2.0 * u + 1.5 * u * a) / h
                else:
                    v = -np.sign(u) * 0.5 * (2.0 - a) ** 2 / h
            else:
                v = (-2.0 + 3.0 * a if a <= 1.0 else 2.0 - a) / (h * h)
            out[i, j] = v


spline_basis = numba.njit(cache=True)(spline_basis_python)


class SplineCorrection(NamedTuple):
    """Uniform cubic B-spline correction to total variance (zero outside its range).

    Attributes
    ----------
    k_lo : float
        Left end of the support (log-moneyness).
    h : float
        Knot spacing (log-moneyness).
    coef : ndarray
        Coefficient of each basis function (year · vol²); basis ``j`` is
        centred at ``k_lo + (j + 2) h``.
    """

    k_lo: float
    h: float
    coef: Float64Array

    @staticmethod
    def zero() -> SplineCorrection:
        """The null correction."""
        return SplineCorrection(0.0, 1.0, np.zeros(0))

    def basis(self, k: FloatLike, order: int = 0) -> Float64Array:
        """Basis functions (or their ``order``-th k-derivative) at ``k``: shape ``(n, m)``."""
        if order not in (0, 1, 2):
            raise ValueError(f"order must be 0, 1 or 2, got {order!r}")
        kk = np.ascontiguousarray(k, dtype=np.float64).ravel()
        out = np.empty((kk.size, self.coef.size))
        spline_basis(kk, float(self.k_lo), float(self.h), order, out)
        return out

    def value(self, k: FloatLike, order: int = 0) -> Float64Array:
        """Correction (or its derivative) at ``k``, same shape as ``k``."""
        kk = np.asarray(k, dtype=np.float64)
        if self.coef.size == 0:
            return np.zeros(kk.shape)
        if order not in (0, 1, 2):
            raise ValueError(f"order must be 0, 1 or 2, got {order!r}")
        flat = np.ascontiguousarray(kk, dtype=np.float64).ravel()
        out = np.empty(flat.size)
        spline_value(
            flat, float(self.k_lo), float(self.h), self.coef.astype(np.float64), order, out
        )
        return out.reshape(kk.shape)

    def scaled(self, lam: float) -> SplineCorrection:
        """The correction multiplied by ``lam``."""
        return SplineCorrection(self.k_lo, self.h, self.coef * lam)


def fit_correction(
    k: Float64Array,
    residual: Float64Array,
    weight: Float64Array,
    lo: Float64Array,
    hi: Float64Array,
    band_penalty: float,
    smoothness: float,
    n_knots: int,
    k_range: tuple[float, float],
    extra_rows: Float64Array | None = None,
    extra_lo: Float64Array | None = None,
    extra_penalty: float = 0.0,
) -> SplineCorrection:
    """Penalised least-squares spline correction of a base smile.

    Parameters
    ----------
    k : array
        Log-moneyness of the points (data points, then grid points with zero weight).
    residual : array
        Target minus base total variance (year·vol²) at ``k`` (ignored where weight is 0).
    weight : array
        Weights of the squared mid residuals.
    lo, hi : array
        Band of the correction at each point (band of ``w`` minus the base);
        leaving it costs ``band_penalty × penalty weight × distance²``; the penalty
        weight of a point is its weight, or the mean weight for grid points.
    smoothness : float
        Weight of the squared second differences of the coefficients (relative
        to the total data weight).
    n_knots : int
        Knot intervals across ``k_range`` (≥ 4); ``n_knots − 3`` basis functions.
    k_range : (float, float)
        Support of the correction.
    extra_rows, extra_lo : arrays, optional
        Extra linear inequalities ``extra_rows @ coef ≥ extra_lo`` (e.g. linearised
        Durrleman conditions), each penalised with weight ``extra_penalty``
        when violated. ``extra_rows`` has one column per basis function
        (``n_knots − 3``).

    Returns
    -------
    SplineCorrection
    """
    k_lo, k_hi = k_range
    n_knots = max(int(n_knots), 4)
    h = (k_hi - k_lo) / n_knots
    m = n_knots - 3
    corr = SplineCorrection(k_lo, h, np.zeros(m))
    if h <= 0.0:
        return SplineCorrection.zero()
    Bm = corr.basis(k)
    total = float(weight.sum())
    pen_w = np.where(weight > 0.0, weight, total / max(int((weight > 0).sum()), 1))
    pen_w = band_penalty * pen_w
    if extra_rows is not None and extra_lo is not None and extra_rows.shape[0] > 0:
        ne = extra_rows.shape[0]
        Bm = np.vstack([Bm, extra_rows])
        weight = np.concatenate([weight, np.zeros(ne)])
        residual = np.concatenate([residual, np.zeros(ne)])
        lo = np.concatenate([lo, extra_lo])
        hi = np.concatenate([hi, np.full(ne, np.inf)])
        pen_w = np.concatenate([pen_w, np.full(ne, extra_penalty)])
    D = np.diff(np.eye(m), n=2, axis=0)
    R = smoothness * total * (D.T @ D) + 1e-12 * total * np.eye(m)
    hi_f = np.where(np.isfinite(hi), hi, 0.0)
    lo_f = np.where(np.isfinite(lo), lo, 0.0)
    state = np.zeros(Bm.shape[0], dtype=np.int8)
    c: Float64Array = np.zeros(m)
    for _ in range(30):
        wgt = weight + np.where(state != 0, pen_w, 0.0)
        tgt = weight * np.where(weight > 0.0, residual, 0.0) + np.where(
            state > 0, pen_w * hi_f, 0.0
        )
        tgt = tgt + np.where(state < 0, pen_w * lo_f, 0.0)
        live = wgt > 0.0  # rows with no weight and no active bound drop out
        Bl = Bm[live]
        A = Bl.T @ (wgt[live, None] * Bl) + R
        c = np.asarray(np.linalg.solve(A, Bl.T @ tgt[live]), dtype=np.float64)
        v = Bm @ c
        new = np.where(v > hi, 1, np.where(v < lo, -1, 0)).astype(np.int8)
        if np.array_equal(new, state):
            break
        state = new
    return SplineCorrection(k_lo, h, c)

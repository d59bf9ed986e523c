"""SSVI surface (Gatheral & Jacquier 2014) with the power-law φ.

Total variance at log-moneyness ``k`` for an expiry of ATM total variance ``θ``::

    w(k, θ) = θ/2 (1 + ρ φ(θ) k + sqrt((φ(θ) k + ρ)² + 1 − ρ²))
    φ(θ)    = η θ^(−γ) (1 + θ)^(γ − 1)

With ``θ_t`` non-decreasing in ``t``, ``0 < γ ≤ 1/2`` and ``η (1 + |ρ|) ≤ 2`` the
surface is free of static arbitrage (G&J 2014, section 4: the power-law φ
satisfies ``θφ(θ)(1 + |ρ|) < 4`` and ``θφ(θ)²(1 + |ρ|) ≤ 4`` for butterflies and
``∂θ(θφ(θ)) ≥ 0`` for calendars). :func:`fit_ssvi` enforces exactly these
bounds, so its result is arbitrage-free by construction; mmdesk uses it as
the anchor of the butterfly repair of per-expiry SVI slices and as a
one-parameter-set alternative surface.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import least_squares

from mmdesk.surface.svi import SVIParams, svi_from_ssvi_slice
from mmdesk.typing import Float64Array, FloatLike

GAMMA_MIN = 0.01
GAMMA_MAX = 0.5


class SSVIParams(NamedTuple):
    """Global SSVI parameters plus the ATM total variance of each fitted expiry.

    Attributes
    ----------
    rho : float
        Skew, in (−1, 1).
    eta : float
        Level of φ; ``η (1 + |ρ|) ≤ 2``.
    gamma : float
        Power-law exponent, in (0, 1/2].
    t : ndarray
        Expiries (years), increasing.
    theta : ndarray
        ATM total variance per expiry (year · vol²), non-decreasing.
    """

    rho: float
    eta: float
    gamma: float
    t: Float64Array
    theta: Float64Array

    def phi(self, theta: FloatLike) -> Float64Array:
        """Power-law ``φ(θ) = η θ^(−γ) (1 + θ)^(γ − 1)``."""
        th = np.asarray(theta, dtype=np.float64)
        return np.asarray(self.eta * th ** (-self.gamma) * (1.0 + th) ** (self.gamma - 1.0))

    def slice(self, i: int) -> SVIParams:
        """Raw SVI parameters of expiry ``i`` (exact, G&J Lemma 3.2)."""
        th = float(self.theta[i])
        return svi_from_ssvi_slice(th, float(self.phi(th)), self.rho)

    def is_arbitrage_free(self) -> bool:
        """True when the sufficient no-arbitrage conditions of the module docstring hold."""
        return bool(
            0.0 < self.gamma <= GAMMA_MAX + 1e-12
            and self.eta * (1.0 + abs(self.rho)) <= 2.0 + 1e-12
            and abs(self.rho) < 1.0
            and np.all(np.diff(self.theta) >= 0.0)
            and np.all(self.theta > 0.0)
        )


def ssvi_total_variance(k: FloatLike, theta: FloatLike, p: SSVIParams) -> Float64Array:
    """SSVI total variance ``w(k, θ)`` (year · vol²); broadcasts ``k`` and ``θ``."""
    kk = np.asarray(k, dtype=np.float64)
    th = np.asarray(theta, dtype=np.float64)
    ph = p.phi(th)
    r = p.rho
    return np.asarray(0.5 * th * (1.0 + r * ph * kk + np.sqrt((ph * kk + r) ** 2 + 1.0 - r * r)))


def fit_ssvi(
    t: Float64Array,
    k: list[Float64Array],
    w_mid: list[Float64Array],
    weight: list[Float64Array],
) -> SSVIParams:
    """Fit SSVI to mid total variances of several expiries (weighted least squares in vol).

    Parameters
    ----------
    t : array
        Expiries in years, strictly increasing.
    k, w_mid, weight : list of arrays
        Per expiry: log-moneyness, mid total variance (year·vol²) and weights of
        the squared implied-vol residuals (normalised within each expiry).

    Returns
    -------
    SSVIParams
        Arbitrage-free by construction (bounds on ρ, η, γ; θ non-decreasing).
    """
    tt = np.asarray(t, dtype=np.float64)
    n = tt.size
    if n == 0 or len(k) != n or len(w_mid) != n or len(weight) != n:
        raise ValueError(f"fit_ssvi: t, k, w_mid, weight must have the same length, t has {n}")
    if np.any(np.diff(tt) <= 0.0) or tt[0] <= 0.0:
        raise ValueError(f"fit_ssvi: t must be positive and strictly increasing, got {tt}")
    theta0 = np.array(
        [
            float(np.interp(0.0, ki[np.argsort(ki)], wi[np.argsort(ki)]))
            for ki, wi in zip(k, w_mid, strict=True)
        ]
    )
    theta0 = np.maximum.accumulate(np.maximum(theta0, 1e-8))
    inc0 = np.diff(theta0, prepend=0.0)
    kk = np.concatenate(k)
    wm = np.concatenate(w_mid)
    ti = np.concatenate([np.full(ki.size, tt[i]) for i, ki in enumerate(k)])
    idx = np.concatenate([np.full(ki.size, i) for i, ki in enumerate(k)])
    sw = np.concatenate([np.sqrt(wi / max(float(np.mean(wi)), 1e-300)) for wi in weight])
    vol_mid = np.sqrt(wm / ti)

    def unpack(z: Float64Array) -> SSVIParams:
        rho, s, gamma = float(z[0]), float(z[1]), float(z[2])
        theta = np.cumsum(z[3:])
        return SSVIParams(rho, 2.0 * s / (1.0 + abs(rho)), gamma, tt, theta)

    def resid(z: Float64Array) -> Float64Array:
        p = unpack(z)
        w = ssvi_total_variance(kk, p.theta[idx], p)
        return np.asarray(sw * (np.sqrt(np.maximum(w, 1e-300) / ti) - vol_mid))

    z0 = np.concatenate([[-0.5, 0.5, 0.4], np.maximum(inc0, 1e-9)])
    lb = np.concatenate([[-0.999, 1e-4, GAMMA_MIN], np.full(n, 0.0)])
    lb[3] = 1e-10
    ub = np.concatenate([[0.999, 1.0, GAMMA_MAX], np.full(n, np.inf)])
    res = least_squares(resid, z0, bounds=(lb, ub), method="trf", x_scale="jac", max_nfev=400)
    return unpack(res.x)

"""SSVI: power-law φ, exact raw-SVI slices, arbitrage-free fit recovering a known surface."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.surface.arbitrage import check_slices
from mmdesk.surface.ssvi import SSVIParams, fit_ssvi, ssvi_total_variance
from mmdesk.surface.svi import svi_total_variance

T = np.array([0.05, 0.2, 0.5, 1.0, 2.0])
TRUE = SSVIParams(rho=-0.55, eta=1.1, gamma=0.4, t=T, theta=0.04 * T + 0.001)


def test_power_law_phi() -> None:
    th = np.array([0.01, 0.1, 1.0])
    np.testing.assert_allclose(TRUE.phi(th), 1.1 * th**-0.4 * (1 + th) ** (0.4 - 1), rtol=1e-14)


def test_slices_equal_the_ssvi_formula() -> None:
    k = np.linspace(-1, 1, 51)
    for i, th in enumerate(TRUE.theta):
        np.testing.assert_allclose(
            svi_total_variance(k, TRUE.slice(i)), ssvi_total_variance(k, th, TRUE), rtol=1e-12
        )
    assert ssvi_total_variance(0.0, 0.05, TRUE) == pytest.approx(0.05)


def test_fit_recovers_a_known_surface_and_is_arbitrage_free(rng: np.random.Generator) -> None:
    """Noise 0.1 vol point on 41 strikes x 5 expiries: ρ within 0.05, η within 10%, θ within 3%."""
    ks, ws, wts = [], [], []
    for t, th in zip(T, TRUE.theta, strict=True):
        k = np.linspace(-2.5, 1.5, 41) * np.sqrt(th)
        vol = np.sqrt(ssvi_total_variance(k, th, TRUE) / t) + 0.001 * rng.standard_normal(41)
        ks.append(k)
        ws.append(vol**2 * t)
        wts.append(np.ones(41))
    fit = fit_ssvi(T, ks, ws, wts)
    assert fit.is_arbitrage_free()
    assert fit.rho == pytest.approx(TRUE.rho, abs=0.05)
    assert fit.eta == pytest.approx(TRUE.eta, rel=0.1)
    np.testing.assert_allclose(fit.theta, TRUE.theta, rtol=0.03)
    report = check_slices([fit.slice(i) for i in range(T.size)], np.linspace(-1.5, 1.5, 301))
    assert report.ok


def test_fit_rejects_unsorted_expiries() -> None:
    k = [np.array([0.0, 0.1, -0.1])] * 2
    with pytest.raises(ValueError, match="increasing"):
        fit_ssvi(np.array([0.5, 0.2]), k, [np.full(3, 0.01)] * 2, [np.ones(3)] * 2)

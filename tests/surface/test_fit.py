"""Surface fit on a synthetic chain generated from a known SVI surface plus noise."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.pricing import black76_price
from mmdesk.surface.fit import FittedSurface, SurfaceFitConfig, fit_slices, slice_quotes
from mmdesk.surface.residual import SplineCorrection
from mmdesk.surface.svi import SVIParams, svi_total_variance

T = np.array([0.05, 0.15, 0.4, 1.0])
RATE, CARRY, SPOT = 0.03, 0.01, 100.0


def _truth(t: float) -> SVIParams:
    return SVIParams(
        a=0.6 * (0.04 * t + 0.002 * np.sqrt(t)),
        b=0.1 * np.sqrt(t) + 0.02,
        rho=-0.6,
        m=0.02,
        sigma=0.15 * np.sqrt(t) + 0.02,
    )


def _chain(rng: np.random.Generator, noise_vol: float = 0.003):
    quotes = []
    for t in T:
        p = _truth(t)
        fwd, disc = SPOT * np.exp(CARRY * t), np.exp(-RATE * t)
        K = np.round(fwd * np.exp(np.linspace(-3.0, 1.5, 60) * np.sqrt(0.04 * t)), 1)
        vol = np.sqrt(svi_total_variance(np.log(K / fwd), p) / t)
        calls = np.repeat([True, False], K.size)
        KK = np.tile(K, 2)
        noisy = np.tile(vol, 2) * (1 + noise_vol * rng.standard_normal(2 * K.size))
        px = black76_price(fwd, KK, t, noisy, RATE, calls)
        half = np.maximum(0.02, 0.03 * px)
        quotes.append(slice_quotes(t, fwd, disc, KK, calls, px - half, px + half, label=f"{t}"))
    return quotes


@pytest.fixture(scope="module")
def surface() -> FittedSurface:
    return fit_slices(_chain(np.random.default_rng(7)), spot=SPOT)


@pytest.mark.parametrize("seed", [7, 9])
@pytest.mark.parametrize(("correction", "vol_tol"), [(True, 0.002), (False, 0.001)])
def test_synthetic_svi_surface_is_recovered_within_stated_tolerances(
    seed: int, correction: bool, vol_tol: float
) -> None:
    """0.3% relative vol noise, 60 strikes x 4 expiries, bid-ask ±3% of price.

    Stated tolerances: vols within 0.2 vol point over ±2 sd with the spline
    correction (it follows some noise), 0.1 without; SVI parameters ρ within
    0.1, m within 0.01, b and σ within 10% (a is weakly identified: not tested).
    """
    surf = fit_slices(
        _chain(np.random.default_rng(seed)), SurfaceFitConfig(correction=correction), spot=SPOT
    )
    for t, sm in zip(T, surf.slices, strict=True):
        p, q = sm.svi, _truth(t)
        k = np.linspace(-2.0, 1.0, 31) * np.sqrt(0.04 * t)
        fit_vol = np.sqrt(sm.total_variance(k) / t)
        true_vol = np.sqrt(svi_total_variance(k, q) / t)
        assert np.max(np.abs(fit_vol - true_vol)) < vol_tol
        assert abs(p.rho - q.rho) < 0.1
        assert abs(p.m - q.m) < 0.01
        assert p.b == pytest.approx(q.b, rel=0.1)
        assert p.sigma == pytest.approx(q.sigma, rel=0.1)


def test_synthetic_fit_is_inside_the_band_and_arbitrage_free(surface: FittedSurface) -> None:
    assert surface.ok
    for s in surface.summaries:
        assert s.inside_band >= 0.95 and s.n_points == 60


def test_vol_reproduces_slices_and_interpolates_in_total_variance(surface: FittedSurface) -> None:
    K = np.array([90.0, 100.0, 110.0])
    t0, t1 = T[1], T[2]
    F0, F1 = surface.forward(t0), surface.forward(t1)
    np.testing.assert_allclose(
        surface.vol(K, t0) ** 2 * t0, surface.slices[1].total_variance(np.log(K / F0))
    )
    tm = 0.5 * (t0 + t1)
    k = np.log(K / surface.forward(tm))
    w = surface.total_variance(k, tm)
    expected = 0.5 * (surface.slices[1].total_variance(k) + surface.slices[2].total_variance(k))
    np.testing.assert_allclose(w, expected, rtol=1e-12)
    assert np.all(np.diff(surface.total_variance(0.0, np.linspace(0.01, 2.0, 50))) >= 0)
    assert np.isnan(surface.vol(100.0, 0.0))
    _ = F1


def test_flat_vol_extrapolation_outside_the_expiries(surface: FittedSurface) -> None:
    k = np.array([-0.1, 0.0, 0.1])
    short = surface.total_variance(k, T[0] / 2)
    np.testing.assert_allclose(short, surface.slices[0].total_variance(k) / 2)
    long_ = surface.total_variance(k, 2 * T[-1])
    np.testing.assert_allclose(long_, surface.slices[-1].total_variance(k) * 2)


def test_forward_and_discount_curves(surface: FittedSurface) -> None:
    np.testing.assert_allclose(surface.forward(T), SPOT * np.exp(CARRY * T), rtol=1e-12)
    assert surface.forward(0.0) == pytest.approx(SPOT)
    np.testing.assert_allclose(surface.discount(T), np.exp(-RATE * T), rtol=1e-12)
    assert surface.discount(0.0) == pytest.approx(1.0)


def test_correction_vanishes_outside_its_support() -> None:
    c = SplineCorrection(-0.2, 0.05, np.array([1.0, -2.0, 0.5]))
    assert np.all(c.value(np.array([-0.3, -0.2, 0.1, 0.3])) == 0.0)  # support [-0.2, 0.1]
    h = 1e-5
    k = np.linspace(-0.19, 0.09, 17)
    np.testing.assert_allclose(
        c.value(k, 1), (c.value(k + h) - c.value(k - h)) / (2 * h), atol=1e-4
    )


def test_fit_without_enough_quotes_raises() -> None:
    q = _chain(np.random.default_rng(1))[:1]
    with pytest.raises(ValueError, match="usable quotes"):
        fit_slices(q, SurfaceFitConfig(min_points=1000))


def test_spline_kernel_and_twin_agree_with_the_dense_basis(rng: np.random.Generator) -> None:
    from mmdesk.surface.residual import spline_value, spline_value_python

    c = SplineCorrection(-0.3, 0.04, rng.standard_normal(9))
    k = rng.uniform(-0.4, 0.2, 200)
    for order in (0, 1, 2):
        a, b = np.empty(k.size), np.empty(k.size)
        spline_value_python(k, c.k_lo, c.h, c.coef, order, a)
        spline_value(k, c.k_lo, c.h, c.coef, order, b)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(a, c.basis(k, order) @ c.coef, rtol=1e-10, atol=1e-9)


def test_basis_kernel_and_twin_agree(rng: np.random.Generator) -> None:
    from mmdesk.surface.residual import spline_basis, spline_basis_python

    k = rng.uniform(-0.4, 0.2, 50)
    for order in (0, 1, 2):
        a, b = np.empty((k.size, 9)), np.empty((k.size, 9))
        spline_basis_python(k, -0.3, 0.04, order, a)
        spline_basis(k, -0.3, 0.04, order, b)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        assert np.all((a != 0).sum(axis=1) <= 4)


def test_surface_methods_broadcast_like_numpy(surface: FittedSurface) -> None:
    K = np.linspace(80.0, 120.0, 12).reshape(3, 4)
    t = np.array([0.1, 0.3, 0.7, 1.2])
    v = surface.vol(K, t)
    assert v.shape == (3, 4) and np.all(np.isfinite(v))
    np.testing.assert_allclose(v[1, 2], surface.vol(K[1, 2], t[2]))
    assert surface.forward(t).shape == (4,) and surface.discount(0.5).shape == ()


def test_surface_kernel_and_twin_agree(surface: FittedSurface, rng: np.random.Generator) -> None:
    from mmdesk.surface.fit import surface_w, surface_w_python

    k = rng.uniform(-0.5, 0.3, 300)
    t = rng.uniform(-0.1, 1.5, 300)
    a, b = np.empty(k.size), np.empty(k.size)
    packed = surface._packed()
    surface_w_python(k, t, surface.t, *packed, a)
    surface_w(k, t, surface.t, *packed, b)
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    at_node = surface.total_variance(k, surface.t[2])
    np.testing.assert_allclose(at_node, surface.slices[2].total_variance(k), rtol=1e-12)


def test_smooth_surface_does_not_reuse_the_cached_slices(surface: FittedSurface) -> None:
    k = np.linspace(-0.2, 0.1, 7)
    full = surface.total_variance(k, 0.4)
    smooth = surface.smooth().total_variance(k, 0.4)
    svi_only = svi_total_variance(k, surface.slices[2].svi)
    np.testing.assert_allclose(smooth, svi_only, rtol=1e-12)
    assert full.shape == smooth.shape

"""The online intensity fit recovers A and k from simulated Poisson fills."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.desk.intensity_fit import (
    IntensityEstimator,
    IntensityFitConfig,
    fit_poisson_intensity,
)


def test_poisson_fit_recovers_known_intensity(rng: np.random.Generator) -> None:
    true_a, true_k = np.array([0.5, 2.0]), np.array([5.0, 12.0])
    distance = np.linspace(0.01, 0.5, 15)
    exposure = np.full((2, 15), 20_000.0)
    mean = exposure * true_a[:, None] * np.exp(-true_k[:, None] * distance[None, :])
    fills = rng.poisson(mean).astype(float)
    a, k = fit_poisson_intensity(fills, exposure, distance, 0.1, 8.0)
    # 20,000 quote-seconds per bin: thousands of fills, so a few percent is generous.
    np.testing.assert_allclose(a, true_a, rtol=0.05)
    np.testing.assert_allclose(k, true_k, rtol=0.05)


def test_estimator_shrinks_to_the_prior_without_fills() -> None:
    cfg = IntensityFitConfig(prior_a=0.2, prior_k=6.0)
    est = IntensityEstimator(cfg, n_buckets=3)
    a, k = est.estimate()
    np.testing.assert_allclose(a, 0.2, rtol=1e-6)
    np.testing.assert_allclose(k, 6.0, rtol=1e-6)


def test_estimator_learns_from_recorded_quotes_and_fills(rng: np.random.Generator) -> None:
    cfg = IntensityFitConfig(prior_a=0.05, prior_k=3.0, prior_exposure=10.0, half_life_s=1e9)
    est = IntensityEstimator(cfg, n_buckets=1)
    true_a, true_k = 0.8, 10.0
    for _ in range(4_000):
        distance = rng.uniform(0.0, 0.4, size=50)
        bucket = np.zeros(50, dtype=np.int64)
        est.record_exposure(bucket, distance, 0.05)
        # 50 ms steps: at most one fill per quote per step, P = 1 − exp(−λ·dt).
        filled = rng.random(50) < 1.0 - np.exp(-0.05 * true_a * np.exp(-true_k * distance))
        est.record_fills(bucket[filled], distance[filled])
    a, k = est.estimate()
    assert a[0] == pytest.approx(true_a, rel=0.1)
    assert k[0] == pytest.approx(true_k, rel=0.1)


def test_add_at_kernel_matches_numpy_add_at_with_repeated_cells(rng: np.random.Generator) -> None:
    from mmdesk.desk.intensity_fit import add_at_2d, add_at_2d_python

    rows = rng.integers(0, 4, 500)
    cols = rng.integers(0, 6, 500)
    values = rng.exponential(3.0, 500)
    want = rng.normal(size=(4, 6))
    twin, kernel = want.copy(), want.copy()
    np.add.at(want, (rows, cols), values)
    add_at_2d_python(twin, rows, cols, values)
    add_at_2d(kernel, rows, cols, values)
    assert np.array_equal(twin, want)
    assert np.array_equal(kernel, want)

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


def test_recorded_exposure_is_numpy_add_at_in_searchsorted_bins(rng: np.random.Generator) -> None:
    from mmdesk.desk.intensity_fit import record_exposure_kernel, record_exposure_python

    cfg = IntensityFitConfig(n_bins=6, max_distance=0.6)
    est = IntensityEstimator(cfg, n_buckets=4)
    edges = est.edges
    start = [rng.uniform(0.0, 9.0, (4, 6)) for _ in range(3)]
    rows = rng.integers(0, 4, 500)
    dist = np.concatenate([rng.uniform(-0.1, 0.9, 497), edges[2:3], [np.nan, 0.0]])
    for seconds in (np.array([0.5]), rng.exponential(2.0, 500)):
        want = [a * 0.9 for a in start]
        d = np.abs(dist)
        cols = np.minimum(np.maximum(np.searchsorted(edges, d, side="right") - 1, 0), 5)
        secs = np.broadcast_to(seconds, d.shape)
        np.add.at(want[0], (rows, cols), secs)
        np.add.at(want[1], (rows, cols), secs * d)
        for fn in (record_exposure_python, record_exposure_kernel):
            got = [a.copy() for a in start]
            fn(*got, 0.9, rows, dist, seconds, edges)
            for g, w in zip(got, want, strict=True):
                np.testing.assert_array_equal(g, w)


def _numpy_fit(fills, exposure, distance, a0, k0, iterations=30):  # type: ignore[no-untyped-def]
    """The Newton iteration written with numpy (the oracle of the kernels)."""
    rows = fills.shape[0]
    log_a, k = np.full(rows, np.log(a0)), np.full(rows, k0)
    for _ in range(iterations):
        mu = exposure * np.exp(log_a[:, None] - k[:, None] * distance)
        resid = fills - mu
        g_a, g_k = resid.sum(axis=1), -(resid * distance).sum(axis=1)
        h_aa, h_ak = mu.sum(axis=1), -(mu * distance).sum(axis=1)
        h_kk = (mu * distance * distance).sum(axis=1)
        det = h_aa * h_kk - h_ak * h_ak
        safe = det > 1e-300
        step_a = np.where(safe, (h_kk * g_a - h_ak * g_k) / np.where(safe, det, 1.0), 0.0)
        step_k = np.where(safe, (h_aa * g_k - h_ak * g_a) / np.where(safe, det, 1.0), 0.0)
        log_a = log_a + np.clip(step_a, -2.0, 2.0)
        k = np.clip(k + np.clip(step_k, -0.5 * k, 0.5 * k), k0 / 20.0, 20.0 * k0)
    return np.exp(log_a), k


def test_poisson_fit_is_the_numpy_newton_iteration_bit_for_bit(rng: np.random.Generator) -> None:
    for rows, bins in ((9, 20), (3, 7), (2, 150)):
        distance = np.sort(rng.uniform(0.0, 1.0, (rows, bins)), axis=1)
        exposure = rng.uniform(1.0, 5_000.0, (rows, bins))
        fills = rng.poisson(exposure * 0.05 * np.exp(-8.0 * distance)).astype(float) * 0.97
        a, k = fit_poisson_intensity(fills, exposure, distance, 0.05, 8.0)
        a_ref, k_ref = _numpy_fit(fills, exposure, distance, 0.05, 8.0)
        np.testing.assert_array_equal(a, a_ref)
        np.testing.assert_array_equal(k, k_ref)


def test_newton_step_kernel_agrees_with_its_python_twin(rng: np.random.Generator) -> None:
    from mmdesk.desk.intensity_fit import newton_step, newton_step_python

    rows, bins = 4, 12
    d = np.sort(rng.uniform(0.0, 1.0, (rows, bins)), axis=1)
    e = rng.uniform(1.0, 1_000.0, (rows, bins))
    n = rng.poisson(e * 0.05).astype(float)
    g = np.exp(np.log(0.05) - 8.0 * d)
    out = []
    for fn in (newton_step_python, newton_step):
        la, k = np.full(rows, np.log(0.04)), np.full(rows, 9.0)
        fn(n, e, d, g, 8.0, la, k, np.empty((5, bins)))
        out.append((la, k))
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])

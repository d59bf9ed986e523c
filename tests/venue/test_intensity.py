"""Intensity fill model: Poisson fills at rate A exp(-k delta)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mmdesk.venue.intensity import (
    FillProbability,
    IntensityConfig,
    fill_intensity,
    fill_probability,
    fill_probability_scalar,
    fill_probability_scalar_python,
    sample_fills,
)

A, K, DT = 140.0, 1.5, 0.005


def test_intensity_is_A_at_the_mid_and_decays_by_exp_minus_k_per_unit() -> None:
    lam = fill_intensity([0.0, 1.0, 2.0, -1.0], A, K)
    np.testing.assert_allclose(lam, A * np.exp(-K * np.array([0.0, 1.0, 2.0, -1.0])))
    assert lam[0] == A
    assert lam[1] / lam[2] == pytest.approx(math.exp(K))


def test_exact_probability_is_the_poisson_chance_of_at_least_one_arrival() -> None:
    delta = np.linspace(-0.5, 3.0, 15)
    lam_dt = A * np.exp(-K * delta) * DT
    np.testing.assert_allclose(
        fill_probability(delta, A, K, DT), stats.poisson.sf(0, lam_dt), rtol=1e-12
    )


def test_exact_probability_is_consistent_when_the_step_is_split() -> None:
    delta = np.array([0.1, 0.6, 1.5])
    whole = fill_probability(delta, A, K, DT)
    half = fill_probability(delta, A, K, DT / 2)
    np.testing.assert_allclose(1 - (1 - half) ** 2, whole, rtol=1e-12)
    lin_whole = fill_probability(delta, A, K, DT, FillProbability.LINEAR)
    lin_half = fill_probability(delta, A, K, DT / 2, FillProbability.LINEAR)
    assert np.all(1 - (1 - lin_half) ** 2 < lin_whole)  # the first-order rule is not


def test_linear_probability_is_lambda_dt_capped_at_one_and_above_exact() -> None:
    delta = np.array([-5.0, 0.0, 0.645, 3.0])
    lin = fill_probability(delta, A, K, DT, FillProbability.LINEAR)
    assert lin[0] == 1.0
    assert lin[2] == pytest.approx(A * math.exp(-K * 0.645) * DT)
    assert np.all(lin >= fill_probability(delta, A, K, DT))


def test_a_quote_far_through_the_mid_fills_surely_without_overflow() -> None:
    p = fill_probability([-1e4, -1e6], A, K, DT)
    np.testing.assert_array_equal(p, [1.0, 1.0])


def test_probabilities_broadcast_over_quotes_and_paths() -> None:
    delta = np.linspace(0.0, 2.0, 7)[:, None] + np.zeros((1, 5))
    assert fill_probability(delta, A, K, DT).shape == (7, 5)
    assert sample_fills(delta, A, K, DT, np.full((7, 5), 0.5)).shape == (7, 5)


def test_sampled_fill_frequency_matches_the_probability() -> None:
    rng = np.random.default_rng(3)
    n = 200_000
    p = float(fill_probability(0.645, A, K, DT))
    hits = sample_fills(np.full(n, 0.645), A, K, DT, rng.random(n))
    se = math.sqrt(p * (1 - p) / n)
    assert abs(hits.mean() - p) < 4 * se


@pytest.mark.parametrize("exact", [True, False])
def test_scalar_kernel_agrees_with_its_twin_and_the_array_function(exact: bool) -> None:
    rng = np.random.default_rng(5)
    model = FillProbability.EXACT if exact else FillProbability.LINEAR
    for delta in rng.uniform(-3.0, 5.0, 100):
        a = fill_probability_scalar(float(delta), A, K, DT, exact)
        b = fill_probability_scalar_python(float(delta), A, K, DT, exact)
        c = float(fill_probability(delta, A, K, DT, model))
        assert a == pytest.approx(b, rel=1e-14)
        assert a == pytest.approx(c, rel=1e-14)


def test_bad_parameters_are_rejected_naming_the_field() -> None:
    with pytest.raises(ValueError, match="A="):
        fill_intensity(0.1, -1.0, K)
    with pytest.raises(ValueError, match="k="):
        fill_intensity(0.1, A, 0.0)
    with pytest.raises(ValueError, match="dt="):
        fill_probability(0.1, A, K, -0.1)
    with pytest.raises(ValueError, match="NaN"):
        fill_intensity([0.1, float("nan")], A, K)
    with pytest.raises(ValueError, match="A"):
        IntensityConfig(A=0.0, k=1.0)


def test_config_applies_its_own_probability_rule() -> None:
    cfg = IntensityConfig(A=A, k=K, probability=FillProbability.LINEAR)
    assert float(cfg.intensity(0.0)) == A
    assert float(cfg.fill_probability(0.645, DT)) == pytest.approx(
        float(fill_probability(0.645, A, K, DT, FillProbability.LINEAR))
    )

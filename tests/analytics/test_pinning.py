"""Avellaneda–Lipkin pin model: clearing mechanics, twins, and the pin/repel signs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mmdesk.analytics.pinning import (
    band_probabilities,
    clearing_price,
    clearing_price_python,
    expiry_tau_grid,
    hedger_delta,
    hedger_delta_gamma,
    hedger_delta_gamma_python,
    pin_paths,
    pin_paths_python,
    pin_ranking,
    simulate_settlements,
)

STRIKES = np.array([95.0, 100.0, 105.0])
LAM = 1e-9  # E / ADV = 0.1 / 1e8 shares


def test_hedger_delta_gamma_kernel_agrees_with_twin_on_random_inputs() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        x = rng.uniform(80, 120)
        shares = rng.normal(0, 1e6, 3)
        tau = float(rng.choice([0.0, rng.uniform(1e-6, 0.1)]))
        fast = hedger_delta_gamma(x, STRIKES, shares, tau, 0.2)
        slow = hedger_delta_gamma_python(x, STRIKES, shares, tau, 0.2)
        np.testing.assert_allclose(fast, slow, rtol=1e-13, atol=1e-6)


def test_hedger_gamma_is_the_derivative_of_hedger_delta() -> None:
    shares = np.array([1e6, -2e6, 3e5])
    x, h, tau = 99.0, 1e-4, 0.01
    up = hedger_delta(x + h, STRIKES, shares, tau, 0.2)
    down = hedger_delta(x - h, STRIKES, shares, tau, 0.2)
    gamma = hedger_delta_gamma(x, STRIKES, shares, tau, 0.2)[1]
    assert gamma == pytest.approx((up - down) / (2 * h), rel=1e-6)


def test_clearing_price_kernel_agrees_with_twin_on_random_inputs() -> None:
    rng = np.random.default_rng(4)
    for _ in range(50):
        s = rng.uniform(95, 105)
        shares = rng.normal(0, 1e7, 3)
        tau = rng.uniform(0.0, 1e-3)
        d_old = hedger_delta(s, STRIKES, shares, tau + 1e-4, 0.2)
        a = s * math.exp(rng.normal(0, 0.002))
        bound = LAM * s * np.abs(shares).sum()
        args = (s, d_old, a, LAM, bound, STRIKES, shares, tau, 0.2)
        assert clearing_price(*args) == pytest.approx(clearing_price_python(*args), rel=1e-12)


def test_pin_paths_kernel_agrees_with_twin_on_random_inputs() -> None:
    rng = np.random.default_rng(5)
    shares = np.array([2e6, -1e6, 5e5])
    grid = expiry_tau_grid(1 / 365, 12)
    z = rng.standard_normal((6, 12))
    fast, slow = np.empty(6), np.empty(6)
    pin_paths(100.0, STRIKES, shares, grid, 0.2, LAM, z, fast)
    pin_paths_python(100.0, STRIKES, shares, grid, 0.2, LAM, z, slow)
    np.testing.assert_allclose(fast, slow, rtol=1e-12)


@pytest.mark.parametrize("n", [3e7, -3e7])
def test_clearing_price_clears_the_market(n: float) -> None:
    shares = np.array([0.0, n, 0.0])
    s, tau = 100.3, 2e-4
    d_old = hedger_delta(s, STRIKES, shares, tau + 1e-5, 0.2)
    a = 100.2
    x = clearing_price(s, d_old, a, LAM, LAM * s * abs(n), STRIKES, shares, tau, 0.2)
    residual = x - a + LAM * s * (hedger_delta(x, STRIKES, shares, tau, 0.2) - d_old)
    assert abs(residual) < 1e-9


def test_long_gamma_hedgers_damp_a_small_move_by_one_plus_lambda_s_gamma() -> None:
    # AL's SDE: dS = σ S dW / (1 + λ S n Γ) for a small shock (charm removed: same tau)
    n, s, tau, vol = 2e7, 100.0, 5 / 365, 0.2
    shares = np.array([0.0, n, 0.0])
    d_old = hedger_delta(s, STRIKES, shares, tau, vol)
    shock = 1e-4 * s
    x = clearing_price(s, d_old, s + shock, LAM, LAM * s * n, STRIKES, shares, tau, vol)
    sd = vol * math.sqrt(tau)
    gamma = math.exp(-0.5 * (0.5 * sd) ** 2) / math.sqrt(2 * math.pi) / (s * sd)
    assert (x - s) == pytest.approx(shock / (1 + LAM * s * n * gamma), rel=1e-3)


def test_short_gamma_hedgers_amplify_the_same_move() -> None:
    n, s, tau, vol = -2e7, 100.0, 5 / 365, 0.2
    shares = np.array([0.0, n, 0.0])
    d_old = hedger_delta(s, STRIKES, shares, tau, vol)
    shock = 1e-4 * s
    x = clearing_price(s, d_old, s + shock, LAM, LAM * s * abs(n), STRIKES, shares, tau, vol)
    assert x - s > 1.2 * shock


def test_control_matches_the_lognormal_band_probability() -> None:
    s, t, vol, band = 100.0, 2 / 365, 0.2, 0.5
    _, control = simulate_settlements(
        s, [100.0], [1e6], t, vol, elasticity=0.1, adv=1e8, n_paths=20_000, n_steps=8, seed=9
    )
    sd = vol * math.sqrt(t)
    dist = stats.lognorm(s=sd, scale=s * math.exp(-0.5 * sd * sd))
    p = dist.cdf(100 + band) - dist.cdf(100 - band)
    measured = band_probabilities(control, np.array([100.0]), band)[0]
    assert abs(measured - p) < 4 * math.sqrt(p * (1 - p) / 20_000)


def _pin_and_std(n: float) -> tuple[int, int, float, float]:
    hedged, control = simulate_settlements(
        100.0,
        [100.0],
        [n],
        1 / 365,
        0.2,
        elasticity=0.1,
        adv=1e8,
        n_paths=3000,
        n_steps=60,
        seed=11,
    )
    return (
        int(np.count_nonzero(np.abs(hedged - 100.0) <= 0.25)),
        int(np.count_nonzero(np.abs(control - 100.0) <= 0.25)),
        float(hedged.std()),
        float(control.std()),
    )


def test_long_gamma_hedgers_pin_short_gamma_hedgers_repel() -> None:
    # Fisher's exact test on settling within ±0.25 of the strike, hedged vs control
    long_in, ctrl_in, long_sd, ctrl_sd = _pin_and_std(3e6)
    short_in, _, short_sd, _ = _pin_and_std(-3e6)
    _, p_long = stats.fisher_exact(
        [[long_in, 3000 - long_in], [ctrl_in, 3000 - ctrl_in]], alternative="greater"
    )
    _, p_short = stats.fisher_exact(
        [[short_in, 3000 - short_in], [ctrl_in, 3000 - ctrl_in]], alternative="greater"
    )
    assert p_long < 0.01
    assert p_short > 0.05
    assert short_in < ctrl_in
    assert short_sd > ctrl_sd > long_sd


def test_ranking_puts_the_heavy_long_gamma_strike_first() -> None:
    ranking = pin_ranking(
        101.0,
        [100.0, 101.0, 102.0],
        [5e6, 0.0, 0.0],
        1 / 365,
        0.2,
        elasticity=0.1,
        adv=1e8,
        band=0.25,
        n_paths=2000,
        n_steps=40,
        seed=2,
    )
    assert ranking.top(1)[0] == 100.0
    assert ranking.lift[0] > 0.0
    assert np.all(np.diff(ranking.probability) <= 0.0)


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match="elasticity is -1"):
        simulate_settlements(100.0, [100.0], [1.0], 0.01, 0.2, elasticity=-1.0, adv=1.0)
    with pytest.raises(ValueError, match="t is 0"):
        expiry_tau_grid(0.0, 10)
    with pytest.raises(ValueError, match="band is"):
        pin_ranking(100.0, [100.0], [1.0], 0.01, 0.2, elasticity=0.1, adv=1.0, band=0.0)

"""Fair-value processes: moments against theory, determinism, kernel twins.

Tolerances: a sample mean must lie within 4 standard errors (s.e. = sample
std / sqrt(n)) of its theoretical value; a sample variance within 4 s.e. where
s.e. = std((x - mean)**2) / sqrt(n). With fixed seeds the tests are
deterministic; 4 s.e. would fail by chance with probability ~6e-5.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmdesk.market.processes import (
    FairValueProcess,
    GBMConfig,
    HestonConfig,
    MertonConfig,
    heston_paths,
    heston_paths_python,
    heston_step,
    heston_step_python,
    simulate_paths,
)

N_PATHS = 20_000
Z = 4.0


def _assert_mean(x: np.ndarray, expected: float, allowance: float = 0.0) -> None:
    se = x.std(ddof=1) / math.sqrt(x.size)
    assert abs(x.mean() - expected) <= Z * se + allowance, (x.mean(), expected, se)


def _assert_var(x: np.ndarray, expected: float, allowance: float = 0.0) -> None:
    d2 = (x - x.mean()) ** 2
    se = d2.std(ddof=1) / math.sqrt(x.size)
    assert abs(x.var(ddof=1) - expected) <= Z * se + allowance, (x.var(ddof=1), expected, se)


def _terminal_log_return(cfg: object, n_steps: int = 50, t: float = 1.0, seed: int = 3) -> tuple:
    paths = simulate_paths(
        cfg,
        100.0,
        np.full(n_steps, t / n_steps),
        N_PATHS,  # type: ignore[arg-type]
        np.random.default_rng(seed),
    )
    return np.log(paths.spot[:, -1] / 100.0), paths


def test_gbm_log_return_mean_and_variance_match_theory() -> None:
    cfg = GBMConfig(mu=0.05, sigma=0.3)
    lr, paths = _terminal_log_return(cfg)
    _assert_mean(lr, (0.05 - 0.5 * 0.09) * 1.0)
    _assert_var(lr, 0.09)
    assert paths.spot.shape == (N_PATHS, 51)
    assert np.all(paths.spot[:, 0] == 100.0)


def test_gbm_expected_price_grows_at_mu() -> None:
    _, paths = _terminal_log_return(GBMConfig(mu=0.1, sigma=0.2))
    _assert_mean(paths.spot[:, -1], 100.0 * math.exp(0.1))


@pytest.mark.parametrize("scheme", ["qe", "full_truncation"])
def test_heston_mean_variance_reverts_to_theta(scheme: str) -> None:
    cfg = HestonConfig(kappa=2.0, theta=0.04, xi=0.5, rho=-0.7, v0=0.09, scheme=scheme)
    t = 0.5
    _, paths = _terminal_log_return(cfg, n_steps=100, t=t)
    expected = cfg.theta + (cfg.v0 - cfg.theta) * math.exp(-cfg.kappa * t)
    # QE matches the conditional mean of v exactly; full-truncation Euler is biased
    # at this step (Feller condition violated): allow it 3% of E[v].
    allowance = 0.0 if scheme == "qe" else 0.03 * expected
    _assert_mean(paths.variance[:, -1], expected, allowance)
    assert np.all(paths.variance[:, -1] >= 0.0) or scheme == "full_truncation"


def test_heston_mean_log_return_is_mu_minus_half_integrated_variance() -> None:
    cfg = HestonConfig(mu=0.05, kappa=2.0, theta=0.04, xi=0.5, rho=-0.7, v0=0.09)
    lr, _ = _terminal_log_return(cfg, n_steps=100)
    integrated = cfg.theta + (cfg.v0 - cfg.theta) * (1 - math.exp(-cfg.kappa)) / cfg.kappa
    _assert_mean(lr, cfg.mu - 0.5 * integrated)


@pytest.mark.parametrize("rho", [-0.7, 0.7])
def test_heston_leverage_sign_follows_rho(rho: float) -> None:
    cfg = HestonConfig(rho=rho, v0=0.04)
    lr, paths = _terminal_log_return(cfg, n_steps=50)
    corr = np.corrcoef(lr, paths.variance[:, -1] - cfg.v0)[0, 1]
    # s.e. of a sample correlation near zero is 1/sqrt(n): demand a clear sign.
    assert np.sign(corr) == np.sign(rho)
    assert abs(corr) > Z / math.sqrt(N_PATHS)


def test_merton_log_return_moments_match_theory() -> None:
    cfg = MertonConfig(mu=0.05, sigma=0.2, jump_intensity=5.0, jump_mean=-0.05, jump_std=0.08)
    lr, paths = _terminal_log_return(cfg)
    lam, m, s = cfg.jump_intensity, cfg.jump_mean, cfg.jump_std
    mean = cfg.mu - lam * cfg.jump_compensator - 0.5 * cfg.sigma**2 + lam * m
    var = cfg.sigma**2 + lam * (m * m + s * s)
    _assert_mean(lr, mean)
    _assert_var(lr, var)
    # third cumulant lam (m^3 + 3 m s^2) < 0: negative skew for down jumps
    c = lr - lr.mean()
    k3 = (c**3).mean()
    k3_se = (c**3).std(ddof=1) / math.sqrt(lr.size)
    assert k3 < -Z * k3_se
    assert abs(k3 - lam * (m**3 + 3 * m * s * s)) <= Z * k3_se
    _assert_mean(paths.spot[:, -1], 100.0 * math.exp(cfg.mu))


@pytest.mark.parametrize(
    "cfg",
    [GBMConfig(), HestonConfig(), HestonConfig(scheme="full_truncation"), MertonConfig()],
    ids=["gbm", "heston-qe", "heston-ft", "merton"],
)
def test_same_seed_gives_identical_paths_byte_for_byte(cfg: object) -> None:
    dt = np.full(20, 1 / 252)
    a = simulate_paths(cfg, 50.0, dt, 100, np.random.default_rng(11))  # type: ignore[arg-type]
    b = simulate_paths(cfg, 50.0, dt, 100, np.random.default_rng(11))  # type: ignore[arg-type]
    c = simulate_paths(cfg, 50.0, dt, 100, np.random.default_rng(12))  # type: ignore[arg-type]
    assert a.spot.tobytes() == b.spot.tobytes()
    assert a.variance.tobytes() == b.variance.tobytes()
    assert a.spot.tobytes() != c.spot.tobytes()


def test_gbm_stepping_reproduces_the_vectorised_path() -> None:
    cfg = GBMConfig(mu=0.02, sigma=0.25)
    dt = np.full(30, 1 / 252)
    vec = simulate_paths(cfg, 100.0, dt, 1, np.random.default_rng(5)).spot[0]
    fv = FairValueProcess(cfg, 100.0, np.random.default_rng(5))
    stepped = [fv.value] + [fv.step(float(h)) for h in dt]
    np.testing.assert_allclose(stepped, vec, rtol=1e-12)


def test_heston_stepping_has_the_right_mean_variance() -> None:
    cfg = HestonConfig(v0=0.09, theta=0.04, kappa=2.0)
    rng = np.random.default_rng(8)
    n, steps, t = 3000, 10, 0.5
    v_end = np.empty(n)
    for p in range(n):
        fv = FairValueProcess(cfg, 100.0, rng)
        for _ in range(steps):
            fv.step(t / steps)
        v_end[p] = fv.variance
    _assert_mean(v_end, cfg.theta + (cfg.v0 - cfg.theta) * math.exp(-cfg.kappa * t))


def test_zero_step_leaves_the_state_and_stream_untouched() -> None:
    rng = np.random.default_rng(1)
    fv = FairValueProcess(MertonConfig(), 100.0, rng)
    before = rng.bit_generator.state
    assert fv.step(0.0) == fv.value == pytest.approx(100.0, rel=1e-15)
    assert rng.bit_generator.state == before
    fv.jump(math.log(1.1))
    assert fv.value == pytest.approx(110.0, rel=1e-14)


@pytest.mark.parametrize("qe", [True, False])
def test_heston_step_kernel_agrees_with_its_python_twin(qe: bool) -> None:
    rng = np.random.default_rng(2)
    for _ in range(200):
        v = float(rng.uniform(0.0, 0.2))
        dt = float(rng.uniform(1e-4, 0.5))
        args = (
            float(rng.normal()),
            v,
            dt,
            0.03,
            1.5,
            0.05,
            0.8,
            float(rng.uniform(-1, 1)),
            float(rng.normal()),
            float(rng.random()),
            float(rng.normal()),
            qe,
        )
        np.testing.assert_allclose(heston_step(*args), heston_step_python(*args), rtol=1e-12)


def test_heston_paths_kernel_agrees_with_its_python_twin() -> None:
    rng = np.random.default_rng(4)
    shape = (7, 13)
    dt = rng.uniform(0.0, 0.1, shape[1])
    z_v, u_v, z_x = rng.normal(size=shape), rng.random(shape), rng.normal(size=shape)
    out = [np.empty((7, 14)) for _ in range(4)]
    heston_paths(0.1, 0.05, dt, 0.0, 2.0, 0.04, 1.0, -0.5, z_v, u_v, z_x, True, out[0], out[1])
    heston_paths_python(
        0.1, 0.05, dt, 0.0, 2.0, 0.04, 1.0, -0.5, z_v, u_v, z_x, True, out[2], out[3]
    )
    np.testing.assert_allclose(out[0], out[2], rtol=1e-12)
    np.testing.assert_allclose(out[1], out[3], rtol=1e-12)


def test_bad_inputs_are_rejected_naming_the_field() -> None:
    with pytest.raises(ValueError, match="s0="):
        simulate_paths(GBMConfig(), -1.0, np.ones(2), 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="dt"):
        simulate_paths(GBMConfig(), 1.0, np.array([0.1, -0.1]), 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_paths="):
        simulate_paths(GBMConfig(), 1.0, np.ones(2), 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="dt="):
        FairValueProcess(GBMConfig(), 1.0, np.random.default_rng(0)).step(-1.0)
    with pytest.raises(ValueError, match="sigma"):
        GBMConfig(sigma=-0.1)
    with pytest.raises(ValueError, match="rho"):
        HestonConfig(rho=1.5)

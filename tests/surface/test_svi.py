"""Raw SVI: formula, domain, quasi-explicit calibration (exact QP kernels and their twins)."""

from __future__ import annotations

import numpy as np
import pytest

import mmdesk.surface.svi as svi
from mmdesk.surface.svi import (
    LEE_WING_BOUND,
    SVIParams,
    _constraints,
    calibrate_svi,
    svi_derivatives,
    svi_from_ssvi_slice,
    svi_total_variance,
)
from mmdesk.surface.svi_inner import (
    _fit_adc,
    _fit_adc_python,
    _min_durrleman,
    _min_durrleman_python,
    _qp_active_set,
    _qp_active_set_python,
    _solve_small,
    _solve_small_python,
)

EQUITY = SVIParams(a=0.02, b=0.15, rho=-0.6, m=0.02, sigma=0.12)
SHORT_DATED = SVIParams(a=-1e-4, b=0.01, rho=-0.8, m=0.005, sigma=0.02)  # negative a, w > 0


def test_total_variance_matches_the_gatheral_formula() -> None:
    k = np.array([-0.5, 0.0, 0.3])
    p = EQUITY
    expected = p.a + p.b * (p.rho * (k - p.m) + np.sqrt((k - p.m) ** 2 + p.sigma**2))
    np.testing.assert_allclose(svi_total_variance(k, p), expected, rtol=1e-15)


def test_derivatives_match_finite_differences() -> None:
    k = np.linspace(-0.8, 0.5, 27)
    h = 1e-5
    w, w1, w2 = svi_derivatives(k, EQUITY)
    wp = svi_total_variance(k + h, EQUITY)
    wm = svi_total_variance(k - h, EQUITY)
    np.testing.assert_allclose(w1, (wp - wm) / (2 * h), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(w2, (wp - 2 * w + wm) / h**2, rtol=1e-4, atol=1e-6)


def test_min_variance_and_wing_slopes() -> None:
    k = np.linspace(-3, 3, 200001)
    assert EQUITY.min_variance() == pytest.approx(svi_total_variance(k, EQUITY).min(), rel=1e-9)
    left, right = EQUITY.wing_slopes()
    assert left == pytest.approx(EQUITY.b * 1.6) and right == pytest.approx(EQUITY.b * 0.4)


def test_ssvi_slice_is_a_raw_svi_slice() -> None:
    theta, phi, rho = 0.04, 3.0, -0.5
    k = np.linspace(-1, 1, 41)
    direct = 0.5 * theta * (1 + rho * phi * k + np.sqrt((phi * k + rho) ** 2 + 1 - rho**2))
    np.testing.assert_allclose(
        svi_total_variance(k, svi_from_ssvi_slice(theta, phi, rho)), direct, rtol=1e-12
    )


# ------------------------------------------------------------------ kernels and their twins


def test_small_solver_twin_and_kernel_agree(rng: np.random.Generator) -> None:
    for n in range(1, 7):
        A = rng.standard_normal((n, n)) + n * np.eye(n)
        b = rng.standard_normal(n)
        x1, x2 = np.empty(n), np.empty(n)
        assert _solve_small_python(A.copy(), b.copy(), x1)
        assert _solve_small(A.copy(), b.copy(), x2)
        np.testing.assert_allclose(x1, np.linalg.solve(A, b), rtol=1e-10)
        np.testing.assert_allclose(x1, x2, rtol=1e-12)
    assert not _solve_small(np.zeros((2, 2)), np.ones(2), np.empty(2))


def test_qp_twin_and_kernel_agree_and_satisfy_the_constraints(rng: np.random.Generator) -> None:
    for _ in range(30):
        M = rng.standard_normal((3, 3))
        H = M @ M.T + 0.1 * np.eye(3)
        g = rng.standard_normal(3)
        G, h = _constraints(float(rng.uniform(0.05, 1.0)), 1e-3)
        x1, x2 = np.zeros(3), np.zeros(3)
        assert _qp_active_set_python(H, g, G, h, x1)
        assert _qp_active_set(H, g, G, h, x2)
        np.testing.assert_allclose(x1, x2, rtol=1e-9, atol=1e-12)
        assert np.all(G @ x1 >= h - 1e-9)
        # optimality against random feasible perturbations of the solution
        f = 0.5 * x1 @ H @ x1 - g @ x1
        for _ in range(20):
            y = x1 + 0.05 * rng.standard_normal(3)
            if np.all(G @ y >= h):
                assert 0.5 * y @ H @ y - g @ y >= f - 1e-12


def test_adc_fit_and_durrleman_twins_agree(rng: np.random.Generator) -> None:
    n = 40
    y = np.sort(rng.uniform(-4, 4, n))
    target = 1.0 + 0.3 * y**2 / (1 + np.abs(y)) + 0.01 * rng.standard_normal(n)
    wt = rng.uniform(0.1, 1.0, n)
    lo, hi, pen = target - 0.02, target + 0.02, 100 * wt
    G, h = _constraints(0.3, 1e-3)
    x1, x2 = np.zeros(3), np.zeros(3)
    o1 = _fit_adc_python(y, target, wt, lo, hi, pen, G, h, x1)
    o2 = _fit_adc(y, target, wt, lo, hi, pen, G, h, x2)
    assert o1 == pytest.approx(o2, rel=1e-9)
    np.testing.assert_allclose(x1, x2, rtol=1e-9)
    kg = np.linspace(-1, 1, 101)
    assert _min_durrleman_python(*EQUITY, kg) == pytest.approx(_min_durrleman(*EQUITY, kg))


def test_band_iteration_that_cycles_stops_at_the_best_point_visited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # found by a search over random 5-quote problems (bands not crossed): the
    # violation sets of successive exact QPs come back after three steps
    y = np.array([-51.26691419418344, -23.449818712596056, 69.74794688662469,
                  47.309411895988184, 110.2244747620107])  # fmt: skip
    target = np.array([0.9550248717075484, 0.999812437848512, 1.01931833505591,
                       0.9381300529887453, 0.9747584005541362])  # fmt: skip
    wt = np.array([0.9990218786112866, 0.8819843517775123, 0.42519229999653807,
                   0.5425899614698697, 0.40647513280082703])  # fmt: skip
    lo = np.array([0.9466496490541821, 0.9629994001350246, 1.0175275447618344,
                   0.8806484151210842, 0.8641799700262388])  # fmt: skip
    hi = np.array([0.9812692263337027, 1.0280784505841143, 1.03284834457519,
                   0.958768544581886, 1.0982707873146274])  # fmt: skip
    G, h = _constraints(1.0, 1e-3)
    h[3] = h[4] = -0.3399585052420174
    visited: list[float] = []

    def recording_qp(*args: np.ndarray) -> int:
        status: int = _qp_active_set(*args)
        xq = args[4]
        w = xq[0] + xq[1] * y + xq[2] * np.sqrt(y * y + 1.0)
        band = np.maximum(w - hi, 0.0) ** 2 + np.maximum(lo - w, 0.0) ** 2
        visited.append(float(np.sum(wt * (w - target) ** 2 + 100 * wt * band)))
        return status

    monkeypatch.setattr("mmdesk.surface.svi_inner._qp_active_set", recording_qp)
    x = np.zeros(3)
    obj = _fit_adc_python(y, target, wt, lo, hi, 100 * wt, G, h, x)
    assert 2 < len(visited) < 30  # stopped when a violation set came back
    assert obj == pytest.approx(min(visited), rel=1e-12)
    w = x[0] + x[1] * y + x[2] * np.sqrt(y * y + 1.0)
    assert obj == pytest.approx(
        np.sum(wt * (w - target) ** 2)
        + np.sum(100 * wt * (np.maximum(w - hi, 0.0) ** 2 + np.maximum(lo - w, 0.0) ** 2)),
        rel=1e-12,
    )
    x_kernel = np.zeros(3)
    assert _fit_adc(y, target, wt, lo, hi, 100 * wt, G, h, x_kernel) == pytest.approx(obj)


# ------------------------------------------------------------------ calibration


@pytest.mark.parametrize("p", [EQUITY, SHORT_DATED])
def test_calibration_recovers_exact_smiles(p: SVIParams) -> None:
    scale = p.sigma * 5
    k = np.linspace(p.m - 4 * scale, p.m + 2 * scale, 40)
    res = calibrate_svi(k, svi_total_variance(k, p))
    np.testing.assert_allclose(res.params, p, rtol=1e-5, atol=1e-7)
    assert res.min_g > 0


def test_calibration_recovers_noisy_smile_within_stated_tolerance(
    rng: np.random.Generator,
) -> None:
    """1% relative noise on w at 60 strikes: parameters within 10% (a, b, σ), 0.05 (ρ, m)."""
    k = np.linspace(-0.6, 0.4, 60)
    w = svi_total_variance(k, EQUITY) * (1 + 0.01 * rng.standard_normal(k.size))
    p = calibrate_svi(k, w).params
    assert p.a == pytest.approx(EQUITY.a, rel=0.1)
    assert p.b == pytest.approx(EQUITY.b, rel=0.1)
    assert p.sigma == pytest.approx(EQUITY.sigma, rel=0.1)
    assert abs(p.rho - EQUITY.rho) < 0.05 and abs(p.m - EQUITY.m) < 0.05
    fit_vol, true_vol = np.sqrt(svi_total_variance(k, p)), np.sqrt(svi_total_variance(k, EQUITY))
    assert np.max(np.abs(fit_vol - true_vol)) < 0.005  # sqrt(w): T = 1 year vol


def test_calibration_respects_lee_bound_when_data_wings_are_too_steep() -> None:
    k = np.linspace(-1.0, 1.0, 41)
    w = 0.05 + 3.0 * np.abs(k)  # wing slope 3 > Lee's 2
    p = calibrate_svi(k, w).params
    assert p.is_admissible()
    assert p.b * (1 + abs(p.rho)) <= LEE_WING_BOUND + 1e-9


def test_calibration_keeps_minimum_variance_positive() -> None:
    k = np.linspace(-0.2, 0.2, 21)
    w = np.maximum(0.5 * np.abs(k) - 0.02, 0.0) + 1e-6  # wants a negative minimum
    p = calibrate_svi(k, w).params
    assert p.min_variance() > 0.0


def test_band_penalty_pulls_fit_into_the_band() -> None:
    k = np.linspace(-0.5, 0.5, 31)
    w_true = svi_total_variance(k, EQUITY)
    w_mid = w_true.copy()
    w_mid[15] *= 1.3  # one bad mid, with a band that excludes it
    lo, hi = w_true * 0.99, w_true * 1.01
    free = calibrate_svi(k, w_mid, band_penalty=0.0).params
    banded = calibrate_svi(k, w_mid, w_lo=lo, w_hi=hi, band_penalty=1e4).params
    out_free = np.sum((svi_total_variance(k, free) > hi) | (svi_total_variance(k, free) < lo))
    w_b = svi_total_variance(k, banded)
    out_banded = np.sum((w_b > hi * (1 + 1e-3)) | (w_b < lo * (1 - 1e-3)))
    assert out_banded < out_free


def test_calibration_is_deterministic() -> None:
    k = np.linspace(-0.6, 0.4, 25)
    w = svi_total_variance(k, EQUITY) * (1 + 0.01 * np.sin(37 * k))
    assert calibrate_svi(k, w) == calibrate_svi(k, w)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"k": [0.0, 0.1], "w_mid": [0.1, 0.1]}, "at least 3"),
        ({"k": [0.0, 0.1, 0.2], "w_mid": [0.1, 0.1]}, "w_mid"),
        ({"k": [0.0, 0.1, 0.2], "w_mid": [0.1, -0.1, 0.1]}, "w_mid"),
        ({"k": [0.0, np.nan, 0.2], "w_mid": [0.1, 0.1, 0.1]}, "finite"),
        ({"k": [0.0, 0.1, 0.2], "w_mid": [0.1, 0.1, 0.1], "weight": [-1, 1, 1]}, "weight"),
    ],
)
def test_bad_inputs_raise_naming_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        calibrate_svi(**kwargs)


def test_outer_objective_twin_and_kernel_agree(rng: np.random.Generator) -> None:
    from mmdesk.surface.svi_inner import _svi_objective, _svi_objective_python

    n = 30
    k = np.sort(rng.uniform(-0.4, 0.3, n))
    target = svi_total_variance(k, EQUITY) / 0.05 * (1 + 0.01 * rng.standard_normal(n))
    wt = rng.uniform(0.1, 1.0, n)
    G, h0 = _constraints(1.0, 1e-3, 0.05)
    kg = np.linspace(-0.8, 0.7, 101)
    for m, sig in ((0.0, 0.1), (0.05, 0.02), (-0.2, 0.5)):
        got = []
        for fn in (_svi_objective_python, _svi_objective):
            x = np.zeros(3)
            args = (k, target, wt, target - 0.02, target + 0.02, 100 * wt, G, h0, h0.copy(), x)
            got.append((fn(m, sig, *args, np.empty(n), 0.05, kg, 1e3), *x))
        assert got[0] == pytest.approx(got[1], rel=1e-12)


def test_sigma_floor_is_a_tenth_of_the_median_gap_between_distinct_quotes() -> None:
    k = np.array([-0.02, -0.01, -0.01, 0.0, 0.01, 0.03])  # a duplicated strike, one wide gap
    assert svi.sigma_floor(k) == pytest.approx(svi.SIGMA_FLOOR_SPACING * 0.01)
    assert svi.SIGMA_FLOOR_SPACING == 0.1


def test_a_kinked_smile_no_longer_fits_with_a_vanishing_sigma(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # total variance a V with its vertex on the middle quote: the unbounded optimum is
    # sigma -> 0 (two half-lines, zero error); the floor keeps sigma resolvable
    k = np.linspace(-0.02, 0.02, 5)
    slope = 0.05  # b of the V (rho = 0), total variance per unit log-moneyness
    w_mid = 0.0035 + slope * np.abs(k)
    floor = svi.sigma_floor(k)
    fit = calibrate_svi(k, w_mid)
    assert fit.params.sigma >= floor
    assert fit.params.b > 0.0 and fit.params.is_admissible()
    # the hyperbola rounds the vertex by b * sigma: the fit may miss the V by no more
    # than the rounding at the floor, a tenth of the V's rise over one gap
    assert np.max(np.abs(svi_total_variance(k, fit.params) - w_mid)) <= slope * floor
    assert fit.min_g >= 0.0
    monkeypatch.setattr(svi, "SIGMA_FLOOR_SPACING", 0.0)  # without the floor: the kink
    assert calibrate_svi(k, w_mid).params.sigma < floor

"""Permanent and transient price impact of aggressive underlying volume."""

from __future__ import annotations

import math

import numpy as np

from mmdesk.venue.impact import ImpactConfig, PriceImpact, impact_batch, impact_batch_python

NS = 1_000_000_000


def test_impact_kernel_agrees_with_its_twin(rng: np.random.Generator) -> None:
    ts = np.sort(rng.integers(0, 600 * NS, 200)).astype(np.int64)
    q = (rng.integers(1, 5000, 200) * rng.choice([-1, 1], 200)).astype(np.int64)
    for sqrt_law in (False, True):
        a = np.array([0.0, 0.0, 0.0])
        b = a.copy()
        impact_batch(ts, q, 1e-5, sqrt_law, 0.4, math.log(2) / (30 * NS), a)
        impact_batch_python(ts, q, 1e-5, sqrt_law, 0.4, math.log(2) / (30 * NS), b)
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_a_buy_moves_fair_value_up_by_lambda_times_size_then_decays_to_the_permanent_part() -> None:
    imp = PriceImpact(ImpactConfig(lam=2e-5, permanent_fraction=0.25, half_life_s=60.0))
    imp.apply(np.array([10 * NS]), np.array([10_000]))
    assert math.isclose(imp.offset(10 * NS), 0.20)  # 2e-5 * 10,000
    assert math.isclose(imp.offset(70 * NS), 0.05 + 0.15 * 0.5)  # one half-life later
    assert math.isclose(imp.offset(10_000 * NS), 0.05, abs_tol=1e-12)  # permanent part stays


def test_square_root_law_and_sells_move_the_price_down() -> None:
    imp = PriceImpact(ImpactConfig(kind="sqrt", lam=1e-3, permanent_fraction=1.0))
    imp.apply(np.array([0]), np.array([-10_000]))
    assert math.isclose(imp.offset(0), -0.1)

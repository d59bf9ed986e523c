"""American greeks: European limit vs bs_greeks; QuantLib's analytic BJS and LR-lattice greeks."""

from __future__ import annotations

import numpy as np
import pytest
import QuantLib as ql

from mmdesk.pricing.american import american_greeks, american_price
from mmdesk.pricing.american._common import METHOD_CODE, AmericanMethod
from mmdesk.pricing.american.greeks import (
    american_greeks_kernel,
    american_greeks_kernel_python,
)
from mmdesk.pricing.greeks import Greeks, bs_greeks

from .american_oracle import TODAY, bs_process


def _grid(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    spot = rng.uniform(75.0, 125.0, n)
    t = rng.uniform(0.05, 2.0, n)
    vol = rng.uniform(0.1, 0.6, n)
    rate = rng.uniform(0.01, 0.08, n)
    return spot, t, vol, rate


@pytest.mark.parametrize("method", ["baw", "bjs2002", "bjs1993"])
def test_closed_form_greeks_of_a_call_without_dividends_are_black_scholes(
    method: str, rng: np.random.Generator
) -> None:
    spot, t, vol, rate = _grid(rng, 100)
    ours = american_greeks(spot, 100.0, t, vol, rate, 0.0, True, method)
    exact = bs_greeks(spot, 100.0, t, vol, rate, 0.0, True)
    for name in Greeks._fields:
        a, b = getattr(ours, name), getattr(exact, name)
        scale = np.maximum(1.0, np.abs(exact.price))
        assert np.all(np.abs(a - b) <= 1e-5 * np.abs(b) + 1e-6 * scale), name


def test_tree_greeks_of_a_call_without_dividends_approach_black_scholes(
    rng: np.random.Generator,
) -> None:
    spot, t, vol, rate = _grid(rng, 30)
    ours = american_greeks(spot, 100.0, t, vol, rate, 0.0, True, "tree", steps=1001)
    exact = bs_greeks(spot, 100.0, t, vol, rate, 0.0, True)
    # Lattice delta/gamma/theta sit at t = dt, 2 dt: first-order in dt.
    np.testing.assert_allclose(ours.delta, exact.delta, atol=2e-3)
    np.testing.assert_allclose(ours.gamma, exact.gamma, rtol=2e-2, atol=1e-4)
    np.testing.assert_allclose(ours.theta, exact.theta, rtol=2e-2, atol=2e-2)
    np.testing.assert_allclose(ours.vega, exact.vega, rtol=2e-3, atol=1e-3)
    np.testing.assert_allclose(ours.rho, exact.rho, rtol=2e-3, atol=1e-3)
    np.testing.assert_allclose(ours.vanna, exact.vanna, atol=2e-2)
    np.testing.assert_allclose(ours.charm, exact.charm, atol=5e-2)


def _ql_option(
    spot: float, strike: float, days: int, vol: float, rate: float, q: float, is_call: bool
) -> ql.VanillaOption:
    kind = ql.Option.Call if is_call else ql.Option.Put
    option = ql.VanillaOption(
        ql.PlainVanillaPayoff(kind, strike), ql.AmericanExercise(TODAY, TODAY + days)
    )
    option.process = bs_process(spot, vol, rate, q)  # keep the process alive
    return option


def test_bjs1993_greeks_match_quantlibs_analytic_bjs_greeks(rng: np.random.Generator) -> None:
    checked = 0
    for _ in range(60):
        spot = float(rng.uniform(80.0, 120.0))
        days = int(rng.integers(30, 730))
        vol = float(rng.uniform(0.15, 0.5))
        rate = float(rng.uniform(0.01, 0.08))
        q = float(rng.uniform(0.01, 0.08))
        is_call = bool(rng.integers(2))
        option = _ql_option(spot, 100.0, days, vol, rate, q, is_call)
        option.setPricingEngine(ql.BjerksundStenslandApproximationEngine(option.process))
        if option.NPV() <= max(spot - 100.0 if is_call else 100.0 - spot, 0.0) + 1e-6:
            continue  # exercise now: QuantLib reports the intrinsic's greeks
        ours = american_greeks(spot, 100.0, days / 365.0, vol, rate, q, is_call, "bjs1993")
        assert ours.price == pytest.approx(option.NPV(), rel=1e-10)
        assert ours.delta == pytest.approx(option.delta(), rel=1e-6, abs=1e-8)
        assert ours.gamma == pytest.approx(option.gamma(), rel=1e-5, abs=1e-8)
        assert ours.vega == pytest.approx(option.vega(), rel=1e-6, abs=1e-6)
        assert ours.rho == pytest.approx(option.rho(), rel=1e-6, abs=1e-6)
        assert ours.theta == pytest.approx(option.theta(), rel=1e-5, abs=1e-6)
        checked += 1
    assert checked >= 40


def test_tree_lattice_delta_and_gamma_match_quantlibs_lr_engine(rng: np.random.Generator) -> None:
    checked = 0
    for _ in range(30):
        spot = float(rng.uniform(80.0, 120.0))
        days = int(rng.integers(30, 730))
        vol = float(rng.uniform(0.15, 0.5))
        rate = float(rng.uniform(0.01, 0.08))
        q = float(rng.uniform(0.0, 0.08))
        is_call = bool(rng.integers(2))
        steps = 101
        option = _ql_option(spot, 100.0, days, vol, rate, q, is_call)
        option.setPricingEngine(ql.BinomialLRVanillaEngine(option.process, steps))
        ours = american_greeks(
            spot, 100.0, days / 365.0, vol, rate, q, is_call, "tree", steps=steps
        )
        if abs(ours.price - option.NPV()) > 1e-10 * max(1.0, option.NPV()):
            continue  # QuantLib's American LR engine misprices a few percent (see price tests)
        assert ours.delta == pytest.approx(option.delta(), rel=1e-8, abs=1e-10)
        assert ours.gamma == pytest.approx(option.gamma(), rel=1e-7, abs=1e-10)
        checked += 1
    assert checked >= 25


def test_greeks_kernel_matches_its_python_twin(rng: np.random.Generator) -> None:
    n = 6
    spot, t, vol, rate = _grid(rng, n)
    q = rng.uniform(0.0, 0.05, n)
    is_call = rng.random(n) < 0.5
    strike = np.full(n, 100.0)
    divs = (np.array([0.02, 0.3]), np.array([0.5, 0.5]))
    for method in AmericanMethod:
        outs = []
        for kernel in (american_greeks_kernel, american_greeks_kernel_python):
            out = np.empty((9, n))
            kernel(METHOD_CODE[method], spot, strike, t, vol, rate, q, is_call, 21,
                   divs[0], divs[1], out)  # fmt: skip
            outs.append(out)
        np.testing.assert_allclose(outs[0], outs[1], rtol=1e-9, atol=1e-9, err_msg=method.value)


@pytest.mark.parametrize("method", ["baw", "bjs2002", "bjs1993", "tree"])
def test_greeks_have_the_signs_of_an_american_option(method: str, rng: np.random.Generator) -> None:
    spot, t, vol, rate = _grid(rng, 100)
    q = rng.uniform(0.0, 0.06, 100)
    is_call = rng.random(100) < 0.5
    g = american_greeks(spot, 100.0, t, vol, rate, q, is_call, method, steps=101)
    assert np.all(np.where(is_call, g.delta >= -1e-9, g.delta <= 1e-9))
    assert np.all(np.abs(g.delta) <= 1.0 + 1e-6)
    assert np.all(g.gamma >= -1e-6)
    assert np.all(g.vega >= -1e-6)
    np.testing.assert_allclose(
        g.price, american_price(spot, 100.0, t, vol, rate, q, is_call, method, steps=101)
    )


def test_greeks_with_cash_dividends_and_scalars() -> None:
    g = american_greeks(100.0, 100.0, 0.5, 0.25, 0.05, 0.0, True, "tree", dividends=([0.2], [2.0]))
    assert isinstance(g.delta, float)
    assert 0.0 < g.delta < 1.0 and g.gamma > 0.0 and g.vega > 0.0 and g.theta < 0.0

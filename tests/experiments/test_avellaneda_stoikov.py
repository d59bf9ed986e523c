"""Avellaneda & Stoikov (2008) simulation study: closed-form oracles and the published tables."""

from __future__ import annotations

import math

import numpy as np
import pytest
from typer.testing import CliRunner

from mmdesk.cli.main import app
from mmdesk.experiments.avellaneda_stoikov import (
    ASConfig,
    FillReference,
    PriceStep,
    SpreadModel,
    Strategy,
    reservation_price,
    row_stats,
    simulate,
    total_spread,
)
from mmdesk.experiments.avellaneda_stoikov_exact import exact_row
from mmdesk.experiments.avellaneda_stoikov_table import (
    COLUMNS,
    PUBLISHED,
    Tails,
    all_readings,
    run,
    standard_error,
    sweep_readings,
)
from mmdesk.venue.intensity import FillProbability

#: Published cells the paper's own reading does not reproduce (docs/avellaneda-stoikov.md,
#: measured at 20,000 simulations per gamma, `--readings`): the gamma = 0.5 inventory profit
#: (no reading gives 33.92), the inventory profits at gamma = 0.1 and 0.01 (above the paper's
#: by 1.4-1.6, as the symmetric profits are), the gamma = 0.01 std(q) (5.2 vs 4.70) and the
#: symmetric profits (the exact expectation 68.6 / 68.7 / 68.0 is 3-4 paper s.e. above
#: 67.21 / 67.36 / 66.20); at N = 1000 the last ones agree or not depending on the seed.
KNOWN_MISSES = {
    (0.5, Strategy.INVENTORY, "profit"),
    (0.1, Strategy.INVENTORY, "profit"),
    (0.01, Strategy.INVENTORY, "profit"),
    (0.01, Strategy.INVENTORY, "std_q"),
    (0.1, Strategy.SYMMETRIC, "profit"),
    (0.01, Strategy.SYMMETRIC, "profit"),
    (0.5, Strategy.SYMMETRIC, "profit"),
}


def test_defaults_are_the_papers_reading() -> None:
    cfg = ASConfig()
    assert cfg.n_steps == 200
    assert cfg.spread_model is SpreadModel.CONSTANT
    assert cfg.probability is FillProbability.LINEAR
    assert cfg.fill_reference is FillReference.PRE_MOVE_MID
    assert cfg.price_step is PriceStep.BINOMIAL


def test_reservation_price_leans_against_inventory() -> None:
    mid = np.array([100.0, 100.0, 100.0])
    r = reservation_price(mid, np.array([-2.0, 0.0, 3.0]), gamma=0.1, tau=0.5, sigma=2.0)
    np.testing.assert_allclose(r, [100.4, 100.0, 99.4])


def test_spreads_match_the_papers_spread_column() -> None:
    cfg = ASConfig(spread_model=SpreadModel.CONSTANT)
    for gamma, rows in PUBLISHED.items():
        spread = float(total_spread(gamma, 0.7, cfg))
        assert round(spread, 2) == rows[Strategy.INVENTORY].spread
    fh = ASConfig(spread_model=SpreadModel.FINITE_HORIZON)
    # eq. (3.18): gamma sigma^2 (T - t) + (2/gamma) ln(1 + gamma/k)
    assert float(total_spread(0.1, 1.0, fh)) == pytest.approx(0.4 + 20 * math.log1p(0.1 / 1.5))


def test_symmetric_exact_row_under_the_papers_reading_is_200_steps_of_two_sides() -> None:
    # Written out by hand: each side fills with probability A exp(-k delta) dt and earns delta;
    # pre-move fills do not depend on the mid, so q_T is a sum of 200 (bid - ask) Bernoulli pairs.
    half = math.log1p(0.1 / 1.5) / 0.1
    p = 140.0 * math.exp(-1.5 * half) * 0.005
    row = exact_row(0.1, ASConfig(), Strategy.SYMMETRIC)
    assert row.spread == pytest.approx(2 * half, rel=1e-12)
    assert row.profit == pytest.approx(200 * 2 * p * half, rel=1e-12)
    assert row.final_q == pytest.approx(0.0, abs=1e-12)
    assert row.std_q == pytest.approx(math.sqrt(200 * 2 * p * (1 - p)), rel=1e-12)


def test_exact_row_of_one_step_enumerates_the_four_fill_outcomes() -> None:
    # One step from q0 = 2: W - W0 = a delta_a + b delta_b + (q0 + b - a) ds, ds = +-sigma sqrt(dt).
    cfg = ASConfig(T=0.005, q0=2)
    gamma, half, h2 = 0.1, math.log1p(0.1 / 1.5) / 0.1, 4.0 * 0.005
    skew = 2 * gamma * 4.0 * 0.005
    d_ask, d_bid = half - skew, half + skew
    p_ask, p_bid = 140.0 * math.exp(-1.5 * d_ask) * 0.005, 140.0 * math.exp(-1.5 * d_bid) * 0.005
    outcomes = [
        (pa * pb, a * d_ask + b * d_bid, 2 + b - a)
        for a, pa in ((0, 1 - p_ask), (1, p_ask))
        for b, pb in ((0, 1 - p_bid), (1, p_bid))
    ]
    mean = sum(w * g for w, g, _ in outcomes)
    var = sum(w * (g * g + q * q * h2) for w, g, q in outcomes) - mean**2
    mean_q = sum(w * q for w, _, q in outcomes)
    row = exact_row(gamma, cfg, Strategy.INVENTORY)
    assert row.profit == pytest.approx(2 * 100.0 + mean, rel=1e-12)
    assert row.std_profit == pytest.approx(math.sqrt(var), rel=1e-10)
    assert row.final_q == pytest.approx(mean_q, rel=1e-12)


READINGS = [
    ASConfig(),
    ASConfig(fill_reference=FillReference.POST_MOVE_MID, price_step=PriceStep.GAUSSIAN),
    ASConfig(spread_model=SpreadModel.FINITE_HORIZON, probability=FillProbability.EXACT),
]


@pytest.mark.parametrize("gamma", [0.1, 0.5])
@pytest.mark.parametrize("reading", READINGS, ids=lambda c: c.reading)
def test_simulation_estimates_the_exact_row_in_every_column(
    reading: ASConfig, gamma: float
) -> None:
    # 60 cells (3 readings x 2 gammas x 2 strategies x 5 columns) at 4.5 s.e.: a false alarm
    # in fewer than 1 run in 1000 (4.3 s.e. was seen once in 200 seeds for a single cell).
    cfg = reading.model_copy(update={"n_sims": 4000})
    runs = simulate(gamma, cfg, np.random.default_rng(2008))
    for strategy, run_ in runs.items():
        ours, exact, tails = row_stats(run_), exact_row(gamma, cfg, strategy), Tails.of(run_)
        for column, est, pop in zip(COLUMNS, ours, exact, strict=True):
            std = ours.std_profit if column in ("profit", "std_profit") else ours.std_q
            kurt = tails.profit if column in ("profit", "std_profit") else tails.final_q
            se = standard_error(column, std, cfg.n_sims, kurt)
            assert abs(est - pop) <= max(4.5 * se, 1e-9), (strategy, column, est, pop, se)


def test_pre_move_rows_do_not_depend_on_the_step_distribution() -> None:
    # Pre-move fills ignore the step; the profit's first two moments see only its variance.
    for strategy in Strategy:
        binomial = exact_row(0.5, ASConfig(), strategy)
        gaussian = exact_row(0.5, ASConfig(price_step=PriceStep.GAUSSIAN), strategy)
        np.testing.assert_allclose(gaussian, binomial, rtol=1e-12, atol=1e-12)


def test_post_move_fills_cost_the_symmetric_strategy_adverse_selection() -> None:
    pre = exact_row(0.1, ASConfig(), Strategy.SYMMETRIC).profit
    post = exact_row(
        0.1, ASConfig(fill_reference=FillReference.POST_MOVE_MID), Strategy.SYMMETRIC
    ).profit
    assert 1.0 < pre - post < 2.5  # delta exp(-k delta) is concave near delta = 1/k


def test_inventory_strategy_cuts_profit_and_inventory_dispersion() -> None:
    cfg = ASConfig(n_sims=2000)
    runs = simulate(0.1, cfg, np.random.default_rng(11))
    inv, sym = row_stats(runs[Strategy.INVENTORY]), row_stats(runs[Strategy.SYMMETRIC])
    assert inv.std_profit < 0.6 * sym.std_profit
    assert inv.std_q < 0.5 * sym.std_q
    assert inv.profit < sym.profit  # the price of the lower variance


def test_standard_errors_of_means_and_standard_deviations() -> None:
    assert standard_error("profit", 10.0, 100) == pytest.approx(1.0)
    assert standard_error("std_q", 10.0, 51) == pytest.approx(1.0)  # Gaussian: std/sqrt(2(n-1))
    # fat tails widen the error of a standard deviation: (kurt - 1) / 2 times the variance
    ratio = standard_error("std_profit", 10.0, 10**6, kurt=6.0) / standard_error(
        "std_profit", 10.0, 10**6
    )
    assert ratio == pytest.approx(math.sqrt(5 / 2), rel=1e-5)
    assert standard_error("spread", 10.0, 100) == 0.0
    with pytest.raises(ValueError, match="column='pnl'"):
        standard_error("pnl", 1.0, 10)


def test_reproduces_the_published_table_within_sampling_error_except_the_known_misses() -> None:
    result = run(ASConfig(n_sims=1000), seed=2008)
    assert len(result.cells) == 30
    misses = {(c.gamma, c.strategy, c.column) for c in result.misses}
    assert not misses - KNOWN_MISSES, result.misses
    by_key = {(c.gamma, c.strategy, c.column): c for c in result.cells}
    assert by_key[(0.5, Strategy.INVENTORY, "profit")].z < -10  # not sampling noise
    # against the exact population values the paper's own sampling error is all there is:
    # the same cells miss, and 33.92 is more than 50 of the paper's s.e. from 23.90
    off = {(c.gamma, c.strategy, c.column) for c in result.cells if not c.population_agrees}
    assert not off - KNOWN_MISSES - {(0.5, Strategy.INVENTORY, "std_profit")}, off
    assert by_key[(0.5, Strategy.INVENTORY, "profit")].z_population > 50
    assert 1.0 not in {c.gamma for c in result.cells}  # gamma = 1 is printed, not compared
    assert set(result.rows) == {0.1, 0.01, 0.5, 1.0}


def test_no_reading_reproduces_the_gamma_half_inventory_profit() -> None:
    results = sweep_readings(ASConfig(n_sims=300), seed=5, gammas=(0.5,))
    assert len(results) == 16
    assert results[0].config.reading == ASConfig().reading
    for result in results:
        cell = next(
            c for c in result.cells if (c.strategy, c.column) == (Strategy.INVENTORY, "profit")
        )
        assert abs(cell.z) > 5, result.config.reading


def test_readings_cover_every_combination_once() -> None:
    readings = [c.reading for c in all_readings(ASConfig(n_sims=10))]
    assert len(set(readings)) == 16
    assert all(c.n_sims == 10 for c in all_readings(ASConfig(n_sims=10)))


def test_same_seed_gives_the_same_table_and_rows_do_not_depend_on_other_gammas() -> None:
    cfg = ASConfig(n_sims=200)
    a = run(cfg, seed=1, gammas=(0.1, 0.5))
    b = run(cfg, seed=1, gammas=(0.5, 0.1))
    c = run(cfg, seed=2, gammas=(0.1,))
    assert a.rows[0.1] == b.rows[0.1]
    assert a.rows[0.5] == b.rows[0.5]
    assert a.rows[0.1] != c.rows[0.1]


def test_cli_prints_the_tables_next_to_the_published_ones_and_gamma_one() -> None:
    result = CliRunner().invoke(
        app,
        ["experiment", "avellaneda-stoikov", "--sims", "200", "--seed", "3"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "gamma = 0.1" in result.output
    assert "gamma = 1" in result.output
    assert "(paper)" in result.output
    assert "No published row" in result.output
    assert "inventory (exact)" in result.output
    assert "from the exact value" in result.output
    assert "published cells outside sampling error" in result.output


def test_cli_prints_every_reading() -> None:
    result = CliRunner().invoke(
        app,
        ["experiment", "avellaneda-stoikov", "--sims", "50", "--gammas", "0.5", "--readings"],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    assert "Every reading" in result.output
    assert "finite_horizon/exact/post_move/gaussian" in result.output


def test_cli_rejects_bad_gammas() -> None:
    result = CliRunner().invoke(app, ["experiment", "avellaneda-stoikov", "--gammas", "0.1,-1"])
    assert result.exit_code == 2  # typer usage error naming --gammas
    assert "gammas" in result.output


def test_bad_gamma_is_rejected_naming_the_value() -> None:
    with pytest.raises(ValueError, match="gamma=0"):
        simulate(0.0, ASConfig(n_sims=2), np.random.default_rng(0))
    with pytest.raises(ValueError, match="gamma=-1"):
        exact_row(-1.0, ASConfig(), Strategy.INVENTORY)

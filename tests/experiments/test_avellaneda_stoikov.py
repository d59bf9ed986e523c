"""Avellaneda & Stoikov (2008) simulation study: closed-form oracles and the published table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from typer.testing import CliRunner

from mmdesk.cli.main import app
from mmdesk.experiments.avellaneda_stoikov import (
    PUBLISHED,
    ASConfig,
    FillReference,
    SpreadModel,
    Strategy,
    reservation_price,
    row_stats,
    run,
    simulate,
    total_spread,
)
from mmdesk.venue.intensity import fill_probability

#: Published cells our reading of the set-up does not reproduce (docs/avellaneda-stoikov.md,
#: measured at 20,000 simulations): the gamma = 0.5 inventory profit (20.9 vs 33.92; no
#: variant of the set-up we tried gives 33.92), the gamma = 0.01 inventory std(q) (5.25 vs
#: 4.70, z about +5) and, marginally, the gamma = 0.1 inventory profit (62.30 vs 62.94,
#: z about -3.4; at N = 1000 it agrees or not depending on the seed).
KNOWN_MISSES = {
    (0.5, Strategy.INVENTORY, "profit"),
    (0.01, Strategy.INVENTORY, "std_q"),
    (0.1, Strategy.INVENTORY, "profit"),
}


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
    # eq. (30): gamma sigma^2 (T - t) + (2/gamma) ln(1 + gamma/k)
    assert float(total_spread(0.1, 1.0, fh)) == pytest.approx(0.4 + 20 * math.log1p(0.1 / 1.5))


@pytest.mark.parametrize("reference", list(FillReference))
def test_symmetric_mean_profit_matches_its_closed_form_expectation(
    reference: FillReference,
) -> None:
    # E[profit] = sum over steps and sides of E[p(d') d'] with d' the quote's distance from
    # the reference mid (the inventory term q dS has mean zero for a driftless mid).
    cfg = ASConfig(n_sims=4000, fill_reference=reference)
    gamma = 0.1
    half = float(total_spread(gamma, 0.0, cfg)) / 2
    h = cfg.sigma * math.sqrt(cfg.dt)
    shifts = [h, -h] if reference is FillReference.POST_MOVE_MID else [0.0, 0.0]
    per_step = sum(
        0.5
        * 2
        * float(fill_probability(half + s, cfg.A, cfg.k, cfg.dt, cfg.probability))
        * (half + s)
        for s in shifts
    )
    expected = cfg.n_steps * per_step
    profit = simulate(gamma, cfg, np.random.default_rng(7))[Strategy.SYMMETRIC].profit
    se = profit.std(ddof=1) / math.sqrt(profit.size)
    assert abs(profit.mean() - expected) < 4 * se


def test_inventory_strategy_cuts_profit_and_inventory_dispersion() -> None:
    cfg = ASConfig(n_sims=2000)
    runs = simulate(0.1, cfg, np.random.default_rng(11))
    inv, sym = row_stats(runs[Strategy.INVENTORY]), row_stats(runs[Strategy.SYMMETRIC])
    assert inv.std_profit < 0.6 * sym.std_profit
    assert inv.std_q < 0.5 * sym.std_q
    assert inv.profit < sym.profit  # the price of the lower variance


def test_reproduces_the_published_table_within_sampling_error() -> None:
    result = run(ASConfig(n_sims=1000), seed=2008)
    assert len(result.cells) == 30
    misses = {(c.gamma, c.strategy, c.column) for c in result.cells if not c.agrees}
    unexpected = misses - KNOWN_MISSES
    assert not unexpected, [c for c in result.cells if not c.agrees]
    inv_half = next(
        c
        for c in result.cells
        if (c.gamma, c.strategy, c.column) == (0.5, Strategy.INVENTORY, "profit")
    )
    assert inv_half.z < -10  # a real discrepancy, not sampling noise


def test_same_seed_gives_the_same_table_and_rows_do_not_depend_on_other_gammas() -> None:
    cfg = ASConfig(n_sims=200)
    a = run(cfg, seed=1, gammas=(0.1, 0.5))
    b = run(cfg, seed=1, gammas=(0.5, 0.1))
    c = run(cfg, seed=2, gammas=(0.1,))
    assert a.rows[0.1] == b.rows[0.1]
    assert a.rows[0.5] == b.rows[0.5]
    assert a.rows[0.1] != c.rows[0.1]


def test_cli_prints_the_table_next_to_the_published_one() -> None:
    result = CliRunner().invoke(
        app,
        ["experiment", "avellaneda-stoikov", "--sims", "200", "--seed", "3"],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    assert "gamma = 0.1" in result.output
    assert "(paper)" in result.output
    assert "published cells outside sampling error" in result.output


def test_cli_rejects_bad_gammas() -> None:
    result = CliRunner().invoke(app, ["experiment", "avellaneda-stoikov", "--gammas", "0.1,-1"])
    assert result.exit_code == 2  # typer usage error naming --gammas
    assert "gammas" in result.output


def test_bad_gamma_is_rejected_naming_the_value() -> None:
    with pytest.raises(ValueError, match="gamma=0"):
        simulate(0.0, ASConfig(n_sims=2), np.random.default_rng(0))

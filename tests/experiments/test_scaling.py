"""The scaling experiment: cell scenario, daily statistics, verdict, a tiny sweep through Ray."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mmdesk.experiments.scaling import (
    BUILTIN_INFORMED_SHARE,
    TRADING_DAYS,
    ScalingConfig,
    daily_stats,
    run_scaling,
    scaling_run_config,
    summarise_cells,
    verdict,
)
from mmdesk.experiments.sweep import query_sweep
from mmdesk.sim.config import ScenarioConfig


def _taker_rates(volume: float, vol: float, share: float) -> tuple[float, float]:
    a = scaling_run_config(volume, vol, share, seed=1, days=20).scenario.agents
    smart = a.informed.rate_per_s * a.informed.n_tags + (
        a.vol_informed.rate_per_s * a.vol_informed.n_tags
    )
    dumb = a.noise.rate_per_s * a.noise.n_tags + (
        a.institutional.rate_per_s * a.institutional.n_tags
    )
    return smart, dumb


def _builtin_taker_rate() -> float:
    a = ScenarioConfig().agents
    return sum(
        g.rate_per_s * g.n_tags for g in (a.noise, a.informed, a.vol_informed, a.institutional)
    )


def test_volume_scales_every_taker_rate_and_the_share_sets_the_mix() -> None:
    base = _builtin_taker_rate()
    for volume, share in ((0.5, 0.1), (2.0, 0.4), (1.0, BUILTIN_INFORMED_SHARE)):
        smart, dumb = _taker_rates(volume, 0.2, share)
        assert smart + dumb == pytest.approx(volume * base)
        assert smart / (smart + dumb) == pytest.approx(share)


def test_the_builtin_share_reproduces_the_builtin_rates() -> None:
    a = scaling_run_config(1.0, 0.2, BUILTIN_INFORMED_SHARE, seed=1, days=1).scenario.agents
    b = ScenarioConfig().agents
    for group in ("noise", "informed", "vol_informed", "institutional"):
        assert getattr(a, group).rate_per_s == pytest.approx(getattr(b, group).rate_per_s)


def test_vol_sets_the_fair_value_and_the_makers_prior() -> None:
    sc = scaling_run_config(1.0, 0.4, 0.2, seed=3, days=20).scenario
    assert sc.process.sigma == 0.4  # type: ignore[union-attr]
    assert sc.agents.market_makers.vol_prior == 0.4
    assert sc.seed == 3 and sc.days == 20


def test_reduced_chain_lists_expiries_past_the_last_day_of_a_20_day_run() -> None:
    sc = scaling_run_config(1.0, 0.2, 0.2, seed=1, days=20).scenario
    # day indices 0..19: every weekly settles inside the run and one expiry outlives it
    assert max(sc.chain.expiry_days) >= sc.days
    assert sum(d < sc.days for d in sc.chain.expiry_days) >= 3
    full = scaling_run_config(1.0, 0.2, 0.2, seed=1, days=20, reduced=False).scenario
    assert full.chain == ScenarioConfig().chain


def test_bad_axes_are_refused_naming_the_value() -> None:
    with pytest.raises(ValueError, match="volume=0"):
        scaling_run_config(0.0, 0.2, 0.2, seed=1, days=1)
    with pytest.raises(ValueError, match=r"informed_share=1\.5"):
        scaling_run_config(1.0, 0.2, 1.5, seed=1, days=1)
    with pytest.raises(ValueError, match="vols="):
        ScalingConfig(vols=())


def test_daily_sharpe_is_mean_over_sd_annualised_with_sqrt_252() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(1000.0, 400.0, 20)
    st = daily_stats(x.tolist())
    assert st["sharpe"] == pytest.approx(x.mean() / x.std(ddof=1) * math.sqrt(TRADING_DAYS))
    assert st["down_share"] == pytest.approx(np.mean(x < 0))
    assert math.isnan(daily_stats([5.0])["sharpe"])


def _synthetic_table(rng: np.random.Generator) -> tuple[pl.DataFrame, dict[float, np.ndarray]]:
    rows, pooled = [], {}
    for volume, mu in ((1.0, 2000.0), (2.0, 50.0)):
        days_all = []
        for seed in (1, 2, 3):
            x = rng.normal(mu, 500.0, 20)
            days_all.append(x)
            rows.append(
                {
                    "volume": volume,
                    "vol": 0.2,
                    "informed_share": 0.1,
                    "seed": seed,
                    "status": "ok",
                    "n_days": 20,
                    "pnl": float(x.sum()),
                    "pnl_day_sum": float(x.sum()),
                    "pnl_day_sumsq": float(np.sum(x * x)),
                    "down_days": int(np.sum(x < 0)),
                    "sharpe": daily_stats(x.tolist())["sharpe"],
                    "contracts": 1000 * seed,
                    "edge_captured": 30.0 * seed,
                    "final_state": "ACTIVE",
                    "max_utilisation": 0.5,
                    "pnl_per_day": json.dumps(x.tolist()),
                    "cell": 0 if volume == 1.0 else 1,
                    "error": None,
                    "task_cpu_s": 1.0,
                    "sweep_wall_s": 12.5,
                }
            )
        pooled[volume] = np.concatenate(days_all)
    rows.append(
        {**rows[0], "seed": 9, "status": "error", "pnl": None, "n_days": None, "error": "boom"}
    )
    return pl.DataFrame(rows), pooled


def test_cells_pool_every_day_of_every_successful_seed() -> None:
    table, pooled = _synthetic_table(np.random.default_rng(11))
    cells = summarise_cells(table)
    assert cells.height == 2
    for r in cells.iter_rows(named=True):
        x = pooled[r["volume"]]
        assert r["seeds"] == 3 and r["days"] == 60  # the failed seed is not pooled
        assert r["pnl_per_day"] == pytest.approx(x.mean())
        assert r["sharpe"] == pytest.approx(x.mean() / x.std(ddof=1) * math.sqrt(TRADING_DAYS))
        assert r["down_share"] == pytest.approx(np.mean(x < 0))
        assert r["pnl_per_contract"] == pytest.approx(x.sum() / 6000.0)
        assert r["edge_per_day"] == pytest.approx(180.0 / 60)


def test_verdict_names_the_cells_where_the_claim_holds() -> None:
    table, _ = _synthetic_table(np.random.default_rng(11))
    cells = summarise_cells(table)
    # volume 1: mean 2000, sd 500 → Sharpe ≈ 63, no down days; volume 2: mean 50 → fails
    assert cells["claim_holds"].to_list() == [True, False]
    text = " ".join(verdict(cells))
    assert "holds in 1 of 2 cells: (volume 1, vol 0.2, informed 0.1)" in text
    assert "P&L/day vs volume" in text


def test_a_tiny_sweep_runs_through_ray_into_one_queryable_table(tmp_path: Path) -> None:
    cfg = ScalingConfig(volumes=(0.5, 2.0), vols=(0.2,), informed_shares=(0.3,), seeds=(1,), days=1)
    out = tmp_path / "scaling.parquet"
    res = run_scaling(cfg, str(out), num_cpus=2, progress=False, session_s=1_800)
    assert not res.failures, res.failures
    t = res.table
    assert t.height == 2 and (t["status"] == "ok").all()
    assert (t["n_days"] == 1).all()
    q = query_sweep(out, "SELECT volume, contracts FROM sweep ORDER BY volume")
    # four times the taker flow trades more contracts with the book
    assert q["contracts"][1] > q["contracts"][0] > 0
    assert res.wall_s > 0


def test_the_command_reports_an_existing_sweep_table(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mmdesk.cli.main import app

    table, _ = _synthetic_table(np.random.default_rng(11))
    path = tmp_path / "sweep.parquet"
    table.write_parquet(path)
    plot = tmp_path / "plot.html"
    res = CliRunner().invoke(
        app, ["experiment", "scaling", "--from-table", str(path), "--plot", str(plot)]
    )
    assert res.exit_code == 0, res.output
    assert "holds in 1 of 2 cells" in res.output
    assert "FAILED cell 0 seed 9: boom" in res.output
    assert "Sweep wall time: 12.5 s" in res.output
    assert plot.exists() and "plotly" in plot.read_text()[:5000].lower()

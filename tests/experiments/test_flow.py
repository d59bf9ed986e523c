"""The flow experiment judges tags by the simulator's truth, from the desk's read when journaled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mmdesk.experiments.flow import _judge, analyse_run, leaning_effect
from mmdesk.report.rundir import load_run
from report.synthetic_run import write_synthetic_run


def _state(tags: list[int], p: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"tag": np.array(tags, dtype=np.int64), "p_smart": np.array(p)})


def test_informed_and_vol_informed_must_be_smart_and_noise_dumb() -> None:
    # 100 noise, 200 informed, 300 vol-informed; 500 (a competing maker) is not judged
    judged = _judge(_state([100, 101, 200, 300, 500], [0.1, 0.7, 0.9, 0.2, 0.9]))
    assert judged["tags_labelled"] == 4 and judged["tags_right"] == 2
    assert judged["wrong_tags"] == [101, 300]


def test_the_desks_last_online_read_is_judged_when_the_run_journaled_it(tmp_path: Path) -> None:
    d = write_synthetic_run(tmp_path / "run")
    without = analyse_run(load_run(d))
    assert without["online_tags_right"] == without["posthoc_tags_right"]  # falls back
    read = pl.DataFrame(
        {
            "ts_ns": np.array([1, 1, 1, 1, 2, 2, 2, 2], dtype=np.int64),
            "tag": np.array([100, 101, 200, 300] * 2, dtype=np.int32),
            "fills": np.full(8, 10.0),
            "toxicity": np.zeros(8),
            "toxicity_sd": np.ones(8),
            # the first refresh is all wrong, the last all right: only the last counts
            "p_smart": np.array([0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.9, 0.9]),
            "confidence": np.full(8, 0.9),
        }
    )
    read.write_parquet(d / "flow_read.parquet")
    with_read = analyse_run(load_run(d))
    assert with_read["online_tags_right"] == 4 and with_read["online_wrong_tags"] == []


def _rows(per_seed: list[tuple[float, float, float, float, float, float]]) -> list[dict]:
    """(contracts, loss/contract, P&L) off then on, per seed → leaning_comparison's rows."""
    rows = []
    for c0, l0, p0, c1, l1, p1 in per_seed:
        rows.append(
            {"smart_contracts": c0, "smart_loss_per_contract": l0, "pnl": p0, "leaning": False}
        )
        rows.append(
            {"smart_contracts": c1, "smart_loss_per_contract": l1, "pnl": p1, "leaning": True}
        )
    return rows


def test_leaning_effect_pools_the_smart_loss_over_contracts_not_seeds() -> None:
    # off: 100 contracts at 1.0 and 300 at 3.0 → 1000/400 = 2.5; on: 200 at 0.5, 200 at 2.0 → 1.25
    eff = leaning_effect(_rows([(100, 1.0, 50.0, 200, 0.5, 80.0), (300, 3.0, 10.0, 200, 2.0, 0.0)]))
    assert eff["off"] == pytest.approx(2.5) and eff["on"] == pytest.approx(1.25)
    assert eff["diff"] == pytest.approx(-1.25) and eff["pnl_diff"] == pytest.approx(20.0)
    assert eff["diff_lo"] <= eff["diff"] <= eff["diff_hi"]
    assert eff["pnl_lo"] <= eff["pnl_diff"] <= eff["pnl_hi"]


def test_leaning_effect_has_no_spread_when_every_seed_says_the_same() -> None:
    eff = leaning_effect(_rows([(100, 2.0, 0.0, 100, 1.0, 30.0)] * 4))
    assert eff["diff_lo"] == pytest.approx(-1.0) and eff["diff_hi"] == pytest.approx(-1.0)
    assert eff["pnl_lo"] == pytest.approx(120.0) and eff["pnl_hi"] == pytest.approx(120.0)


def test_leaning_effect_interval_covers_zero_when_seeds_disagree() -> None:
    eff = leaning_effect(
        _rows([(100, 1.0, 0.0, 100, 2.0, -500.0), (100, 2.0, 0.0, 100, 1.0, 500.0)] * 3)
    )
    assert eff["diff"] == pytest.approx(0.0) and eff["diff_lo"] < 0.0 < eff["diff_hi"]
    assert eff["pnl_lo"] < 0.0 < eff["pnl_hi"]


def test_leaning_effect_needs_pairs() -> None:
    with pytest.raises(ValueError, match="1 runs off and 0 on"):
        leaning_effect(_rows([(100, 1.0, 0.0, 100, 1.0, 0.0)])[:1])

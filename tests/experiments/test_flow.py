"""The flow experiment judges tags by the simulator's truth, from the desk's read when journaled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from mmdesk.experiments.flow import _judge, analyse_run
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

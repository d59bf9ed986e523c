"""The hedging experiment: the desk's hedger on common paths; WW beats fixed interval."""

from __future__ import annotations

import math

import pytest

from mmdesk.experiments.hedging import HedgingExperimentConfig, frontier_std_at, run

SMALL = HedgingExperimentConfig(
    n_paths=16,
    step_s=120,
    ww_risk_aversions=(1e-4, 1e-3, 1e-2),
    intervals_s=(600.0, 1_800.0, 3_600.0),
    band_widths=(500.0,),
    zakamouline_risk_aversions=(),
)


@pytest.fixture(scope="module")
def results():  # type: ignore[no-untyped-def]
    return run(SMALL)


def test_hedging_more_often_costs_more_and_leaves_less_variance(results) -> None:  # type: ignore[no-untyped-def]
    fi = sorted((r for r in results if r.policy == "fixed_interval"), key=lambda r: r.setting)
    assert [r.mean_cost for r in fi] == sorted((r.mean_cost for r in fi), reverse=True)
    assert [r.pnl_std for r in fi] == sorted(r.pnl_std for r in fi)
    ww = sorted((r for r in results if r.policy == "whalley_wilmott"), key=lambda r: r.setting)
    assert [r.mean_cost for r in ww] == sorted(r.mean_cost for r in ww)


def test_whalley_wilmott_frontier_is_below_fixed_interval_at_equal_cost(results) -> None:  # type: ignore[no-untyped-def]
    compared = 0
    for r in results:
        if r.policy != "fixed_interval":
            continue
        ww = frontier_std_at(results, "whalley_wilmott", r.mean_cost)
        if math.isnan(ww):
            continue
        compared += 1
        assert ww < r.pnl_std
    assert compared >= 2


def test_the_same_seed_gives_the_same_table() -> None:
    cfg = SMALL.model_copy(
        update={
            "n_paths": 3,
            "intervals_s": (900.0,),
            "ww_risk_aversions": (1e-3,),
            "band_widths": (),
        }
    )
    assert run(cfg) == run(cfg)

"""Pinning in the simulated venue: the hedger agent's mechanics and who pins, who repels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from mmdesk.cli.main import app
from mmdesk.experiments.pinning import (
    Arm,
    PinningConfig,
    compare,
    scenario,
    settlements,
    two_proportion_z,
)
from mmdesk.flow.agents.hedger import DeltaHedgers, HedgerConfig
from mmdesk.market.events import EVENT_DTYPE, EventKind
from mmdesk.sim.loop import SimulationLoop
from mmdesk.venue.participant import TIF_IOC, MarketView

CFG = PinningConfig(session_hours=0.5, n_paths=48, seed=100)


def _hedgers(contracts: float) -> tuple[DeltaHedgers, SimulationLoop]:
    loop = SimulationLoop(scenario(CFG, 0))
    h = DeltaHedgers(HedgerConfig(strike=100.0, contracts=contracts), participant_ids=(700,))
    h.bind(loop.context)
    return h, loop


def _view(bid: float, ask: float) -> MarketView:
    return MarketView(
        ts_exchange=0,
        ts_local=0,
        bid=np.array([round(bid * 100)]),
        ask=np.array([round(ask * 100)]),
        bid_qty=np.array([1000]),
        ask_qty=np.array([1000]),
        last=np.array([-1]),
        price_unit=0.01,
    )


def test_long_call_hedgers_hold_minus_delta_shares() -> None:
    h, loop = _hedgers(100.0)
    open_ns, close_ns = loop.sessions[0]
    assert h.tags == (700,)
    assert h.target_shares(100.0, open_ns) == pytest.approx(-5000, abs=300)  # Δ ≈ 1/2
    assert h.target_shares(101.0, close_ns - 1_000_000_000) == -10_000  # Δ → 1 above K
    assert h.target_shares(99.0, close_ns - 1_000_000_000) == 0  # Δ → 0 below K


def test_long_gamma_hedgers_sell_a_rise_short_gamma_hedgers_buy_it() -> None:
    for contracts, side in ((100.0, -1), (-100.0, +1)):
        h, loop = _hedgers(contracts)
        t = loop.sessions[0][1] - 600_000_000_000  # ten minutes before expiry
        h.on_market_data(_view(99.99, 100.01))
        assert h.on_timer(t) is None  # the hedge was on before the run
        assert h.shares == h.target_shares(100.0, t)
        h.on_market_data(_view(100.49, 100.51))
        cmds = h.on_timer(t + 30_000_000_000)
        assert cmds is not None
        order = cmds.orders[0]
        assert order["side"] == side and order["tif"] == TIF_IOC and order["qty"] > 0
        fill = np.zeros(1, dtype=EVENT_DTYPE)
        fill["instrument"], fill["side"], fill["qty"] = 0, order["side"], order["qty"]
        fill["flags"] = int(EventKind.FILL | EventKind.TAKER)
        h.on_fill(fill)
        assert h.shares == h.target_shares(100.5, t + 30_000_000_000)


def test_unbound_hedgers_refuse_to_trade() -> None:
    h = DeltaHedgers(HedgerConfig(strike=100.0, contracts=1.0), participant_ids=(700,))
    h.on_market_data(_view(99.99, 100.01))
    with pytest.raises(RuntimeError, match="bind"):
        h.on_timer(0)


def test_two_proportion_z_is_the_pooled_one_sided_test() -> None:
    p = 0.5
    z = 0.2 / np.sqrt(p * (1 - p) * (2 / 100))
    assert two_proportion_z(60, 100, 40, 100) == pytest.approx(stats.norm.sf(z))


def test_compare_counts_the_band_and_tests_against_control() -> None:
    control = np.array([100.0, 101.0, 99.0, 102.0])
    pinned = np.array([100.0, 100.1, 99.9, 102.0])
    res = compare(Arm.LONG_GAMMA, pinned, control, 100.0, 0.25)
    assert res.in_band == 3 and res.pin_probability == 0.75
    assert 0.0 < res.p_fisher < 1.0
    assert np.isnan(compare(Arm.CONTROL, control, control, 100.0, 0.25).p_fisher)


@pytest.fixture(scope="module")
def arms() -> dict[Arm, np.ndarray]:
    return {arm: settlements(CFG, arm) for arm in Arm}


def test_arms_share_the_exogenous_paths_and_differ_only_by_hedging() -> None:
    # hedgers too small to ever trade a share leave every path exactly as in control
    tiny = CFG.model_copy(update={"contracts": 1e-3, "n_paths": 3})
    np.testing.assert_array_equal(settlements(tiny, Arm.LONG_GAMMA), settlements(tiny, Arm.CONTROL))


def test_long_gamma_hedgers_pin_and_short_gamma_hedgers_repel(
    arms: dict[Arm, np.ndarray],
) -> None:
    # Paired one-sided Wilcoxon signed-rank tests on |S_T − K| (same seeds = same
    # exogenous paths in every arm); the 1,000-path proportions test is the
    # `mmdesk experiment pinning` command.
    dist = {arm: np.abs(s - 100.0) for arm, s in arms.items()}
    p_long = stats.wilcoxon(dist[Arm.LONG_GAMMA], dist[Arm.CONTROL], alternative="less").pvalue
    p_short = stats.wilcoxon(dist[Arm.SHORT_GAMMA], dist[Arm.CONTROL], alternative="greater").pvalue
    assert p_long < 0.01
    assert p_short < 0.01
    band = CFG.band_pct * 100.0
    n_in = {arm: int((d <= band).sum()) for arm, d in dist.items()}
    assert n_in[Arm.LONG_GAMMA] > n_in[Arm.CONTROL] >= n_in[Arm.SHORT_GAMMA]
    assert np.std(arms[Arm.SHORT_GAMMA]) > np.std(arms[Arm.CONTROL])


def test_experiment_command_prints_the_table_and_writes_the_histogram(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "experiment",
            "pinning",
            "--paths",
            "4",
            "--hours",
            "0.25",
            "--workers",
            "1",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "long_gamma" in result.output and "Fisher p" in result.output
    assert (tmp_path / "pinning_histogram.html").stat().st_size > 1_000_000

"""After a night, the first quotes are sized as if the market took all of them at once."""

from __future__ import annotations

import pytest

from mmdesk.desk.central import CentralBook
from mmdesk.desk.config import CentralBookConfig
from mmdesk.risk.limits import LimitsConfig
from mmdesk.sim.clock import TradingCalendarConfig
from mmdesk.sim.config import ChainConfig, ScenarioConfig
from mmdesk.sim.run import RunConfig, run_desk


@pytest.fixture(scope="module")
def desk() -> CentralBook:
    chain = ChainConfig(expiry_days=(1, 5), strike_steps=(1.0, 2.0))
    scenario = ScenarioConfig(
        seed=1, days=2, calendar=TradingCalendarConfig(session_s=180), chain=chain
    )
    limits = LimitsConfig(opening_sweep_s=60.0, sweep_share=0.2)
    return run_desk(RunConfig(scenario=scenario, desk=CentralBookConfig(limits=limits))).desk


def test_the_opening_after_a_night_counts_every_quote_in_full(desk: CentralBook) -> None:
    _, (open1, _) = desk.sessions
    window = int(60.0 * 1e9)
    assert desk._sweep_share(open1) == 1.0
    assert desk._sweep_share(open1 + window - 1) == 1.0


def test_outside_that_window_the_sweep_share_applies(desk: CentralBook) -> None:
    (open0, _), (open1, close1) = desk.sessions
    window = int(60.0 * 1e9)
    assert desk._sweep_share(open1 + window) == 0.2
    assert desk._sweep_share(close1 - 1) == 0.2
    # the first session follows no night: the book is flat and nothing gapped
    assert desk._sweep_share(open0) == 0.2
    assert desk._sweep_share(open0 + 1) == 0.2


def test_a_negative_window_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="opening_sweep_s"):
        LimitsConfig(opening_sweep_s=-1.0)

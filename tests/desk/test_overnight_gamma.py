"""Near a close the limits see the gamma the book will have at the next open, with headroom."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.desk.central import CentralBook
from mmdesk.desk.config import CentralBookConfig
from mmdesk.pricing import bs_greeks
from mmdesk.risk.expiry_gamma import limit_gamma
from mmdesk.risk.limits import LimitsConfig
from mmdesk.sim.clock import TradingCalendarConfig
from mmdesk.sim.config import ChainConfig, ScenarioConfig
from mmdesk.sim.run import RunConfig, run_desk


def _two_day_desk(limits: LimitsConfig) -> CentralBook:
    chain = ChainConfig(expiry_days=(0, 1, 5), strike_steps=(0.5, 1.0, 2.0))
    scenario = ScenarioConfig(
        seed=1, days=2, calendar=TradingCalendarConfig(session_s=120), chain=chain
    )
    return run_desk(RunConfig(scenario=scenario, desk=CentralBookConfig(limits=limits))).desk


@pytest.fixture(scope="module")
def desk() -> CentralBook:
    return _two_day_desk(LimitsConfig())


def test_before_a_close_the_gamma_is_the_larger_of_now_and_at_the_next_open() -> None:
    plain = _two_day_desk(LimitsConfig(expiry_gamma_move=0.0, overnight_headroom=0.0))
    th = plain.theo
    assert th is not None
    (_, close0), (open1, close1) = plain.sessions
    window = int(plain.gate.limits.overnight_gamma_minutes * 60e9)
    lst = plain.listing
    # outside the window, and before the last close (no next session): the theo's gamma
    assert plain._limit_greeks(close0 - window - 1, th)[0] is th.gamma
    assert plain._limit_greeks(close1 - 1, th)[0] is th.gamma
    stressed = plain._limit_greeks(close0 - 1, th)[0]
    ahead = bs_greeks(
        th.spot, lst.strike, lst.tau(open1), th.vol, plain.info.rate, plain.info.div_yield,
        lst.is_call,
    ).gamma  # fmt: skip
    tomorrow = lst.expiry_index == 1  # expires at the next close: its gamma grows overnight
    assert np.all(stressed[tomorrow] == np.maximum(th.gamma[tomorrow], ahead[tomorrow]))
    atm = tomorrow & (np.abs(lst.strike - th.spot) < 0.5)
    assert np.all(stressed[atm] > th.gamma[atm])
    # an option that settles at this close has no gamma tomorrow: today's counts
    today = lst.expiry_index == 0
    assert np.all(stressed[today] == th.gamma[today])
    assert stressed.shape == th.gamma.shape and not np.any(stressed < th.gamma)


def test_the_night_keeps_headroom_on_gamma_and_vega(desk: CentralBook) -> None:
    th = desk.theo
    assert th is not None
    (_, close0), _ = desk.sessions
    window = int(desk.gate.limits.overnight_gamma_minutes * 60e9)
    keep = 1.0 - desk.gate.limits.overnight_headroom
    lst, info, limits = desk.listing, desk.info, desk.gate.limits
    assert desk._limit_greeks(close0 - window - 1, th)[1] is th.vega
    night_gamma, night_vega = desk._limit_greeks(close0 - 1, th)
    np.testing.assert_array_equal(night_vega, th.vega / keep)
    now_gamma = limit_gamma(
        th.gamma, close0 - 1, lst.expiry_ns, th.spot, lst.strike, th.vol, info.rate,
        info.div_yield, lst.is_call, limits.expiry_gamma_move,
    )  # fmt: skip
    assert np.all(night_gamma * keep >= now_gamma * (1 - 1e-12))
    assert np.any(night_gamma > now_gamma)


def test_on_their_expiry_date_options_count_the_ladder_gamma(desk: CentralBook) -> None:
    th = desk.theo
    assert th is not None
    (open0, _), _ = desk.sessions
    lst, info, limits = desk.listing, desk.info, desk.gate.limits
    gamma = desk._limit_greeks(open0 + 1, th)[0]
    today = lst.expiry_index == 0
    expected = limit_gamma(
        th.gamma, open0 + 1, lst.expiry_ns, th.spot, lst.strike, th.vol, info.rate,
        info.div_yield, lst.is_call, limits.expiry_gamma_move,
    )  # fmt: skip
    keep = 1.0 - limits.overnight_headroom  # a 120-s session lies inside the night's window
    np.testing.assert_allclose(gamma[today] * keep, expected[today], rtol=1e-12)
    assert np.any(expected[today] != th.gamma[today])
    np.testing.assert_array_equal(expected[~today], th.gamma[~today])

"""Near a close the limits see the gamma the book will have at the next open."""

from __future__ import annotations

import numpy as np

from mmdesk.pricing import bs_greeks
from mmdesk.sim.clock import TradingCalendarConfig
from mmdesk.sim.config import ChainConfig, ScenarioConfig
from mmdesk.sim.run import RunConfig, run_desk


def test_before_a_close_the_gamma_is_the_larger_of_now_and_at_the_next_open() -> None:
    chain = ChainConfig(expiry_days=(0, 1, 5), strike_steps=(0.5, 1.0, 2.0))
    scenario = ScenarioConfig(
        seed=1, days=2, calendar=TradingCalendarConfig(session_s=120), chain=chain
    )
    desk = run_desk(RunConfig(scenario=scenario)).desk
    th = desk.theo
    assert th is not None
    (_, close0), (open1, close1) = desk.sessions
    window = int(desk.gate.limits.overnight_gamma_minutes * 60e9)
    lst = desk.listing
    # outside the window, and before the last close (no next session): the theo's gamma
    assert desk._overnight_gamma(close0 - window - 1, th) is th.gamma
    assert desk._overnight_gamma(close1 - 1, th) is th.gamma
    stressed = desk._overnight_gamma(close0 - 1, th)
    ahead = bs_greeks(
        th.spot,
        lst.strike,
        lst.tau(open1),
        th.vol,
        desk.info.rate,
        desk.info.div_yield,
        lst.is_call,
    ).gamma
    tomorrow = lst.expiry_index == 1  # expires at the next close: its gamma grows overnight
    assert np.all(stressed[tomorrow] == np.maximum(th.gamma[tomorrow], ahead[tomorrow]))
    atm = tomorrow & (np.abs(lst.strike - th.spot) < 0.5)
    assert np.all(stressed[atm] > th.gamma[atm])
    # an option that settles at this close has no gamma tomorrow: today's counts
    today = lst.expiry_index == 0
    assert np.all(stressed[today] == th.gamma[today])
    assert stressed.shape == th.gamma.shape and not np.any(stressed < th.gamma)

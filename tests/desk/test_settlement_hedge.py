"""Hedging into a settlement: the book hedges the delta it will hold after the expiry."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.desk.settlement_hedge import settlement_hedge_delta, vanishing_delta
from mmdesk.sim.clock import TradingCalendarConfig
from mmdesk.sim.config import ScenarioConfig
from mmdesk.sim.run import RunConfig, run_desk

STRIKE = np.array([90.0, 110.0, 90.0, 110.0, 100.0])
CALL = np.array([True, True, False, False, True])
DELTA = np.array([0.9, 0.1, -0.1, -0.9, 0.5])


def test_cash_settled_options_take_all_their_delta_away() -> None:
    q = np.array([10.0, 0.0, 0.0, -5.0, 3.0])
    expiring = np.array([True, True, True, True, False])
    gone = vanishing_delta(q, DELTA, STRIKE, CALL, expiring, 100.0, 100.0, physical=False)
    assert gone == pytest.approx(100.0 * (10 * 0.9 + 5 * 0.9))  # the unexpiring call stays


def test_physically_settled_options_leave_their_delivered_shares() -> None:
    q = np.array([10.0, 4.0, 2.0, -5.0, 0.0])
    expiring = np.ones(5, dtype=bool)
    gone = vanishing_delta(q, DELTA, STRIKE, CALL, expiring, 100.0, 100.0, physical=True)
    held = 100.0 * float(np.dot(q, DELTA))
    delivered = 100.0 * (10.0 - (-5.0))  # the ITM call delivers +1, the short ITM put −1
    assert gone == pytest.approx(held - delivered)


def test_the_hedged_delta_keeps_the_vanishing_delta_up_to_the_cap() -> None:
    # hedged to zero, the book holds the kept part before and kept − gone after
    assert settlement_hedge_delta(100.0, 1_000.0, 3_000.0) == pytest.approx(-900.0)
    assert settlement_hedge_delta(100.0, -5_000.0, 3_000.0) == pytest.approx(3_100.0)
    with pytest.raises(ValueError, match="cap=-1"):
        settlement_hedge_delta(0.0, 1.0, -1.0)


def test_inside_the_settlement_window_the_desk_hedges_the_post_settlement_delta() -> None:
    scenario = ScenarioConfig(seed=1, calendar=TradingCalendarConfig(session_s=300))
    desk = run_desk(RunConfig(scenario=scenario)).desk
    assert desk.theo is not None
    front = desk.listing.expiry_index == 0
    calls = np.flatnonzero(front & desk.listing.is_call)
    desk.positions.contracts[calls] = 20.0  # long front calls, about to cash-settle
    expiry = int(desk.listing.expiries_ns[0])
    window = desk.config.hedger.settlement_window_s
    gone = 20.0 * desk.m * float(desk.theo.delta[calls].sum())
    cap = desk.config.hedger.settlement_keep_fraction * desk.gate.quoting_limits.delta
    assert gone > 0.0
    outside = expiry - int((window + 1.0) * 1e9)
    inside = expiry - int((window - 1.0) * 1e9)
    assert desk._delta_to_hedge(outside, 250.0) == 250.0
    assert desk._delta_to_hedge(inside, 250.0) == pytest.approx(250.0 - min(gone, cap))

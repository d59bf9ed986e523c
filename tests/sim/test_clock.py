"""The simulated clock and the trading calendar."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from mmdesk.sim.clock import (
    NS_PER_DAY,
    NS_PER_HOUR,
    NS_PER_YEAR,
    Clock,
    SimClock,
    TradingCalendar,
    TradingCalendarConfig,
    date_to_ns,
    ns_to_date,
    year_fraction,
    year_fraction_between,
)


def test_sim_clock_moves_only_when_advanced() -> None:
    clock = SimClock(1_000)
    assert isinstance(clock, Clock)
    assert clock.now_ns() == 1_000
    clock.advance_to(1_000)
    clock.advance_by(500)
    assert clock.now_ns() == 1_500


def test_sim_clock_refuses_to_go_backwards_naming_the_value() -> None:
    clock = SimClock(1_000)
    with pytest.raises(ValueError, match="ts_ns=999"):
        clock.advance_to(999)
    with pytest.raises(ValueError, match="delta_ns=-1"):
        clock.advance_by(-1)


def test_year_fraction_is_act_365() -> None:
    assert year_fraction(NS_PER_YEAR) == 1.0
    assert year_fraction(NS_PER_DAY) == pytest.approx(1 / 365, rel=1e-15)
    arr = year_fraction(np.array([0, NS_PER_YEAR // 2], dtype=np.int64))
    np.testing.assert_allclose(arr, [0.0, 0.5])
    assert year_fraction_between(NS_PER_DAY, 0) == pytest.approx(-1 / 365)


def test_date_round_trips_through_ns() -> None:
    d = dt.date(2026, 3, 17)
    assert ns_to_date(date_to_ns(d)) == d
    assert ns_to_date(date_to_ns(d) + NS_PER_DAY - 1) == d


def test_session_is_six_and_a_half_hours_from_0930() -> None:
    cal = TradingCalendar(TradingCalendarConfig(start_date=dt.date(2026, 1, 5)))  # a Monday
    open0 = cal.session_open_ns(0)
    assert open0 == date_to_ns(dt.date(2026, 1, 5)) + 9 * NS_PER_HOUR + 30 * 60 * 10**9
    assert cal.session_close_ns(0) - open0 == 6 * NS_PER_HOUR + 30 * 60 * 10**9


def test_trading_days_skip_weekends_and_holidays() -> None:
    cal = TradingCalendar(
        TradingCalendarConfig(start_date=dt.date(2026, 1, 3), holidays=(dt.date(2026, 1, 6),))
    )  # Saturday start; Tuesday holiday
    assert cal.date(0) == dt.date(2026, 1, 5)
    assert cal.date(1) == dt.date(2026, 1, 7)
    assert cal.date(4) == dt.date(2026, 1, 12)


def test_day_index_counts_sessions_that_have_opened() -> None:
    cal = TradingCalendar(TradingCalendarConfig(start_date=dt.date(2026, 1, 5)))
    assert cal.day_index(cal.session_open_ns(0) - 1) == -1
    assert cal.day_index(cal.session_open_ns(0)) == 0
    assert cal.day_index(cal.session_close_ns(0) + NS_PER_HOUR) == 0
    assert cal.day_index(cal.session_open_ns(1) - 1) == 0
    assert cal.day_index(cal.session_open_ns(1)) == 1
    saturday = date_to_ns(dt.date(2026, 1, 10)) + 12 * NS_PER_HOUR
    assert cal.day_index(saturday) == 4
    assert cal.day_index(cal.session_open_ns(5)) == 5


def test_session_fraction_and_in_session() -> None:
    cal = TradingCalendar()
    open0, close0 = cal.session_open_ns(0), cal.session_close_ns(0)
    mid = (open0 + close0) // 2
    assert cal.session_fraction(mid) == pytest.approx(0.5)
    assert cal.in_session(mid)
    assert not cal.in_session(close0)
    assert cal.session_fraction(close0 + 1) == 1.0
    assert cal.session_fraction(open0 - 1) == 0.0


def test_session_grid_spans_open_to_close() -> None:
    cal = TradingCalendar()
    grid = cal.session_grid_ns(2, 390)
    assert grid.dtype == np.int64
    assert grid[0] == cal.session_open_ns(2)
    assert grid[-1] == cal.session_close_ns(2)
    assert np.all(np.diff(grid) == 60 * 10**9)


def test_calendar_rejects_a_session_past_midnight() -> None:
    with pytest.raises(ValueError, match="open_offset_s"):
        TradingCalendarConfig(open_offset_s=80_000, session_s=23_400)

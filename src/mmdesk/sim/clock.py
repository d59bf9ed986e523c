"""One injected clock (int64 nanoseconds) and the trading-day calendar.

Nothing in the simulator reads the wall clock: every component that needs the
time is handed a :class:`Clock` and asks it ``now_ns()``. In a simulation the
clock is a :class:`SimClock` that only the event loop advances, so a rerun with
the same config and seed sees exactly the same timestamps.

Timestamps are int64 nanoseconds since the Unix epoch, read as *exchange local
time* (no time zones: a session that opens at 09:30 opens at 09:30 of the
timestamp's calendar date). Year fractions are ACT/365: ``ns / (365 * 86400e9)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mmdesk.typing import Float64Array, Int64Array

#: Nanoseconds per second / minute / hour / calendar day.
NS_PER_SECOND: int = 1_000_000_000
NS_PER_MINUTE: int = 60 * NS_PER_SECOND
NS_PER_HOUR: int = 60 * NS_PER_MINUTE
NS_PER_DAY: int = 24 * NS_PER_HOUR
#: Nanoseconds in one ACT/365 year.
NS_PER_YEAR: int = 365 * NS_PER_DAY


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the current time in int64 nanoseconds."""

    def now_ns(self) -> int:
        """Current time, ns since the Unix epoch (exchange local time)."""
        ...


class SimClock:
    """A simulated clock: time moves only when the event loop advances it.

    Parameters
    ----------
    start_ns
        Initial time, ns since the Unix epoch.

    Raises
    ------
    ValueError
        If asked to move backwards.
    """

    __slots__ = ("_now",)

    def __init__(self, start_ns: int) -> None:
        self._now = int(start_ns)

    def now_ns(self) -> int:
        """Current simulated time, ns."""
        return self._now

    def advance_to(self, ts_ns: int) -> None:
        """Move the clock to ``ts_ns`` (ns); equal times are allowed, earlier ones are not."""
        ts = int(ts_ns)
        if ts < self._now:
            raise ValueError(
                f"SimClock.advance_to: ts_ns={ts} is before the current time now_ns={self._now}"
            )
        self._now = ts

    def advance_by(self, delta_ns: int) -> None:
        """Move the clock forward by ``delta_ns`` >= 0 nanoseconds."""
        d = int(delta_ns)
        if d < 0:
            raise ValueError(f"SimClock.advance_by: delta_ns={d} must be >= 0")
        self._now += d

    def __repr__(self) -> str:
        return f"SimClock(now_ns={self._now})"


def year_fraction(ns: int | Int64Array) -> float | Float64Array:
    """ACT/365 year fraction of a duration in nanoseconds.

    Parameters
    ----------
    ns
        Duration(s) in ns (int or int64 array).

    Returns
    -------
    float or float64 array
        Years, ``ns / (365 * 86400e9)``.

    Examples
    --------
    >>> year_fraction(NS_PER_YEAR)
    1.0
    """
    if isinstance(ns, np.ndarray):
        return ns.astype(np.float64) / NS_PER_YEAR
    return int(ns) / NS_PER_YEAR


def year_fraction_between(start_ns: int, end_ns: int) -> float:
    """ACT/365 years from ``start_ns`` to ``end_ns`` (negative if end is earlier)."""
    return (int(end_ns) - int(start_ns)) / NS_PER_YEAR


def date_to_ns(date: dt.date) -> int:
    """Midnight of a calendar date, ns since the Unix epoch."""
    return int(np.datetime64(date, "D").astype("datetime64[ns]").astype(np.int64))


def ns_to_date(ts_ns: int) -> dt.date:
    """Calendar date of a timestamp (ns since the Unix epoch)."""
    day = int(ts_ns) // NS_PER_DAY
    return dt.date(1970, 1, 1) + dt.timedelta(days=day)


class TradingCalendarConfig(BaseModel):
    """A trading calendar: weekday sessions of fixed length from a start date.

    Attributes
    ----------
    start_date
        First calendar date of the run; the first trading day is the first
        business day on or after it.
    open_offset_s
        Session open, seconds after midnight (default 09:30 = 34,200 s).
    session_s
        Session length in seconds (default 6.5 h = 23,400 s).
    holidays
        Extra closed dates (weekends are always closed).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    start_date: dt.date = dt.date(2026, 1, 5)
    open_offset_s: int = Field(default=9 * 3600 + 30 * 60, ge=0)
    session_s: int = Field(default=23_400, gt=0)
    holidays: tuple[dt.date, ...] = ()

    @model_validator(mode="after")
    def _session_within_day(self) -> TradingCalendarConfig:
        if self.open_offset_s + self.session_s > 86_400:
            raise ValueError(
                "TradingCalendarConfig: open_offset_s + session_s = "
                f"{self.open_offset_s + self.session_s} s runs past midnight"
            )
        return self


class TradingCalendar:
    """Session open/close times and trading-day indices for a :class:`TradingCalendarConfig`.

    Trading day ``0`` is the first business day on or after ``start_date``.
    All times are int64 ns since the Unix epoch.
    """

    def __init__(self, config: TradingCalendarConfig | None = None) -> None:
        self.config = config if config is not None else TradingCalendarConfig()
        self._holidays = np.array(
            [np.datetime64(h, "D") for h in self.config.holidays], dtype="datetime64[D]"
        )
        self._first = np.busday_offset(
            np.datetime64(self.config.start_date, "D"), 0, roll="forward", holidays=self._holidays
        )
        self.session_ns: int = self.config.session_s * NS_PER_SECOND
        self._open_offset_ns: int = self.config.open_offset_s * NS_PER_SECOND

    def date(self, day: int) -> dt.date:
        """Calendar date of trading day ``day`` (0-based)."""
        if day < 0:
            raise ValueError(f"TradingCalendar.date: day={day} must be >= 0")
        d = np.busday_offset(self._first, day, roll="forward", holidays=self._holidays)
        return d.astype(dt.date)

    def session_open_ns(self, day: int) -> int:
        """Open of trading day ``day``, ns."""
        return date_to_ns(self.date(day)) + self._open_offset_ns

    def session_close_ns(self, day: int) -> int:
        """Close of trading day ``day``, ns (open + session length)."""
        return self.session_open_ns(day) + self.session_ns

    def day_index(self, ts_ns: int) -> int:
        """Index of the last trading day whose session opened at or before ``ts_ns``.

        Returns ``-1`` before the first open. Between a close and the next open
        this is the day that just closed.
        """
        ts = int(ts_ns)
        d = np.datetime64(ns_to_date(ts), "D")
        if d < self._first:
            return -1
        n = int(np.busday_count(self._first, d, holidays=self._holidays))
        # n = business days in [first, d): index of d if d is a business day.
        if np.is_busday(d, holidays=self._holidays):
            if ts >= date_to_ns(ns_to_date(ts)) + self._open_offset_ns:
                return n
            return n - 1
        return n - 1

    def in_session(self, ts_ns: int) -> bool:
        """Whether ``ts_ns`` lies in a session ``[open, close)``."""
        day = self.day_index(ts_ns)
        return day >= 0 and int(ts_ns) < self.session_close_ns(day)

    def session_fraction(self, ts_ns: int) -> float:
        """Fraction of the current session elapsed at ``ts_ns``, in [0, 1].

        0 before the first open, 1 between a close and the next open.
        """
        day = self.day_index(ts_ns)
        if day < 0:
            return 0.0
        elapsed = int(ts_ns) - self.session_open_ns(day)
        return min(elapsed / self.session_ns, 1.0)

    def session_grid_ns(self, day: int, n_steps: int) -> Int64Array:
        """``n_steps + 1`` equally spaced times from open to close of ``day``, int64 ns."""
        if n_steps < 1:
            raise ValueError(f"TradingCalendar.session_grid_ns: n_steps={n_steps} must be >= 1")
        open_ns = self.session_open_ns(day)
        steps = np.arange(n_steps + 1, dtype=np.int64)
        return open_ns + (steps * self.session_ns) // n_steps

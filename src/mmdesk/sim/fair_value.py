"""The underlying's fair value on the simulated clock: sessions, seasonality, overnight gaps.

Joins a fair-value process (:mod:`mmdesk.market.processes`), the session
variance clock (:mod:`mmdesk.market.sessions`) and the trading calendar
(:mod:`mmdesk.sim.clock`):

* :class:`SessionFairValue` — one path advanced to int64 ns timestamps by the
  event loop (``advance_to(ts_ns)``), applying the overnight gap at each open;
  ``intensity_multiplier(ts_ns)`` gives the intraday activity profile with
  which agents scale their event rates;
* :func:`simulate_session_paths` — the same model vectorised over paths on a
  grid of ``steps_per_day`` equal clock steps per session over ``n_days``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from mmdesk.market.processes import (
    FairValueProcess,
    GBMConfig,
    HestonConfig,
    MertonConfig,
    simulate_log_returns,
)
from mmdesk.market.sessions import (
    SessionConfig,
    activity_profile,
    overnight_jumps,
    variance_time,
)
from mmdesk.sim.clock import TradingCalendar
from mmdesk.typing import Float64Array2D, Int64Array


class SessionPaths(NamedTuple):
    """Multi-day paths on a session grid.

    ``times_ns`` (n_points,) are session grid times (``steps_per_day + 1`` per
    day, open to close); ``spot`` and ``variance`` are (n_paths, n_points).
    The step into the first point of day ``d >= 1`` is the overnight gap.
    """

    times_ns: Int64Array
    spot: Float64Array2D
    variance: Float64Array2D


class SessionFairValue:
    """One fair-value path advanced on the simulated clock.

    Parameters
    ----------
    process
        Process config.
    s0
        Fair value at the first session's open.
    calendar
        Trading calendar (sessions, days).
    session
        Variance-time model of sessions and overnight gaps.
    rng
        Generator for the diffusion (e.g. ``bank.generator("market.fair_value")``).
    gap_rng
        Generator for the extra overnight jumps (a separate named stream, so
        enabling jumps does not shift the diffusion's stream).
    """

    def __init__(
        self,
        process: GBMConfig | HestonConfig | MertonConfig,
        s0: float,
        calendar: TradingCalendar,
        session: SessionConfig,
        rng: np.random.Generator,
        gap_rng: np.random.Generator,
    ) -> None:
        self.calendar = calendar
        self.session = session
        self._process = FairValueProcess(process, s0, rng)
        self._gap_rng = gap_rng
        self._amp = session.u_shape_amplitude
        self._session_ns = calendar.session_ns
        self._set_day(0)
        self._ts = self._open

    def _set_day(self, day: int) -> None:
        self._day = day
        self._open = self.calendar.session_open_ns(day)
        self._next_open = self.calendar.session_open_ns(day + 1)
        self._b_open = day * self.session.day_variance_years

    def _u(self, ts_ns: int) -> float:
        return min((ts_ns - self._open) / self._session_ns, 1.0)

    def _b(self, u: float) -> float:
        """Variance time (years) at fraction ``u`` of the current day's session."""
        x = 2.0 * u - 1.0
        phi = u + self._amp * ((x * x * x + 1.0) / 6.0 - u / 3.0)
        return self._b_open + self.session.session_variance_years * phi

    @property
    def ts_ns(self) -> int:
        """Time of the last update, ns (starts at the first open)."""
        return self._ts

    @property
    def day(self) -> int:
        """Trading-day index of the last update."""
        return self._day

    @property
    def value(self) -> float:
        """Fair value at :attr:`ts_ns`."""
        return self._process.value

    @property
    def variance(self) -> float:
        """Instantaneous annualised variance at :attr:`ts_ns`."""
        return self._process.variance

    def advance_to(self, ts_ns: int) -> float:
        """Advance the fair value to ``ts_ns`` (ns) and return it.

        Crossing an open applies the overnight gap: one process step of
        ``overnight_variance_years`` plus the optional extra jump.

        Raises
        ------
        ValueError
            If ``ts_ns`` is before the last update.
        """
        ts = int(ts_ns)
        if ts < self._ts:
            raise ValueError(
                f"SessionFairValue.advance_to: ts_ns={ts} is before the last update {self._ts}"
            )
        b_now = self._b(self._u(self._ts))
        while ts >= self._next_open:
            self._process.step(max(self._b(1.0) - b_now, 0.0))
            self._process.step(self.session.overnight_variance_years)
            self._process.jump(float(overnight_jumps(1, self.session, self._gap_rng)[0]))
            self._set_day(self._day + 1)
            b_now = self._b_open
        self._process.step(max(self._b(self._u(ts)) - b_now, 0.0))
        self._ts = ts
        return self._process.value

    def intensity_multiplier(self, ts_ns: int) -> float:
        """Intraday activity multiplier at ``ts_ns`` (mean 1 over a session, 0 when closed)."""
        ts = int(ts_ns)
        if self._open <= ts < self._next_open:
            if ts >= self._open + self._session_ns:
                return 0.0
            x = 2.0 * (ts - self._open) / self._session_ns - 1.0
            return 1.0 + self._amp * (x * x - 1.0 / 3.0)
        if not self.calendar.in_session(ts):
            return 0.0
        u = self.calendar.session_fraction(ts)
        return float(activity_profile(u, self._amp))


def simulate_session_paths(
    process: GBMConfig | HestonConfig | MertonConfig,
    s0: float,
    calendar: TradingCalendar,
    session: SessionConfig,
    n_days: int,
    steps_per_day: int,
    n_paths: int,
    rng: np.random.Generator,
    gap_rng: np.random.Generator,
) -> SessionPaths:
    """Vectorised multi-day fair-value paths with seasonality and overnight gaps.

    Parameters
    ----------
    process
        Process config.
    s0
        Fair value at the first open.
    calendar, session
        Trading calendar and session variance model.
    n_days
        Number of trading days (>= 1).
    steps_per_day
        Equal clock steps per session (>= 1).
    n_paths
        Number of paths.
    rng, gap_rng
        Generators for the process and for the extra overnight jumps.

    Returns
    -------
    SessionPaths
    """
    if n_days < 1:
        raise ValueError(f"simulate_session_paths: n_days={n_days} must be >= 1")
    if steps_per_day < 1:
        raise ValueError(f"simulate_session_paths: steps_per_day={steps_per_day} must be >= 1")
    times = np.concatenate([calendar.session_grid_ns(d, steps_per_day) for d in range(n_days)])
    u_day = np.linspace(0.0, 1.0, steps_per_day + 1)
    days = np.repeat(np.arange(n_days, dtype=np.float64), steps_per_day + 1)
    b = variance_time(days, np.tile(u_day, n_days), session)
    dt = np.diff(b)
    rets, var = simulate_log_returns(process, dt, n_paths, rng)
    gap_steps = np.arange(1, n_days) * (steps_per_day + 1) - 1
    if gap_steps.size:
        rets[:, gap_steps] += overnight_jumps((n_paths, gap_steps.size), session, gap_rng)
    log_s = np.zeros((n_paths, times.size))
    np.cumsum(rets, axis=1, out=log_s[:, 1:])
    return SessionPaths(times_ns=times, spot=s0 * np.exp(log_s), variance=var)

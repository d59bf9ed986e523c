"""The simulator's latent fair value: a pre-simulated exogenous path plus price impact.

Implements :class:`mmdesk.flow.agents.base.Oracle`. The exogenous path is
simulated once for the whole run on a session grid (``path_step_ms``), with
seasonality and overnight gaps (:func:`mmdesk.sim.fair_value.simulate_session_paths`);
between grid points the fair value is the last grid value (a step function).
The fair value the market sees is the path plus the impact offset of
aggressive underlying volume (:class:`mmdesk.venue.impact.PriceImpact`). Every
lookup is a binary search on the grid (no calendar arithmetic on the hot path).
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

from mmdesk.market.sessions import SessionConfig, activity_profile, variance_time
from mmdesk.sim.clock import TradingCalendar
from mmdesk.sim.fair_value import SessionPaths
from mmdesk.typing import Float64Array, Int64Array
from mmdesk.venue.impact import PriceImpact


class PathOracle:
    """Fair value, its future (for informed agents), realised vol, variance clock, activity.

    Parameters
    ----------
    paths
        One simulated path (``spot`` row 0 is used) on ``times_ns``.
    calendar, session
        The run's trading calendar and session variance model.
    impact
        The impact state added to the path.
    steps_per_day
        Grid steps per session (``times_ns`` has ``steps_per_day + 1`` points a day).
    """

    def __init__(
        self,
        paths: SessionPaths,
        calendar: TradingCalendar,
        session: SessionConfig,
        impact: PriceImpact,
        steps_per_day: int,
    ) -> None:
        self.times_ns: Int64Array = np.asarray(paths.times_ns, dtype=np.int64)
        self.spot: Float64Array = np.asarray(paths.spot[0], dtype=np.float64)
        self.impact = impact
        n_days = self.times_ns.size // (steps_per_day + 1)
        u = np.tile(np.linspace(0.0, 1.0, steps_per_day + 1), n_days)
        days = np.repeat(np.arange(n_days, dtype=np.float64), steps_per_day + 1)
        #: cumulative variance time at each grid point, years
        self.var_time: Float64Array = np.asarray(variance_time(days, u, session))
        self.activity_grid: Float64Array = np.asarray(
            activity_profile(u, session.u_shape_amplitude)
        )
        self._log = np.log(self.spot)
        self._r2 = np.concatenate([[0.0], np.cumsum(np.diff(self._log) ** 2)])
        self.calendar = calendar
        self._session_ends = np.array(
            [calendar.session_close_ns(d) for d in range(n_days)], dtype=np.int64
        )
        # Python lists for the scalar lookups of the hot path (a bisect on a list and a
        # list index cost a fraction of numpy's per-call overhead; same values)
        self._times = self.times_ns.tolist()
        self._spot = self.spot.tolist()
        self._ends = self._session_ends.tolist()
        self._activity = self.activity_grid.tolist()
        self._per_day = self.times_ns.size // self._session_ends.size

    def _idx(self, ts_ns: int) -> int:
        i = bisect_right(self._times, ts_ns) - 1
        return min(max(i, 0), len(self._times) - 1)

    def path_value(self, ts_ns: int) -> float:
        """Exogenous fair value (no impact) at ``ts_ns``, currency."""
        return self._spot[self._idx(ts_ns)]

    def path_values(self, ts_ns: Int64Array) -> Float64Array:
        """Vectorised :meth:`path_value`."""
        i = np.searchsorted(self.times_ns, ts_ns, side="right") - 1
        return np.asarray(self.spot[np.clip(i, 0, self.spot.size - 1)])

    def fair_value(self, ts_ns: int) -> float:
        """Latent fair value: path + impact offset, currency."""
        return self.path_value(ts_ns) + self.impact.offset(ts_ns)

    def future_log_return(self, ts_ns: int, horizon_ns: int) -> float:
        """Log return of the exogenous path over ``[ts, ts + horizon]`` (clipped at the end)."""
        i0, i1 = self._idx(ts_ns), self._idx(ts_ns + horizon_ns)
        return float(self._log[i1] - self._log[i0])

    def realised_vol(self, ts_ns: int, horizon_ns: int) -> float:
        """Annualised realised vol of the path over ``[ts, ts + horizon]`` (variance-time years).

        Falls back to the last full day's realised vol when the window holds no step.
        """
        i0, i1 = self._idx(ts_ns), self._idx(ts_ns + horizon_ns)
        if i1 <= i0:
            i0, i1 = 0, self.spot.size - 1
        vt = self.var_time[i1] - self.var_time[i0]
        if not vt > 0.0:
            return math.nan
        return math.sqrt((self._r2[i1] - self._r2[i0]) / vt)

    def variance_years(self, t0_ns: int, t1_ns: int) -> float:
        """Variance time between two instants (grid resolution), years."""
        return float(self.var_time[self._idx(t1_ns)] - self.var_time[self._idx(t0_ns)])

    def activity(self, ts_ns: int) -> float:
        """Intraday activity multiplier at ``ts_ns`` (0 outside sessions)."""
        i = self._idx(ts_ns)
        ends = self._ends
        if ts_ns >= ends[min(i // self._per_day, len(ends) - 1)] or ts_ns < self._times[0]:
            return 0.0
        return self._activity[i]

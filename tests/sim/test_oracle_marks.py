"""The latent fair value oracle (path + impact) and the simple fill markouts."""

from __future__ import annotations

import math

import numpy as np

from mmdesk.market.events import EventKind, empty_events
from mmdesk.market.sessions import SessionConfig
from mmdesk.sim.clock import NS_PER_SECOND, TradingCalendar, TradingCalendarConfig
from mmdesk.sim.fair_value import SessionPaths
from mmdesk.sim.marks import fill_markouts, t_stat
from mmdesk.sim.oracle import PathOracle
from mmdesk.venue.impact import ImpactConfig, PriceImpact


def oracle(spot: np.ndarray, impact: PriceImpact | None = None) -> PathOracle:
    cal = TradingCalendar(TradingCalendarConfig(session_s=len(spot) - 1))
    times = cal.session_grid_ns(0, len(spot) - 1)
    paths = SessionPaths(times, spot[None, :], np.zeros((1, len(spot) - 1)))
    imp = impact if impact is not None else PriceImpact(ImpactConfig(lam=0.0), int(times[0]))
    return PathOracle(paths, cal, SessionConfig(u_shape_amplitude=0.0), imp, len(spot) - 1)


def test_future_return_and_realised_vol_come_from_the_path() -> None:
    spot = 100.0 * np.exp(np.concatenate([[0.0], np.cumsum(np.tile([0.01, -0.01], 50))]))
    o = oracle(spot)
    t0 = int(o.times_ns[0])
    assert math.isclose(o.future_log_return(t0, 3 * NS_PER_SECOND), 0.01)
    # 100 squared returns of 1e-4 over the session's variance time (flat profile)
    session_vt = SessionConfig().session_variance_years
    expected = math.sqrt(100 * 1e-4 / session_vt)
    assert math.isclose(o.realised_vol(t0, 100 * NS_PER_SECOND), expected, rel_tol=1e-9)
    assert o.activity(t0) == 1.0
    assert o.activity(int(o.times_ns[-1]) + 1) == 0.0  # after the close


def test_fair_value_is_the_path_plus_the_impact_offset() -> None:
    spot = np.full(11, 50.0)
    imp = PriceImpact(ImpactConfig(lam=1e-3, permanent_fraction=1.0), 0)
    o = oracle(spot, imp)
    t = int(o.times_ns[3])
    imp.apply(np.array([t]), np.array([100]))
    assert math.isclose(o.fair_value(t), 50.1)
    assert o.path_value(t) == 50.0


def test_fill_markouts_from_the_fill_side_against_later_mids() -> None:
    mark_ts = np.array([0, 10, 20], dtype=np.int64)
    mid = np.array([[10.0, 1.00], [10.5, 1.20], [11.0, 0.90]])
    f = empty_events(2)
    f["flags"] = int(EventKind.FILL)
    f["ts_exchange"] = [5, 5]
    f["instrument"] = [0, 1]
    f["side"] = [1, -1]
    f["price"] = [1001, 101]  # 10.01, 1.01
    f["qty"] = [100, 2]
    out = fill_markouts(f, mark_ts, mid, 10, 0.01, np.array([1.0, 100.0]))
    np.testing.assert_allclose(out, [(11.0 - 10.01) * 100, -(0.90 - 1.01) * 2 * 100])
    moved = fill_markouts(f, mark_ts, mid, 10, 0.01, np.array([1.0, 100.0]), "mid")
    np.testing.assert_allclose(moved, [(11.0 - 10.0) * 100, -(0.90 - 1.00) * 200])
    late = fill_markouts(f, mark_ts, mid, 100, 0.01)
    assert np.all(np.isnan(late))
    m, t, n = t_stat(np.array([1.0, 2.0, 3.0, np.nan]))
    assert (m, n) == (2.0, 3) and math.isclose(t, 2.0 / (1.0 / math.sqrt(3)))

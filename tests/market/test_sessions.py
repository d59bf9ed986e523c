"""Intraday U-shaped activity and the session variance clock."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.market.sessions import (
    SessionConfig,
    activity_profile,
    cumulative_activity,
    overnight_jumps,
    variance_time,
)


def test_activity_profile_averages_one_over_the_session() -> None:
    u = np.linspace(0.0, 1.0, 100_001)
    phi = activity_profile(u, 1.5)
    assert np.trapezoid(phi, u) == pytest.approx(1.0, abs=1e-9)


def test_activity_is_u_shaped_busiest_at_open_and_close() -> None:
    phi = activity_profile([0.0, 0.25, 0.5, 0.75, 1.0], 1.5)
    assert phi[0] == phi[4] == pytest.approx(2.0)
    assert phi[2] == pytest.approx(0.5)
    assert phi[0] > phi[1] > phi[2] < phi[3] < phi[4]
    np.testing.assert_allclose(activity_profile([0.1, 0.9], 0.0), 1.0)


def test_cumulative_activity_is_the_integral_of_the_profile() -> None:
    u = np.linspace(0.0, 1.0, 2001)
    big_phi = cumulative_activity(u, 2.0)
    assert big_phi[0] == 0.0
    assert big_phi[-1] == pytest.approx(1.0, abs=1e-15)
    mid = 0.5 * (u[1:] + u[:-1])
    np.testing.assert_allclose(np.diff(big_phi) / np.diff(u), activity_profile(mid, 2.0), rtol=1e-5)


def test_variance_time_jumps_by_the_overnight_share_at_each_open() -> None:
    cfg = SessionConfig(trading_days_per_year=250, overnight_fraction=0.25)
    close0 = float(variance_time(0, 1.0, cfg))
    open1 = float(variance_time(1, 0.0, cfg))
    assert close0 == pytest.approx(0.75 / 250)
    assert (
        open1 - close0 == pytest.approx(cfg.overnight_variance_years) == pytest.approx(0.25 / 250)
    )
    assert float(variance_time(3, 0.0, cfg)) == pytest.approx(3 / 250)


def test_overnight_jumps_hit_with_the_stated_probability() -> None:
    cfg = SessionConfig(
        overnight_jump_probability=0.1, overnight_jump_mean=-0.03, overnight_jump_std=0.0
    )
    jumps = overnight_jumps(20_000, cfg, np.random.default_rng(0))
    hit_rate = np.mean(jumps != 0.0)
    se = np.sqrt(0.1 * 0.9 / 20_000)
    assert abs(hit_rate - 0.1) < 4 * se
    assert np.all(jumps[jumps != 0.0] == -0.03)


def test_session_fraction_outside_unit_interval_is_rejected() -> None:
    with pytest.raises(ValueError, match="session fraction"):
        activity_profile(1.2, 1.0)
    with pytest.raises(ValueError, match="overnight_fraction"):
        SessionConfig(overnight_fraction=1.0)

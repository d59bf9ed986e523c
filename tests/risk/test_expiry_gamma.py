"""The limits' gamma on an expiry date: a ±1 % delta ladder, bounded where analytic gamma is not."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.pricing import bs_greeks
from mmdesk.risk.expiry_gamma import NS_PER_DAY, ladder_gamma, limit_gamma, on_expiry_date

S_PER_YEAR = 365.0 * 86_400.0
STRIKES = np.array([90.0, 100.0, 110.0])
CALLS = np.array([True, False, True])
VOLS = np.full(3, 0.2)


def test_ladder_gamma_is_the_analytic_gamma_far_from_expiry() -> None:
    tau = np.full(3, 0.25)
    analytic = bs_greeks(100.0, STRIKES, tau, VOLS, 0.02, 0.0, CALLS).gamma
    ladder = ladder_gamma(100.0, STRIKES, tau, VOLS, 0.02, 0.0, CALLS, 0.01)
    np.testing.assert_allclose(ladder, analytic, rtol=2e-3)


def test_ladder_gamma_stays_bounded_at_the_strike_as_expiry_nears() -> None:
    for minutes in (60.0, 5.0, 1.0):
        tau = np.full(1, minutes * 60.0 / S_PER_YEAR)
        analytic = bs_greeks(100.0, np.array([100.0]), tau, np.array([0.2]), 0.0, 0.0, True).gamma
        ladder = ladder_gamma(
            100.0, np.array([100.0]), tau, np.array([0.2]), 0.0, 0.0, np.array([True]), 0.01
        )
        assert ladder[0] <= 1.0 / (2 * 0.01 * 100.0)  # one share of delta over the ladder
        assert analytic[0] > ladder[0]
    assert analytic[0] > 10 * ladder[0]  # one minute out: analytic gamma has run away


def test_limit_gamma_replaces_only_the_options_on_their_expiry_date() -> None:
    now = 10 * NS_PER_DAY + 10 * 3_600 * 10**9  # 10:00 on day 10
    expiry = np.array([10 * NS_PER_DAY + 16 * 3_600 * 10**9, 11 * NS_PER_DAY, 30 * NS_PER_DAY])
    assert on_expiry_date(now, expiry).tolist() == [True, False, False]
    gamma = np.array([0.5, 0.04, 0.02])
    out = limit_gamma(gamma, now, expiry, 100.0, STRIKES, VOLS, 0.02, 0.0, CALLS, 0.01)
    assert out[1:].tolist() == gamma[1:].tolist()
    tau = (expiry[0] - now) / 1e9 / S_PER_YEAR
    expected = ladder_gamma(
        100.0, STRIKES[:1], np.array([tau]), VOLS[:1], 0.02, 0.0, CALLS[:1], 0.01
    )
    assert out[0] == pytest.approx(expected[0], rel=1e-12)
    assert gamma[0] == 0.5  # the input is not modified


def test_limit_gamma_is_the_theo_gamma_itself_away_from_expiry_dates_or_when_off() -> None:
    gamma = np.array([0.1, 0.2, 0.3])
    expiry = np.array([20, 21, 22]) * NS_PER_DAY
    assert (
        limit_gamma(gamma, 10 * NS_PER_DAY, expiry, 100.0, STRIKES, VOLS, 0.0, 0.0, CALLS, 0.01)
        is gamma
    )
    on_day = 20 * NS_PER_DAY + 1
    assert limit_gamma(gamma, on_day, expiry, 100.0, STRIKES, VOLS, 0.0, 0.0, CALLS, 0.0) is gamma


def test_ladder_move_outside_the_unit_interval_is_refused() -> None:
    with pytest.raises(ValueError, match=r"move=0\.0"):
        ladder_gamma(100.0, STRIKES, np.full(3, 0.1), VOLS, 0.0, 0.0, CALLS, 0.0)

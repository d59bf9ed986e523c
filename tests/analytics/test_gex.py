"""Dealer gamma exposure: the hand-computed book of docs/gex.md, signs, units, profile, flip."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.analytics.gex import (
    DealerPosition,
    GexTable,
    dealer_contracts,
    gamma_concentration,
    gex,
    gex_profile,
    option_gex_shares,
)

# The small book of docs/gex.md: S = 100, T = 0.25 y, σ = 20%, r = q = 0, 100 per contract.
SPOT = 100.0
STRIKE = np.array([100.0, 100.0, 90.0, 110.0])
IS_CALL = np.array([True, False, False, True])
OI = np.array([2000.0, 1000.0, 3000.0, 1500.0])
T = 0.25
VOL = 0.20


def hand_book() -> GexTable:
    return gex(SPOT, STRIKE, T, VOL, IS_CALL, OI, assumption=DealerPosition.CONVENTION)


def test_hand_computed_book_matches_docs_to_the_cent() -> None:
    table = hand_book()
    # docs/gex.md, "The small book by hand": per strike and total, currency per 1% move.
    np.testing.assert_array_equal(table.strike, [90.0, 100.0, 110.0])
    np.testing.assert_allclose(
        np.round(table.currency_per_pct, 2), [-650_965.64, 398_443.91, 398_013.30], rtol=0, atol=0
    )
    assert round(table.total_currency_per_pct, 2) == 145_491.57
    # shares per 1-point move, to 1e-4 share (the cent at S² · 0.01 = 100)
    np.testing.assert_allclose(
        np.round(table.shares, 4), [-6509.6564, 3984.4391, 3980.1330], rtol=0, atol=0
    )
    assert round(table.total_shares, 4) == 1454.9157


def test_hand_book_splits_calls_and_puts_with_convention_signs() -> None:
    table = hand_book()
    # K=100: dealers long 2000 calls (+7968.88 shares), short 1000 puts (−3984.44)
    np.testing.assert_allclose(table.call_shares, [0.0, 7968.8783, 3980.1330], atol=1e-4)
    np.testing.assert_allclose(table.put_shares, [-6509.6564, -3984.4391, 0.0], atol=1e-4)
    assert table.largest_positive_strike() == 100.0
    assert table.largest_negative_strike() == 90.0


def test_currency_per_pct_is_shares_times_spot_squared_over_100() -> None:
    table = gex(2700.0, [2700.0], 10 / 365, 0.12, [True], [1.0])
    assert table.currency_per_pct[0] == pytest.approx(table.shares[0] * 2700.0**2 * 0.01)


def test_long_all_makes_every_option_positive_gamma() -> None:
    table = gex(SPOT, STRIKE, T, VOL, IS_CALL, OI, assumption=DealerPosition.LONG_ALL)
    assert np.all(table.shares > 0.0)


def test_desk_book_uses_the_given_signed_positions() -> None:
    pos = np.array([-5.0, 0.0, 0.0, 10.0])
    table = gex(SPOT, STRIKE, T, VOL, IS_CALL, assumption=DealerPosition.DESK_BOOK, positions=pos)
    expected = option_gex_shares(SPOT, STRIKE, T, VOL, IS_CALL, pos)
    assert table.total_shares == pytest.approx(expected.sum())
    assert table.shares[1] < 0.0 < table.shares[2]


def test_simulator_flow_requires_positions_and_convention_rejects_them() -> None:
    with pytest.raises(ValueError, match="positions is None"):
        dealer_contracts(IS_CALL, OI, assumption=DealerPosition.SIMULATOR_FLOW)
    with pytest.raises(ValueError, match="positions given"):
        dealer_contracts(IS_CALL, OI, positions=OI)


def test_bad_open_interest_is_named() -> None:
    with pytest.raises(ValueError, match=r"open_interest\[2\] is -1"):
        gex(SPOT, STRIKE, T, VOL, IS_CALL, [1.0, 2.0, -1.0, 3.0])
    with pytest.raises(ValueError, match="spot is"):
        gex(-1.0, STRIKE, T, VOL, IS_CALL, OI)


def test_rows_are_grouped_by_expiry_then_strike() -> None:
    expiry = np.array(["2018-02-28", "2018-01-31", "2018-01-31", "2018-02-28"], dtype="M8[D]")
    table = gex(
        SPOT, [100.0, 100.0, 90.0, 100.0], [0.2, 0.1, 0.1, 0.2], VOL, IS_CALL, OI, expiry=expiry
    )
    np.testing.assert_array_equal(
        table.expiry, np.array(["2018-01-31", "2018-01-31", "2018-02-28"], dtype="M8[D]")
    )
    np.testing.assert_array_equal(table.strike, [90.0, 100.0, 100.0])
    strikes, shares = table.by_strike()
    np.testing.assert_array_equal(strikes, [90.0, 100.0])
    assert shares[1] == pytest.approx(table.shares[1] + table.shares[2])


def test_profile_at_spot_equals_the_table_total() -> None:
    contracts = dealer_contracts(IS_CALL, OI)
    profile = gex_profile([80.0, SPOT, 120.0], STRIKE, T, VOL, IS_CALL, contracts)
    assert profile.shares[1] == pytest.approx(hand_book().total_shares, rel=1e-12)


def test_zero_gamma_level_is_where_the_profile_changes_sign() -> None:
    contracts = dealer_contracts(IS_CALL, OI)
    grid = np.linspace(70.0, 130.0, 601)
    profile = gex_profile(grid, STRIKE, T, VOL, IS_CALL, contracts)
    flip = profile.zero_gamma(SPOT)
    # the short 90 puts dominate below, the long calls above: one flip between 90 and 100
    assert 90.0 < flip < SPOT
    fine = gex_profile([flip - 0.01, flip + 0.01], STRIKE, T, VOL, IS_CALL, contracts)
    assert fine.shares[0] < 0.0 < fine.shares[1]
    exact = gex_profile([flip], STRIKE, T, VOL, IS_CALL, contracts).shares[0]
    assert abs(exact) < 1e-3 * np.abs(profile.shares).max()


def test_profile_without_a_flip_gives_nan() -> None:
    profile = gex_profile(np.linspace(80, 120, 41), [100.0], T, VOL, [True], [10.0])
    assert np.isnan(profile.zero_gamma(SPOT))


def test_profile_chunks_agree_with_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    import mmdesk.analytics.gex as module

    rng = np.random.default_rng(7)
    n = 50
    args = (
        rng.uniform(80, 120, n),
        rng.uniform(0.01, 1, n),
        rng.uniform(0.1, 0.5, n),
        rng.random(n) < 0.5,
        rng.normal(0, 100, n),
    )
    grid = np.linspace(70, 130, 37)
    whole = gex_profile(grid, *args).shares
    monkeypatch.setattr(module, "_PROFILE_CHUNK_ELEMENTS", 3 * n)
    np.testing.assert_allclose(gex_profile(grid, *args).shares, whole, rtol=1e-14)


def test_gamma_concentrates_at_the_strike_next_to_spot_as_expiry_nears() -> None:
    strikes = np.array([95.0, 100.0, 105.0])
    pos = np.array([-10.0, -10.0, -10.0])
    calls = np.ones(3, dtype=bool)
    _, _, far = gamma_concentration(100.0, strikes, 0.5, VOL, calls, pos)
    _, shares, near = gamma_concentration(100.0, strikes, 1 / 365, VOL, calls, pos)
    assert np.all(shares < 0.0)
    assert near.sum() == pytest.approx(1.0)
    assert near[1] > far[1] > 1 / 3

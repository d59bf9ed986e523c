"""Working the hedge: the resting underlying order's side, price and size."""

from __future__ import annotations

import pytest

from mmdesk.desk.passive_hedge import NO_LEG, PassiveHedgeConfig, PassiveLeg, passive_hedge_leg

ON = PassiveHedgeConfig(enabled=True, keep_shares=100.0, max_shares=1_000, min_shares=50)
TICK = 1


def test_short_book_bids_for_the_delta_beyond_what_it_keeps() -> None:
    leg = passive_hedge_leg(-400.0, 9_999, 10_001, NO_LEG, TICK, ON)
    assert leg.bid_qty == 300 and leg.ask_qty == 0
    assert leg.signed_shares == 300


def test_long_book_offers() -> None:
    leg = passive_hedge_leg(650.0, 9_999, 10_001, NO_LEG, TICK, ON)
    assert leg.ask_qty == 550 and leg.bid_qty == 0
    assert leg.signed_shares == -550


def test_joins_the_best_or_improves_it_by_the_configured_ticks_never_crossing() -> None:
    join = ON.model_copy(update={"improve_ticks": 0})
    assert passive_hedge_leg(-400.0, 9_995, 10_005, NO_LEG, TICK, join).bid == 9_995
    assert passive_hedge_leg(-400.0, 9_995, 10_005, NO_LEG, TICK, ON).bid == 9_996
    # a one-tick spread leaves no room inside: the bid joins
    assert passive_hedge_leg(-400.0, 9_999, 10_000, NO_LEG, TICK, ON).bid == 9_999
    assert passive_hedge_leg(400.0, 9_999, 10_000, NO_LEG, TICK, ON).ask == 10_000
    deep = ON.model_copy(update={"improve_ticks": 50})
    assert passive_hedge_leg(-400.0, 9_995, 10_005, NO_LEG, TICK, deep).bid == 10_004


def test_does_not_penny_its_own_resting_order() -> None:
    resting = PassiveLeg(bid=9_996, bid_qty=300)
    # the visible best bid is the desk's own: the price stays
    assert passive_hedge_leg(-400.0, 9_996, 10_005, resting, TICK, ON).bid == 9_996
    # someone bid above it: it moves to improve on them
    assert passive_hedge_leg(-400.0, 9_998, 10_005, resting, TICK, ON).bid == 9_999


def test_nothing_rests_inside_keep_or_below_min_or_without_a_two_sided_market() -> None:
    assert passive_hedge_leg(-120.0, 9_999, 10_001, NO_LEG, TICK, ON) == NO_LEG
    assert passive_hedge_leg(-400.0, -1, 10_001, NO_LEG, TICK, ON) == NO_LEG
    assert passive_hedge_leg(-400.0, 9_999, 0, NO_LEG, TICK, ON) == NO_LEG
    off = ON.model_copy(update={"enabled": False})
    assert passive_hedge_leg(-4_000.0, 9_999, 10_001, NO_LEG, TICK, off) == NO_LEG


def test_size_is_capped() -> None:
    assert passive_hedge_leg(-5_000.0, 9_999, 10_001, NO_LEG, TICK, ON).bid_qty == 1_000


def test_bad_tick_is_named() -> None:
    with pytest.raises(ValueError, match="tick"):
        passive_hedge_leg(-400.0, 9_999, 10_001, NO_LEG, 0, ON)

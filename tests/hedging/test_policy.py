"""Hedging policies trade to the band's edge, or to zero on their clock."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import TypeAdapter, ValidationError

from mmdesk.hedging.bands import whalley_wilmott_half_width
from mmdesk.hedging.policy import (
    FixedBandConfig,
    FixedIntervalConfig,
    HedgeConfig,
    HedgeInputs,
    WhalleyWilmottConfig,
    ZakamoulineConfig,
    trade_to_band,
)

STATE = HedgeInputs(
    now_ns=0,
    spot=100.0,
    delta=0.0,
    gamma=50.0,
    vanna=10.0,
    vol=0.2,
    t=0.1,
    rate=0.0,
    cost=0.0005,
    last_hedge_ns=-(10**18),
)


def test_trade_to_band_goes_to_the_nearest_edge_not_to_zero() -> None:
    assert trade_to_band(250.0, 0.0, 100.0) == -150.0
    assert trade_to_band(-250.0, 0.0, 100.0) == 150.0
    assert trade_to_band(60.0, 0.0, 100.0) == 0.0
    assert trade_to_band(60.0, 100.0, 20.0) == 20.0


def test_fixed_band_leaves_small_deltas_alone() -> None:
    policy = FixedBandConfig(half_width=100.0)
    assert policy.hedge_quantity(dataclasses.replace(STATE, delta=99.0)) == 0.0
    assert policy.hedge_quantity(dataclasses.replace(STATE, delta=180.0)) == -80.0


def test_fixed_interval_hedges_to_zero_only_when_the_interval_has_passed() -> None:
    policy = FixedIntervalConfig(interval_s=60.0)
    fresh = dataclasses.replace(STATE, delta=30.0, now_ns=50 * 10**9, last_hedge_ns=0)
    due = dataclasses.replace(STATE, delta=30.0, now_ns=60 * 10**9, last_hedge_ns=0)
    assert policy.hedge_quantity(fresh) == 0.0
    assert policy.hedge_quantity(due) == -30.0


def test_whalley_wilmott_policy_uses_the_closed_form_half_width() -> None:
    h = float(whalley_wilmott_half_width(100.0, 50.0, 0.1, 0.0, 0.0005, 1e-4))
    policy = WhalleyWilmottConfig(risk_aversion=1e-4)
    assert policy.hedge_quantity(dataclasses.replace(STATE, delta=0.99 * h)) == 0.0
    assert policy.hedge_quantity(dataclasses.replace(STATE, delta=h + 7.0)) == pytest.approx(-7.0)


def test_whalley_wilmott_band_widens_with_gamma() -> None:
    policy = WhalleyWilmottConfig(risk_aversion=1e-4)
    low = dataclasses.replace(STATE, gamma=5.0, delta=200.0)
    high = dataclasses.replace(STATE, gamma=500.0, delta=200.0)
    assert abs(policy.hedge_quantity(high)) < abs(policy.hedge_quantity(low))


def test_zakamouline_short_gamma_book_centres_its_band_by_vanna() -> None:
    policy = ZakamoulineConfig(risk_aversion=1e-4)
    state = dataclasses.replace(STATE, gamma=-50.0, vanna=100.0, delta=0.0)
    # σ_m > σ for a short-gamma book: centre = −vanna·σ·(mult − 1) < 0 for positive vanna.
    assert policy.hedge_quantity(dataclasses.replace(state, delta=1e6)) < 0.0
    assert policy.hedge_quantity(dataclasses.replace(state, delta=-1e6)) > 0.0


def test_hedge_config_is_chosen_by_kind_and_rejects_typos() -> None:
    adapter: TypeAdapter[HedgeConfig] = TypeAdapter(HedgeConfig)
    assert isinstance(adapter.validate_python({"kind": "whalley_wilmott"}), WhalleyWilmottConfig)
    with pytest.raises(ValidationError, match="risk_aversoin"):
        adapter.validate_python({"kind": "whalley_wilmott", "risk_aversoin": 1.0})
    with pytest.raises(ValidationError, match="half_width"):
        adapter.validate_python({"kind": "fixed_band", "half_width": -1.0})

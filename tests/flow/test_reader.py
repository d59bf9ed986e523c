"""The desk's online flow read: running hedged markouts, toxicity per tag, the lean."""

from __future__ import annotations

import numpy as np

from mmdesk.flow.classifier import adverse_toxicity
from mmdesk.flow.leaning import LeaningConfig
from mmdesk.flow.reader import FlowReader, FlowReaderConfig

S = 1_000_000_000
SMART, DUMB = 300, 100
LIVE = np.array([True, True])


def _reader(enabled: bool = True) -> FlowReader:
    cfg = FlowReaderConfig(
        leaning=LeaningConfig(enabled=enabled), mark_s=10.0, refresh_s=60.0, min_age_s=60.0
    )
    return FlowReader(cfg, expiry=np.array([0, 0]), multiplier=100.0)


def _trade(r: FlowReader, n: int) -> None:
    """n fills each at t = 0..n−1 s: a smart tag lifts the desk's offer on option 0
    (theo 2.00) at 2.02, a dumb tag hits its bid on option 1 (theo 1.00) at 0.95;
    spot 100, delta 0.5, vega 0.2."""
    ts = np.arange(n, dtype=np.int64) * S
    one = np.ones(n)
    r.record(ts, 0 * one.astype(np.int64), -one, 10 * one, 2.02 * one, SMART + 0 * ts,
             2.0 * one, 0.5 * one, 0.2 * one, 100.0)  # fmt: skip
    r.record(ts, one.astype(np.int64), one, 10 * one, 0.95 * one, DUMB + 0 * ts,
             1.0 * one, 0.5 * one, 0.2 * one, 100.0)  # fmt: skip


def _walk(r: FlowReader, theo0: list[float], spot: list[float], until_s: int) -> None:
    """Mark every 10 s up to ``until_s``, theo of option 0 and spot following the lists."""
    for k, t in enumerate(range(10, until_s + 1, 10)):
        j = min(k, len(spot) - 1)
        r.update(t * S, np.array([theo0[j], 1.0]), np.array([0.5, 0.5]), LIVE, spot[j])


def test_the_read_is_rebuilt_only_from_fills_old_enough_and_on_its_schedule() -> None:
    r = _reader()
    _trade(r, 5)
    assert r.update(0, np.array([2.0, 1.0]), np.array([0.5, 0.5]), LIVE, 100.0)  # first refresh
    assert r.state().height == 0  # nothing is 60 s old yet
    assert not r.update(30 * S, np.array([2.0, 1.0]), np.array([0.5, 0.5]), LIVE, 100.0)
    assert r.update(64 * S, np.array([2.0, 1.0]), np.array([0.5, 0.5]), LIVE, 100.0)
    assert r.state()["fills"].sum() == 10


def test_smart_tag_is_read_smart_and_dumb_tag_dumb_after_enough_fills() -> None:
    r = _reader()
    _trade(r, 40)
    # after the smart buying the option's vol is re-marked up: theo +0.30, spot unchanged
    _walk(r, [2.1, 2.2, 2.3], [100.0], until_s=200)
    p = r.p_smart(np.array([SMART, DUMB, 999]))
    assert p[0] > 0.99 and p[1] < 0.01 and p[2] == 0.5


def test_the_running_hedge_removes_the_underlyings_move_step_by_step() -> None:
    r = _reader()
    _trade(r, 40)
    # spot climbs 1 in two steps, each option's theo by exactly delta · move: nothing hedged
    r.update(10 * S, np.array([2.25, 1.25]), np.array([0.5, 0.5]), LIVE, 100.5)
    r.update(20 * S, np.array([2.5, 1.5]), np.array([0.5, 0.5]), LIVE, 101.0)
    r.update(200 * S, np.array([2.5, 1.5]), np.array([0.5, 0.5]), LIVE, 101.0)
    tox = dict(zip(r.state()["tag"].to_list(), r.state()["mean_obs"].to_list(), strict=True))
    # no information left once hedged: the spread each paid (0.02, 0.05) is not toxicity
    assert abs(tox[SMART]) < 1e-9 and abs(tox[DUMB]) < 1e-9


def test_an_informed_tag_paying_a_wide_spread_is_read_smart_as_the_classifier_would() -> None:
    r = _reader()
    ts = np.arange(40, dtype=np.int64) * S
    one = np.ones(40)
    # the informed tag pays 0.50 a share over theo 2.00; the option is then re-marked
    # up 0.30 only: the desk made money on it, but its buying predicted the move
    r.record(ts, 0 * ts, -one, 10 * one, 2.50 * one, SMART + 0 * ts,
             2.0 * one, 0.5 * one, 0.2 * one, 100.0)  # fmt: skip
    r.record(ts, 0 * ts + 1, one, 10 * one, 0.50 * one, DUMB + 0 * ts,
             1.0 * one, 0.5 * one, 0.2 * one, 100.0)  # fmt: skip
    _walk(r, [2.1, 2.2, 2.3], [100.0] * 3, until_s=200)
    st = r.state()
    tox = dict(zip(st["tag"].to_list(), st["mean_obs"].to_list(), strict=True))
    markout = np.array([-(2.3 - 2.5) * 10 * 100.0])  # desk sold: −(theo_close − price)
    edge = np.array([-(2.0 - 2.5) * 10 * 100.0])
    assert abs(tox[SMART] - adverse_toxicity(markout, edge, np.array([10.0]))[0]) < 1e-9
    assert abs(tox[SMART] - 30.0) < 1e-9 and abs(tox[DUMB]) < 1e-9
    p = r.p_smart(np.array([SMART, DUMB]))
    assert p[0] > 0.99 and p[1] < 0.01


def test_an_expired_option_stops_moving_the_markout() -> None:
    r = _reader()
    _trade(r, 40)
    dead = np.array([False, True])
    r.update(10 * S, np.array([9.0, 1.0]), np.array([0.5, 0.5]), dead, 130.0)
    r.update(200 * S, np.array([9.0, 1.0]), np.array([0.5, 0.5]), dead, 130.0)
    tox = dict(zip(r.state()["tag"].to_list(), r.state()["mean_obs"].to_list(), strict=True))
    assert abs(tox[SMART]) < 1e-9


def test_lean_moves_out_the_ask_smart_flow_lifted_and_rfqs_tighten_for_the_dumb_tag() -> None:
    r = _reader()
    _trade(r, 40)
    _walk(r, [2.1, 2.2, 2.3], [100.0], until_s=200)
    # both options are calls of expiry 0 (one cell): smart flow lifted the offer, dumb flow
    # hit the bid and is not toxic, so only the ask moves out
    assert r.lean.side_px is not None
    ask = r.lean.widen_px + r.lean.side_px
    bid = r.lean.widen_px - r.lean.side_px
    assert np.all(ask > 0.0)
    np.testing.assert_allclose(bid, 0.0, atol=1e-15)
    assert r.lean.spot_shift == 0.0  # no factor skew by default
    widen, mult = r.tag_lean(SMART)
    assert widen > 0.0 and mult == 1.0
    widen, mult = r.tag_lean(DUMB)
    assert widen == 0.0 and mult < 1.0


def test_leaning_switched_off_keeps_reading_but_quotes_stay_neutral() -> None:
    r = _reader(enabled=False)
    _trade(r, 40)
    _walk(r, [2.1, 2.2, 2.3], [100.0], until_s=200)
    assert r.p_smart(np.array([SMART]))[0] > 0.99
    assert np.all(r.lean.widen_px == 0.0) and r.lean.spot_shift == 0.0
    assert np.all(r.lean.vol_shift == 0.0) and np.all(r.lean.spread_mult == 1.0)
    assert r.lean.side_px is None
    assert r.tag_lean(SMART) == (0.0, 1.0)

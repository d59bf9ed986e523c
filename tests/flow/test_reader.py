"""The desk's online flow read: fills scored at the horizon, toxicity per tag, the lean."""

from __future__ import annotations

import numpy as np

from mmdesk.flow.leaning import LeaningConfig
from mmdesk.flow.reader import FlowReader, FlowReaderConfig

S = 1_000_000_000
SMART, DUMB = 300, 100


def _reader(enabled: bool = True) -> FlowReader:
    cfg = FlowReaderConfig(leaning=LeaningConfig(enabled=enabled), horizon_s=60.0)
    return FlowReader(cfg, expiry=np.array([0, 0]), multiplier=100.0)


def _trade(r: FlowReader, n: int) -> None:
    """n fills each: a smart tag lifts the desk's offer on option 0 at theo + 0.02,
    a dumb tag hits its bid on option 1 at theo − 0.05; spot 100, delta 0.5."""
    ts = np.arange(n, dtype=np.int64) * S
    r.record(ts, np.zeros(n, np.int64), -np.ones(n), np.full(n, 10.0), np.full(n, 2.02),
             np.full(n, SMART), 100.0, np.full(n, 0.5), np.full(n, 0.2))  # fmt: skip
    r.record(ts, np.ones(n, np.int64), np.ones(n), np.full(n, 10.0), np.full(n, 0.95),
             np.full(n, DUMB), 100.0, np.full(n, 0.5), np.full(n, 0.2))  # fmt: skip


def test_fills_are_scored_only_once_they_reach_the_horizon() -> None:
    r = _reader()
    _trade(r, 5)
    theo_now = np.array([2.0, 1.0])
    assert r.score(30 * S, theo_now, 100.0) == 0
    assert r.score(62 * S, theo_now, 100.0) == 6  # 3 of each tag are ≥ 60 s old
    assert r.score(62 * S, theo_now, 100.0) == 0  # each fill is scored once


def test_smart_tag_is_read_smart_and_dumb_tag_dumb_after_enough_fills() -> None:
    r = _reader()
    _trade(r, 40)
    # after the smart buying the option's theo rose by 0.30 with spot unchanged (a vol move)
    r.score(200 * S, np.array([2.30, 1.0]), 100.0)
    p = r.p_smart(np.array([SMART, DUMB, 999]))
    assert p[0] > 0.99 and p[1] < 0.01 and p[2] == 0.5


def test_lean_widens_what_smart_flow_bought_skews_up_and_rfqs_tighten_for_the_dumb_tag() -> None:
    r = _reader()
    _trade(r, 40)
    r.score(200 * S, np.array([2.30, 1.0]), 100.0)
    assert r.lean.widen_px[0] > 0.0 and r.lean.widen_px[1] == 0.0
    assert r.lean.spot_shift > 0.0 and r.lean.vol_shift[0] > 0.0  # smart flow bought calls
    widen, mult = r.tag_lean(SMART)
    assert widen > 0.0 and mult == 1.0
    widen, mult = r.tag_lean(DUMB)
    assert widen == 0.0 and mult < 1.0


def test_leaning_switched_off_keeps_scoring_but_quotes_stay_neutral() -> None:
    r = _reader(enabled=False)
    _trade(r, 40)
    r.score(200 * S, np.array([2.30, 1.0]), 100.0)
    assert r.p_smart(np.array([SMART]))[0] > 0.99
    assert np.all(r.lean.widen_px == 0.0) and r.lean.spot_shift == 0.0
    assert np.all(r.lean.vol_shift == 0.0)
    assert np.all(r.lean.spread_mult == 1.0)
    assert r.tag_lean(SMART) == (0.0, 1.0)


def test_the_delta_hedge_removes_the_underlyings_move_from_the_markout() -> None:
    r = _reader()
    _trade(r, 40)
    # spot up 1, theo of option 0 up exactly delta · 1: the smart tag took nothing hedged
    r.score(200 * S, np.array([2.0 + 0.5, 1.0 + 0.5]), 101.0)
    state = r.state()
    tox = dict(zip(state["tag"].to_list(), state["mean_obs"].to_list(), strict=True))
    assert abs(tox[SMART] - (-0.02 * 100.0)) < 1e-9  # it paid the desk 0.02 a share
    assert abs(tox[DUMB] - (-0.05 * 100.0)) < 1e-9

"""Leaning: widen and skew against smart flow, tighten for dumb flow, neutral when off."""

from __future__ import annotations

import numpy as np
import polars as pl

from mmdesk.flow.leaning import (
    LeaningConfig,
    option_adjustments,
    tag_adjustments,
)

S = 1_000_000_000


def _state() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "tag": [100, 200, 300],
            "toxicity": [-1.5, 4.0, 0.2],
            "p_smart": [0.01, 0.99, 0.6],
            "confidence": [0.99, 0.99, 0.6],
        }
    )


def test_rfq_answers_widen_for_smart_tags_and_tighten_for_dumb() -> None:
    adj = tag_adjustments(_state(), LeaningConfig(), multiplier=100.0)
    widen = dict(zip(adj["tag"], adj["widen_px"], strict=True))
    mult = dict(zip(adj["tag"], adj["spread_mult"], strict=True))
    assert widen[200] > 0.0 and mult[200] == 1.0
    assert widen[100] == 0.0 and mult[100] < 1.0
    assert widen[300] == 0.0 and mult[300] == 1.0  # not confident either way: left alone


def test_widening_is_capped() -> None:
    cfg = LeaningConfig(widen_gain=100.0, max_widen_px=0.07)
    adj = tag_adjustments(_state(), cfg, multiplier=100.0)
    assert adj["widen_px"].max() == 0.07


def test_switched_off_leaning_is_neutral() -> None:
    cfg = LeaningConfig(enabled=False)
    adj = tag_adjustments(_state(), cfg, multiplier=100.0)
    assert (adj["widen_px"] == 0.0).all() and (adj["spread_mult"] == 1.0).all()
    lean = option_adjustments(
        np.array([0]), np.array([0]), np.array([-1]), np.array([10.0]), np.array([0.99]), 3, S, cfg
    )
    assert np.all(lean.widen_px == 0) and np.all(lean.shift_px == 0)
    assert np.all(lean.spread_mult == 1)


def test_smart_buying_widens_and_lifts_that_option_only() -> None:
    lean = option_adjustments(
        option=np.array([1, 1]),
        ts_ns=np.array([0, 10 * S]),
        desk_side=np.array([-1, -1]),  # the desk sold: smart flow bought
        qty=np.array([10.0, 10.0]),
        p_smart=np.array([0.95, 0.95]),
        n_options=3,
        now_ns=20 * S,
        config=LeaningConfig(),
    )
    assert lean.widen_px[1] > 0.0 and lean.shift_px[1] > 0.0
    assert lean.widen_px[0] == lean.widen_px[2] == 0.0
    assert lean.shift_px[0] == lean.shift_px[2] == 0.0


def test_smart_selling_lowers_the_quotes() -> None:
    lean = option_adjustments(
        np.array([0]), np.array([0]), np.array([1]), np.array([10.0]), np.array([0.95]), 1, S,
        LeaningConfig(),
    )  # fmt: skip
    assert lean.shift_px[0] < 0.0


def test_the_lean_fades_with_time() -> None:
    args = (np.array([0]), np.array([0]), np.array([-1]), np.array([10.0]), np.array([0.95]), 1)
    cfg = LeaningConfig(half_life_s=60.0)
    fresh = option_adjustments(*args, now_ns=1 * S, config=cfg)
    old = option_adjustments(*args, now_ns=600 * S, config=cfg)
    assert old.widen_px[0] < 0.01 * fresh.widen_px[0]


def test_options_traded_only_by_dumb_flow_are_tightened() -> None:
    lean = option_adjustments(
        np.array([0, 1, 1]), np.zeros(3, dtype=np.int64), np.array([1, 1, -1]),
        np.array([5.0, 5.0, 5.0]), np.array([0.01, 0.01, 0.99]), 2, S, LeaningConfig(),
    )  # fmt: skip
    assert lean.spread_mult[0] < 1.0
    assert lean.spread_mult[1] == 1.0  # smart flow trades it too

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
    adj = tag_adjustments(_state(), LeaningConfig(enabled=True), multiplier=100.0)
    widen = dict(zip(adj["tag"], adj["widen_px"], strict=True))
    mult = dict(zip(adj["tag"], adj["spread_mult"], strict=True))
    assert widen[200] > 0.0 and mult[200] == 1.0
    assert widen[100] == 0.0 and mult[100] < 1.0
    assert widen[300] == 0.0 and mult[300] == 1.0  # not confident either way: left alone


def test_widening_is_capped() -> None:
    cfg = LeaningConfig(enabled=True, widen_gain=100.0, max_widen_px=0.07)
    adj = tag_adjustments(_state(), cfg, multiplier=100.0)
    assert adj["widen_px"].max() == 0.07


def _lit(desk_side: list[int], p: float, option: list[int] | None = None, **kw: object):
    """Fills of 10 contracts each on option 1 (or ``option``), delta 0.5, vega 0.2, expiry 0."""
    n = len(desk_side)
    o = np.array(option if option is not None else [1] * n)
    return option_adjustments(
        option=o,
        ts_ns=np.arange(n) * 10 * S,
        desk_side=np.array(desk_side),
        qty=np.full(n, 10.0),
        p_smart=np.full(n, p),
        delta=np.full(n, 0.5),
        vega=np.full(n, 0.2),
        expiry=np.zeros(n, dtype=np.int64),
        n_options=3,
        n_expiries=2,
        multiplier=100.0,
        now_ns=n * 10 * S,
        config=LeaningConfig(**{"enabled": True, **kw}),  # type: ignore[arg-type]
    )


def test_leaning_is_off_unless_switched_on() -> None:
    assert not LeaningConfig().enabled


def test_switched_off_leaning_is_neutral() -> None:
    cfg = LeaningConfig(enabled=False)
    adj = tag_adjustments(_state(), cfg, multiplier=100.0)
    assert (adj["widen_px"] == 0.0).all() and (adj["spread_mult"] == 1.0).all()
    lean = _lit([-1, -1], 0.99, enabled=False)
    assert np.all(lean.widen_px == 0) and lean.spot_shift == 0.0
    assert np.all(lean.vol_shift == 0) and np.all(lean.spread_mult == 1)


def test_smart_buying_widens_the_option_it_traded_and_lifts_every_quote_by_its_greeks() -> None:
    lean = _lit([-1, -1], 0.95)  # the desk sold twice: smart flow bought calls
    assert lean.widen_px[1] > 0.0
    assert lean.widen_px[0] == lean.widen_px[2] == 0.0
    # smart flow bought delta and vega: the underlying's reservation and the
    # traded expiry's vol go up; the other expiry's vol is untouched
    assert lean.spot_shift > 0.0 and lean.vol_shift[0] > 0.0 and lean.vol_shift[1] == 0.0
    shift = lean.shift_px(np.array([0.5, -0.5]), np.array([0.2, 0.2]), np.array([0, 1]))
    assert shift[0] > 0.0  # a call on the traded expiry goes up
    assert shift[1] < 0.0  # a put on the other expiry goes down with the spot shift alone


def test_smart_selling_lowers_the_quotes() -> None:
    lean = _lit([1], 0.95)
    assert lean.spot_shift < 0.0 and lean.vol_shift[0] < 0.0


def test_factor_shifts_are_capped() -> None:
    lean = _lit([-1] * 200, 0.99, max_spot_shift_px=0.03, max_vol_shift=0.004)
    assert 0.0 < lean.spot_shift <= 0.03 and 0.0 < lean.vol_shift[0] <= 0.004


def test_unsure_labels_do_not_lean() -> None:
    lean = _lit([-1, -1], 0.6)
    assert np.all(lean.widen_px == 0) and lean.spot_shift == 0.0 and np.all(lean.vol_shift == 0)


def test_lit_quotes_tighten_for_dumb_only_options_only_when_configured() -> None:
    assert np.all(_lit([1, 1], 0.01).spread_mult == 1.0)  # default: no lit tightening
    lean = _lit([1, 1], 0.01, option=[0, 0], lit_tighten_fraction=0.2)
    assert lean.spread_mult[0] == 0.8 and lean.spread_mult[1] == 1.0

"""Leaning: quote what the desk expects to lose to the flow (Glosten–Milgrom), neutral when off."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mmdesk.flow.leaning import (
    LeaningConfig,
    OptionLean,
    expected_excess,
    option_adjustments,
    tag_adjustments,
)

S = 1_000_000_000
CELLS = np.array([0, 1, 1, 2])  # option 0 in cell 0, options 1 and 2 in cell 1, option 3 in 2


def _state() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "tag": [100, 200, 300],
            "toxicity": [-1.5, 4.5, 0.2],
            "benchmark": [0.5, 0.5, 0.5],
            "p_smart": [0.01, 0.99, 0.6],
            "confidence": [0.99, 0.99, 0.6],
        }
    )


def test_expected_excess_is_p_smart_times_the_toxicity_above_the_benchmark() -> None:
    x = expected_excess(
        np.array([4.5, 0.2, np.nan]), np.array([0.5, 0.5, 0.5]), np.array([0.9, 0.9, 0.5])
    )
    np.testing.assert_allclose(x, [0.9 * 4.0, 0.0, 0.0])


def test_rfq_answers_widen_by_the_requesters_expected_excess_and_tighten_for_dumb() -> None:
    adj = tag_adjustments(_state(), LeaningConfig(enabled=True), multiplier=100.0)
    widen = dict(zip(adj["tag"], adj["widen_px"], strict=True))
    mult = dict(zip(adj["tag"], adj["spread_mult"], strict=True))
    assert widen[200] == pytest.approx(0.99 * 4.0 / 100.0) and mult[200] == 1.0
    assert widen[100] == 0.0 and mult[100] < 1.0
    assert widen[300] == 0.0 and mult[300] == 1.0  # below its benchmark, not confidently dumb


def test_widening_is_capped() -> None:
    cfg = LeaningConfig(enabled=True, widen_gain=100.0, max_widen_px=0.07)
    adj = tag_adjustments(_state(), cfg, multiplier=100.0)
    assert adj["widen_px"].max() == 0.07


def _lit(
    desk_side: list[int], p: float, excess: float, option: list[int] | None = None, **kw: object
) -> OptionLean:
    """Fills of 10 contracts each on option 1 (or ``option``), 10 s apart, delta 0.5,
    vega 0.2, expiry 0; the lean taken right after the last."""
    n = len(desk_side)
    o = np.array(option if option is not None else [1] * n)
    return option_adjustments(
        option=o,
        ts_ns=np.arange(n) * 10 * S,
        desk_side=np.array(desk_side),
        qty=np.full(n, 10.0),
        p_smart=np.full(n, p),
        excess=np.full(n, excess),
        delta=np.full(n, 0.5),
        vega=np.full(n, 0.2),
        expiry=np.zeros(n, dtype=np.int64),
        option_cell=CELLS,
        n_expiries=2,
        multiplier=100.0,
        now_ns=(n - 1) * 10 * S,
        config=LeaningConfig(**{"enabled": True, **kw}),  # type: ignore[arg-type]
    )


def _ask_bid(lean: OptionLean) -> tuple[np.ndarray, np.ndarray]:
    side = lean.side_px if lean.side_px is not None else 0.0
    return lean.widen_px + side, lean.widen_px - side


def test_leaning_is_off_unless_switched_on() -> None:
    assert not LeaningConfig().enabled


def test_switched_off_leaning_is_neutral() -> None:
    cfg = LeaningConfig(enabled=False)
    adj = tag_adjustments(_state(), cfg, multiplier=100.0)
    assert (adj["widen_px"] == 0.0).all() and (adj["spread_mult"] == 1.0).all()
    lean = _lit([-1, -1], 0.99, 4.0, enabled=False)
    assert np.all(lean.widen_px == 0) and lean.spot_shift == 0.0 and lean.side_px is None
    assert np.all(lean.vol_shift == 0) and np.all(lean.spread_mult == 1)


def test_smart_buying_moves_out_the_ask_of_its_cell_and_leaves_the_bid() -> None:
    ask, bid = _ask_bid(_lit([-1, -1], 0.95, 4.0))  # the desk sold twice: smart flow bought
    assert ask[1] > 0.0 and ask[2] == ask[1]  # every option of the traded cell
    assert ask[0] == ask[3] == 0.0  # other cells untouched
    np.testing.assert_allclose(bid, 0.0, atol=1e-15)


def test_smart_selling_moves_out_the_bid() -> None:
    ask, bid = _ask_bid(_lit([1], 0.95, 4.0))
    assert bid[1] > 0.0
    np.testing.assert_allclose(ask, 0.0, atol=1e-15)


def test_a_side_traded_only_by_smart_flow_is_widened_by_its_expected_loss_per_share() -> None:
    # no prior flow: the widening is the recent flow's mean expected excess toxicity / m
    ask, _ = _ask_bid(_lit([-1, -1, -1], 0.95, 4.0, prior_contracts=0.0))
    assert ask[1] == pytest.approx(4.0 / 100.0)
    # with a prior of neutral contracts it is smaller, and grows with the smart flow
    few, _ = _ask_bid(_lit([-1], 0.95, 4.0))
    many, _ = _ask_bid(_lit([-1] * 6, 0.95, 4.0, half_life_s=1e9))
    assert 0.0 < few[1] < many[1] < 4.0 / 100.0
    assert many[1] == pytest.approx(4.0 * 60.0 / (60.0 + 20.0) / 100.0)


def test_dumb_flow_on_a_side_dilutes_the_widening() -> None:
    smart_only, _ = _ask_bid(_lit([-1, -1], 0.95, 4.0))
    lean = option_adjustments(
        option=np.array([1, 1, 2, 2]),
        ts_ns=np.zeros(4, dtype=np.int64),
        desk_side=np.array([-1, -1, -1, -1]),
        qty=np.full(4, 10.0),
        p_smart=np.array([0.95, 0.95, 0.05, 0.05]),
        excess=np.array([4.0, 4.0, 0.0, 0.0]),
        delta=np.full(4, 0.5),
        vega=np.full(4, 0.2),
        expiry=np.zeros(4, dtype=np.int64),
        option_cell=CELLS,
        n_expiries=2,
        multiplier=100.0,
        now_ns=0,
        config=LeaningConfig(enabled=True),
    )
    mixed, _ = _ask_bid(lean)
    assert 0.0 < mixed[1] < smart_only[1]


def test_widening_of_a_side_is_capped() -> None:
    ask, _ = _ask_bid(_lit([-1] * 5, 0.99, 400.0, max_widen_px=0.07))
    assert ask[1] == pytest.approx(0.07)


def test_factor_skew_is_off_by_default_and_follows_smart_flow_when_configured() -> None:
    assert _lit([-1, -1], 0.95, 4.0).spot_shift == 0.0
    kw = {"max_spot_shift_px": 0.03, "max_vol_shift": 0.004}
    up = _lit([-1, -1], 0.95, 4.0, **kw)  # smart flow bought calls: delta and vega
    assert 0.0 < up.spot_shift <= 0.03 and 0.0 < up.vol_shift[0] <= 0.004
    assert up.vol_shift[1] == 0.0
    down = _lit([1], 0.95, 4.0, **kw)
    assert down.spot_shift < 0.0 and down.vol_shift[0] < 0.0
    assert _lit([-1, -1], 0.6, 4.0, **kw).spot_shift == 0.0  # unsure labels do not skew
    shift = up.shift_px(np.array([0.5, -0.5]), np.array([0.2, 0.2]), np.array([0, 1]))
    assert shift[0] > 0.0 and shift[1] < 0.0


def test_lit_quotes_tighten_for_dumb_only_options_only_when_configured() -> None:
    assert np.all(_lit([1, 1], 0.01, 0.0).spread_mult == 1.0)  # default: no lit tightening
    lean = _lit([1, 1], 0.01, 0.0, option=[0, 0], lit_tighten_fraction=0.2)
    assert lean.spread_mult[0] == 0.8 and lean.spread_mult[1] == 1.0

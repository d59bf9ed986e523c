"""Markouts: the desk's P&L on each option fill at fixed horizons, split into its causes."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mmdesk.desk.journal import SCHEMAS
from mmdesk.flow.markouts import (
    MarketTape,
    aggregate_markouts,
    compute_markouts,
    hedged_markouts,
    tape_from_journal,
)
from mmdesk.pricing import bs_greeks

S = 1_000_000_000  # ns per second
T0 = 10 * S
YEAR_NS = 365 * 86_400 * S
UNIT = 0.01
RATE, DIV = 0.02, 0.0


def _listing() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "option": np.array([0, 1], dtype=np.int32),
            "instrument": np.array([1, 2], dtype=np.int32),
            "strike": [100.0, 95.0],
            "expiry_ns": np.array([T0 + YEAR_NS // 12, T0 + YEAR_NS // 4], dtype=np.int64),
            "expiry": np.array([0, 1], dtype=np.int32),
            "is_call": [True, False],
            "multiplier": [100.0, 100.0],
        }
    )


def _frame(table: str, rows: list[dict[str, object]]) -> pl.DataFrame:
    cols = {}
    for name, dtype in SCHEMAS[table].items():
        vals = [r[name] for r in rows]
        cols[name] = (
            pl.Series(name, vals, dtype=pl.String)
            if dtype is object
            else np.array(vals, dtype=dtype)
        )
    return pl.DataFrame(cols)


def _fill(
    ts: int,
    ins: int,
    side: int,
    qty: int,
    price: int,
    tag: int,
    theo: float,
    spot: float,
    vol: float,
) -> dict[str, object]:
    return {
        "ts_ns": ts,
        "kind": "quote",
        "instrument": ins,
        "side": side,
        "price": price,
        "qty": qty,
        "fee": 0.0,
        "taker": False,
        "tag": tag,
        "theo_px": theo,
        "spot_px": spot,
        "vol": vol,
        "client_id": 0,
        "match_id": 0,
    }


def _mark(ts: int, spot: float, option: int, vol: float) -> dict[str, object]:
    return {"ts_ns": ts, "spot_px": spot, "option": option, "vol": vol}


def _theo(spot: float, opt: int, ts: int, vol: float) -> float:
    lst = _listing()
    tau = (int(lst["expiry_ns"][opt]) - ts) / YEAR_NS
    return float(
        bs_greeks(
            spot, float(lst["strike"][opt]), tau, vol, RATE, DIV, bool(lst["is_call"][opt])
        ).price
    )


def _scenario(spot1: float, vol1: float) -> tuple[pl.DataFrame, MarketTape, float]:
    theo0 = _theo(100.0, 0, T0, 0.2)
    price = int(np.floor((theo0 - 0.05) / UNIT))
    fills = _frame("fills", [_fill(T0, 1, 1, 3, price, 101, theo0, 100.0, 0.2)])
    marks = _frame(
        "marks",
        [
            _mark(T0, 100.0, 0, 0.2),
            _mark(T0 + 5 * S, spot1, 0, vol1),
            _mark(T0 + 400 * S, spot1, 0, vol1),
        ],
    )
    return fills, tape_from_journal(fills, marks), price * UNIT


def test_markout_is_desk_side_theo_at_horizon_minus_fill_price() -> None:
    fills, tape, px = _scenario(101.0, 0.21)
    t = compute_markouts(fills, tape, _listing(), RATE, DIV, UNIT)
    expected_10 = 3 * 100.0 * (_theo(101.0, 0, T0 + 10 * S, 0.21) - px)
    expected_1 = 3 * 100.0 * (_theo(100.0, 0, T0 + 1 * S, 0.2) - px)
    assert t["markout_10s"][0] == pytest.approx(expected_10, rel=1e-12)
    assert t["markout_1s"][0] == pytest.approx(expected_1, rel=1e-12)
    assert t["edge"][0] == pytest.approx(3 * 100.0 * (_theo(100.0, 0, T0, 0.2) - px))


def test_components_add_up_to_the_markout() -> None:
    fills, tape, _ = _scenario(101.0, 0.21)
    t = compute_markouts(fills, tape, _listing(), RATE, DIV, UNIT)
    for h in ("1s", "10s", "60s", "300s"):
        total = t["edge"] + t[f"underlying_{h}"] + t[f"vol_{h}"] + t[f"residual_{h}"]
        assert total[0] == pytest.approx(t[f"markout_{h}"][0], rel=1e-12)


def test_an_underlying_move_lands_in_the_underlying_component() -> None:
    fills, tape, _ = _scenario(101.0, 0.2)
    t = compute_markouts(fills, tape, _listing(), RATE, DIV, UNIT)
    delta = float(t["delta"][0])
    assert t["underlying_60s"][0] == pytest.approx(3 * 100.0 * delta * 1.0)
    assert t["vol_60s"][0] == 0.0
    # what is left is second order (gamma and a minute of theta): small against the move
    assert abs(t["residual_60s"][0]) < 0.1 * abs(t["underlying_60s"][0])


def test_a_vol_move_lands_in_the_vol_component() -> None:
    fills, tape, _ = _scenario(100.0, 0.22)
    t = compute_markouts(fills, tape, _listing(), RATE, DIV, UNIT)
    assert t["underlying_60s"][0] == 0.0
    assert t["vol_60s"][0] == pytest.approx(3 * 100.0 * float(t["vega"][0]) * 0.02)
    assert abs(t["residual_60s"][0]) < 0.05 * abs(t["vol_60s"][0])


def test_a_sale_marks_the_other_way() -> None:
    theo0 = _theo(100.0, 0, T0, 0.2)
    price = int(np.ceil((theo0 + 0.05) / UNIT))
    fills = _frame("fills", [_fill(T0, 1, -1, 2, price, 201, theo0, 100.0, 0.2)])
    marks = _frame(
        "marks",
        [
            _mark(T0, 100.0, 0, 0.2),
            _mark(T0 + 200 * S, 102.0, 0, 0.2),
            _mark(T0 + 400 * S, 102.0, 0, 0.2),
        ],
    )
    t = compute_markouts(fills, tape_from_journal(fills, marks), _listing(), RATE, DIV, UNIT)
    assert t["edge"][0] > 0.0
    assert t["underlying_300s"][0] < 0.0  # sold a call, the underlying rallied


def test_horizons_past_the_end_of_the_journal_are_not_matured() -> None:
    fills, _, _ = _scenario(101.0, 0.2)
    marks = _frame("marks", [_mark(T0, 100.0, 0, 0.2), _mark(T0 + 30 * S, 101.0, 0, 0.2)])
    t = compute_markouts(fills, tape_from_journal(fills, marks), _listing(), RATE, DIV, UNIT)
    assert np.isfinite(t["markout_10s"][0])
    assert np.isnan(t["markout_60s"][0]) and np.isnan(t["markout_300s"][0])


def test_tape_vol_is_as_of_and_per_option() -> None:
    tape = MarketTape.from_rows(
        np.array([0, 10]),
        np.array([100.0, 101.0]),
        np.array([0, 10, 5, 20]),
        np.array([0, 0, 1, 1]),
        np.array([0.2, 0.25, 0.3, 0.35]),
    )
    v = tape.vol_at(np.array([0, 0, 0, 1, 1, 1]), np.array([-1, 9, 10, 4, 19, 99]))
    assert np.isnan(v[0]) and np.isnan(v[3])
    assert v[1:3].tolist() == [0.2, 0.25]
    assert v[4:].tolist() == [0.3, 0.35]
    assert tape.spot_at(np.array([5, 10])).tolist() == [100.0, 101.0]


def test_aggregates_sum_the_fills_of_each_tag() -> None:
    theo0 = _theo(100.0, 0, T0, 0.2)
    p = int(np.floor((theo0 - 0.05) / UNIT))
    rows = [
        _fill(T0, 1, 1, 1, p, 101, theo0, 100.0, 0.2),
        _fill(T0 + S, 1, 1, 2, p, 101, theo0, 100.0, 0.2),
        _fill(T0 + 2 * S, 1, -1, 4, p + 10, 201, theo0, 100.0, 0.2),
    ]
    fills = _frame("fills", rows)
    marks = _frame("marks", [_mark(T0, 100.0, 0, 0.2), _mark(T0 + 400 * S, 100.5, 0, 0.2)])
    t = compute_markouts(fills, tape_from_journal(fills, marks), _listing(), RATE, DIV, UNIT)
    agg = aggregate_markouts(t, "tag")
    assert agg["tag"].to_list() == [101, 201]
    assert agg["contracts"].to_list() == [3.0, 4.0]
    assert agg["markout_60s"][0] == pytest.approx(float(t["markout_60s"][:2].sum()))
    per = agg["markout_60s_per_contract"][1]
    assert per == pytest.approx(float(t["markout_60s"][2]) / 4.0)
    by_kind = aggregate_markouts(t, "agent_kind")
    assert by_kind["agent_kind"].to_list() == [1, 2]
    assert aggregate_markouts(t, "bucket").height >= 1


def test_bad_horizon_is_rejected_with_its_value() -> None:
    fills, tape, _ = _scenario(101.0, 0.2)
    with pytest.raises(ValueError, match="horizon -1"):
        compute_markouts(fills, tape, _listing(), RATE, DIV, UNIT, horizons_s=(-1.0,))


def _path_marks(spots: list[float]) -> pl.DataFrame:
    rows = [_mark(T0 + 10 * S * k, sp, 0, 0.2) for k, sp in enumerate(spots)]
    return _frame("marks", rows)


def test_hedged_markout_takes_out_the_direction_and_keeps_the_gamma() -> None:
    theo0 = _theo(100.0, 0, T0, 0.2)
    price = int(np.floor(theo0 / UNIT))
    fills = _frame("fills", [_fill(T0, 1, 1, 1, price, 301, theo0, 100.0, 0.2)])
    up = [100.0 + 0.5 * k for k in range(40)]
    down = [100.0 - 0.5 * k for k in range(40)]
    results = {}
    for name, path in (("up", up), ("down", down)):
        marks = _path_marks(path)
        tape = tape_from_journal(fills, marks)
        t = compute_markouts(fills, tape, _listing(), RATE, DIV, UNIT, horizons_s=(60.0,))
        results[name] = (
            float(t["markout_60s"][0]),
            float(hedged_markouts(t, tape, _listing(), RATE, DIV)[0]),
            float(t["edge"][0]),
        )
    (mk_up, h_up, edge), (mk_down, h_down, _) = results["up"], results["down"]
    assert mk_up > 0.0 > mk_down  # unhedged: the direction of the move decides
    # hedged: a long option gains on a big move either way (gamma), nearly symmetrically
    assert h_up > edge and h_down > edge
    assert abs(h_up - h_down) < 0.2 * abs(h_up - edge)


def test_hedged_markout_as_of_a_time_leaves_later_fills_out() -> None:
    theo0 = _theo(100.0, 0, T0, 0.2)
    price = int(np.floor(theo0 / UNIT))
    rows = [
        _fill(T0, 1, 1, 1, price, 301, theo0, 100.0, 0.2),
        _fill(T0 + 200 * S, 1, 1, 1, price, 301, theo0, 100.0, 0.2),
    ]
    fills = _frame("fills", rows)
    tape = tape_from_journal(fills, _path_marks([100.0 + 0.1 * k for k in range(40)]))
    t = compute_markouts(fills, tape, _listing(), RATE, DIV, UNIT, horizons_s=(60.0,))
    h = hedged_markouts(t, tape, _listing(), RATE, DIV, as_of_ns=T0 + 100 * S)
    assert np.isfinite(h[0]) and np.isnan(h[1])

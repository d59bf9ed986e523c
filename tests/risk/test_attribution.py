"""P&L attribution from the journal: components add up to the book's P&L, residual small."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mmdesk.desk.journal import SCHEMAS
from mmdesk.pricing import bs_greeks
from mmdesk.risk.attribution import COMPONENTS, attribute

S = 1_000_000_000
T0 = 10 * S
YEAR_NS = 365 * 86_400 * S
UNIT = 0.01
RATE, DIV = 0.02, 0.0
EXPIRY_NS = T0 + YEAR_NS // 12
STRIKE = 100.0


def _listing() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "option": np.array([0], dtype=np.int32),
            "instrument": np.array([1], dtype=np.int32),
            "strike": [STRIKE],
            "expiry_ns": np.array([EXPIRY_NS], dtype=np.int64),
            "expiry": np.array([0], dtype=np.int32),
            "is_call": [True],
            "multiplier": [100.0],
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


def _value(spot: float, ts: int, vol: float) -> float:
    tau = (EXPIRY_NS - ts) / YEAR_NS
    return float(bs_greeks(spot, STRIKE, tau, vol, RATE, DIV, True).price)


def _fill(
    ts: int,
    ins: int,
    side: int,
    qty: int,
    price: int,
    spot: float,
    vol: float,
    fee: float = 0.0,
    tag: int = 101,
) -> dict[str, object]:
    theo = _value(spot, ts, vol) if ins > 0 else np.nan
    return {
        "ts_ns": ts,
        "kind": "quote" if ins > 0 else "hedge",
        "instrument": ins,
        "side": side,
        "price": price,
        "qty": qty,
        "fee": fee,
        "taker": ins == 0,
        "tag": tag,
        "theo_px": theo,
        "spot_px": spot,
        "vol": vol if ins > 0 else np.nan,
        "client_id": 0,
        "match_id": 0,
    }


def _path(n: int, seed: int, vol_jump_at: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    spot = 100.0 * np.exp(np.cumsum(0.0005 * rng.standard_normal(n)))
    vol = 0.2 + np.cumsum(0.0003 * rng.standard_normal(n))
    if vol_jump_at is not None:
        vol[vol_jump_at:] += 0.3
    return spot, vol


def _run(vol_jump_at: int | None = None) -> tuple[pl.DataFrame, pl.DataFrame, float]:
    """Buy 5 calls 5 cents under theo, hedge delta once, hold through a path of marks."""
    spot, vol = _path(300, 7, vol_jump_at)
    theo0 = _value(spot[0], T0, vol[0])
    px = int(np.floor((theo0 - 0.05) / UNIT))
    t_h = T0 + 3 * S
    hedge_px = round(float(spot[3]) / UNIT) - 2  # sold 100 shares ~2 cents under the mid
    fills = _frame(
        "fills",
        [
            _fill(T0, 1, 1, 5, px, spot[0], vol[0], fee=-1.0),
            _fill(t_h, 0, -1, 100, hedge_px, spot[3], np.nan, fee=0.3),
        ],
    )
    marks = _frame(
        "marks",
        [{"ts_ns": T0 + k * S, "spot_px": spot[k], "option": 0, "vol": vol[k]} for k in range(300)],
    )
    # the book's true mark-to-theo P&L at the end, computed independently
    t_end = T0 + 299 * S
    cash = -5 * 100.0 * px * UNIT + 1.0 + 100 * hedge_px * UNIT - 0.3
    pnl = cash - 100 * spot[-1] + 5 * 100.0 * _value(spot[-1], t_end, vol[-1])
    return fills, marks, pnl


def test_components_add_up_to_the_books_pnl() -> None:
    fills, marks, pnl = _run()
    a = attribute(fills, marks, _listing(), RATE, DIV, UNIT)
    assert a.totals["pnl"] == pytest.approx(pnl, abs=1e-6)
    assert sum(a.totals[c] for c in COMPONENTS) == pytest.approx(pnl, abs=1e-6)
    cum = a.events.select(COMPONENTS).sum_horizontal().sum()
    assert cum == pytest.approx(pnl, abs=1e-6)


def test_edge_fees_and_hedge_cost_are_booked_at_the_fills() -> None:
    fills, marks, _ = _run()
    a = attribute(fills, marks, _listing(), RATE, DIV, UNIT)
    theo0 = float(fills["theo_px"][0])
    px = float(fills["price"][0]) * UNIT
    assert a.totals["edge"] == pytest.approx(5 * 100.0 * (theo0 - px))
    assert a.totals["fees"] == pytest.approx(1.0)  # a rebate
    mid, hedge_px = float(fills["spot_px"][1]), float(fills["price"][1]) * UNIT
    assert a.totals["hedge_cost"] == pytest.approx(-100 * (mid - hedge_px))
    assert a.totals["hedge_cost"] < 0.0
    assert a.totals["hedge_fees"] == pytest.approx(-0.3)
    assert a.by_tag["edge"][0] == pytest.approx(a.totals["edge"])


def test_residual_is_small_against_gross_pnl() -> None:
    fills, marks, _ = _run()
    a = attribute(fills, marks, _listing(), RATE, DIV, UNIT)
    assert a.residual_share < 0.02
    assert a.totals["theta"] < 0.0  # long calls pay time decay
    assert a.totals["gamma"] > 0.0  # and earn on every move, either way


def test_a_surface_refit_jump_is_a_remark_not_a_residual() -> None:
    fills, marks, pnl = _run(vol_jump_at=150)
    a = attribute(fills, marks, _listing(), RATE, DIV, UNIT)
    assert a.totals["pnl"] == pytest.approx(pnl, abs=1e-6)
    assert a.totals["vol_remark"] > 0.0  # long calls, vol marked up 30 points
    assert a.residual_share < 0.02
    without = attribute(fills, marks, _listing(), RATE, DIV, UNIT, remark_threshold=1.0)
    assert without.totals["vol_remark"] == 0.0
    assert abs(without.totals["residual"]) > abs(a.totals["residual"])


def test_by_expiry_splits_the_option_components() -> None:
    fills, marks, _ = _run()
    a = attribute(fills, marks, _listing(), RATE, DIV, UNIT)
    assert a.by_expiry["expiry"].to_list() == [0]
    assert a.by_expiry["vega"][0] == pytest.approx(a.totals["vega"])
    # the shares' delta P&L is not an expiry's
    assert a.by_expiry["delta"][0] != pytest.approx(a.totals["delta"])


def test_bad_price_unit_is_rejected() -> None:
    fills, marks, _ = _run()
    with pytest.raises(ValueError, match="price_unit"):
        attribute(fills, marks, _listing(), RATE, DIV, 0.0)

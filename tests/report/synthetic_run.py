"""A small synthetic run directory (journal tables, listing, config, summary) for report tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mmdesk.desk.journal import Journal
from mmdesk.pricing import bs_greeks

S = 1_000_000_000
T0 = 1_767_605_400 * S
YEAR_NS = 365 * 86_400 * S
UNIT = 0.01


def write_synthetic_run(d: Path, seed: int = 0, n_steps: int = 400) -> Path:
    """Write a run directory: 3 options, 4 tags trading, hedges, snapshots every 10 s."""
    rng = np.random.default_rng(seed)
    tape_rng = np.random.default_rng(seed + 1)  # the underlying's public prints
    d.mkdir(parents=True, exist_ok=True)
    strike = np.array([95.0, 100.0, 105.0])
    expiry_ns = np.full(3, T0 + YEAR_NS // 12, dtype=np.int64)
    is_call = np.array([False, True, True])
    j = Journal()
    spot = 100.0 * np.exp(np.cumsum(0.0004 * rng.standard_normal(n_steps)))
    vol = 0.2 + np.cumsum(0.0002 * rng.standard_normal(n_steps))
    q = np.zeros(3)
    shares = 0.0
    cash = 0.0
    for k in range(n_steps):
        ts = T0 + k * 10 * S
        tau = (expiry_ns - ts) / YEAR_NS
        g = bs_greeks(spot[k], strike, tau, np.full(3, vol[k]), 0.02, 0.0, is_call)
        if k % 5 == 1:  # an option fill
            i = int(rng.integers(3))
            side = int(rng.choice([-1, 1]))
            tag = int(rng.choice([100, 101, 200, 300]))
            qty = int(rng.integers(1, 6))
            price = round(float(g.price[i] - side * 0.05) / UNIT)
            j.append(
                "fills", ts_ns=ts, kind="quote", instrument=i + 1, side=side, price=price,
                qty=qty, fee=-0.2 * qty, taker=False, tag=tag, theo_px=g.price[i],
                spot_px=spot[k], vol=vol[k], client_id=0, match_id=k,
            )  # fmt: skip
            q[i] += side * qty
            cash -= side * qty * price * UNIT * 100.0 - 0.2 * qty
        book_delta = float(np.dot(q, g.delta) * 100.0 + shares)
        if abs(book_delta) > 300.0:  # a hedge
            sh = -int(book_delta)
            side = 1 if sh > 0 else -1
            price = round(float(spot[k]) / UNIT) + side
            j.append(
                "fills", ts_ns=ts, kind="hedge", instrument=0, side=side, price=price,
                qty=abs(sh), fee=0.001 * abs(sh), taker=True, tag=600, theo_px=np.nan,
                spot_px=spot[k], vol=np.nan, client_id=1, match_id=-k,
            )  # fmt: skip
            shares += sh
            cash -= sh * price * UNIT + 0.001 * abs(sh)
        held = np.flatnonzero(q != 0)
        if held.size:
            j.append("marks", ts_ns=ts, spot_px=spot[k], option=held.astype(np.int32),
                     vol=np.full(held.size, vol[k]))  # fmt: skip
        else:
            j.append("marks", ts_ns=ts, spot_px=spot[k], option=-1, vol=np.nan)
        j.append("tape", ts_ns=ts + S, price=round(float(spot[k]) / UNIT),
                 qty=int(tape_rng.integers(100, 1000)),
                 side=int(tape_rng.choice([-1, 1])))  # fmt: skip
        for i in range(3):
            j.append(
                "orders", ts_ns=ts, kind="quote", instrument=np.array([i + 1, i + 1]),
                side=np.array([1, -1]), price=np.array([
                    int((g.price[i] - 0.05) / UNIT), int((g.price[i] + 0.05) / UNIT) + 1]),
                qty=np.array([5, 5]), theo_px=g.price[i], client_id=0, state="ACTIVE",
                mkt_bid=int((g.price[i] - 0.10) / UNIT), mkt_ask=int((g.price[i] + 0.10) / UNIT),
            )  # fmt: skip
        value = cash + shares * spot[k] + float(np.dot(q, g.price)) * 100.0
        j.append(
            "snapshots", ts_ns=ts, spot_px=spot[k], pnl=value, pnl_today=value, drawdown=0.0,
            cash=cash, fees=0.0, shares=shares, option_value=0.0, delta=book_delta,
            gamma=float(np.dot(q, g.gamma) * 100.0), vega=float(np.dot(q, g.vega) * 100.0),
            notional=0.0, gross_contracts=float(np.abs(q).sum()), max_utilisation=0.1,
            state="ACTIVE", quoted_sides=6, clamped_sides=0, unwind_spent=0.0,
        )  # fmt: skip
    j.write(d)
    import polars as pl

    pl.DataFrame(
        {
            "option": np.arange(3, dtype=np.int32),
            "instrument": np.arange(1, 4, dtype=np.int32),
            "strike": strike,
            "expiry_ns": expiry_ns,
            "expiry": np.zeros(3, dtype=np.int32),
            "is_call": is_call,
            "multiplier": np.full(3, 100.0),
        }
    ).write_parquet(d / "listing.parquet")
    cfg = {
        "scenario": {
            "seed": seed, "days": 1, "rate": 0.02, "div_yield": 0.0,
            "venue": {"classes": [{"ticks": {"unit": UNIT}}]},
        },
        "desk": {"theo": {"tau_floor_s": 60.0},
                 "limits": {"delta": 5000.0, "gamma": 2000.0, "vega": 50000.0}},
    }  # fmt: skip
    (d / "config.json").write_text(json.dumps(cfg))
    pnl = float(j.column("snapshots", "pnl")[-1])
    summary = {"run_id": "synthetic", "seed": seed, "days": 1, "n_options": 3,
               "pnl_per_day": [pnl]}  # fmt: skip
    (d / "summary.json").write_text(json.dumps(summary))
    return d

"""The firm in the simulator: prop books on their own timers, crossing with the central book
or trading on the venue; every cross in both journals at one price; the firm's P&L is the sum
of the books' to the cent; the central skew leans with the prop's signal; the uninformed book
pays the adjustment the central book earns."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mmdesk.desk.config import CentralBookConfig
from mmdesk.desk.hedger import HedgerConfig
from mmdesk.desk.prop_desk import TAG_PROP, PropDeskConfig
from mmdesk.experiments.firm import (
    FirmArm,
    FirmConfig,
    FirmRun,
    PropKind,
    analyse_firm,
    decision_grid,
    simulate_firm,
    summarise,
    transmission,
    window_means,
)
from mmdesk.hedging import FixedBandConfig

# two short days, a decision a minute: ~30 decisions per run, a few seconds of CPU. The
# central book's hedging band (3,000 shares) is wider than the prop's size (1,000), so the
# crossed delta stays on its book and its delta skew shows the prop's position.
CENTRAL = CentralBookConfig(hedger=HedgerConfig(policy=FixedBandConfig(half_width=3_000.0)))
# The prop desk samples the central book every second: option flow answering the skew
# offsets a crossed delta within ~10 s, so the lean is read one second after each decision.
DESK = PropDeskConfig(decision_s=60.0, snapshot_ms=1_000)
CFG = FirmConfig(days=2, session_s=900, prop=PropKind.DIRECTIONAL, desk=DESK, central=CENTRAL)
SEED = 2


@pytest.fixture(scope="module")
def runs() -> dict[FirmArm, FirmRun]:
    return {arm: simulate_firm(SEED, arm, CFG) for arm in FirmArm}


@pytest.fixture(scope="module")
def rows(runs: dict[FirmArm, FirmRun]) -> dict[FirmArm, dict]:  # type: ignore[type-arg]
    return {arm: analyse_firm(run, SEED, arm) for arm, run in runs.items()}


def test_every_cross_is_in_both_journals_at_one_price(runs: dict[FirmArm, FirmRun]) -> None:
    for arm in (FirmArm.CROSSING, FirmArm.UNINFORMED):
        run = runs[arm]
        prop = run.props[0]
        mine = prop.journal.frame("crosses")
        theirs = run.output.desk.journal.frame("crosses")
        assert mine.height > 5
        assert mine.equals(theirs)  # same rows, same exact prices
        assert prop.book.ledger.crosses == run.output.desk.ledger.crosses
        central_fills = run.output.desk.journal.frame("fills").filter(pl.col("kind") == "cross")
        assert central_fills.height == mine.height
        # the prop's position is exactly what it crossed; it never touched the venue
        assert prop.book.positions.shares == pytest.approx(mine["qty"].sum())
        assert prop.journal.rows("orders") == 0


def test_firm_pnl_is_the_sum_of_the_books_to_the_cent(rows: dict[FirmArm, dict]) -> None:  # type: ignore[type-arg]
    for arm, r in rows.items():
        assert r["firm_pnl"] == pytest.approx(r["central_pnl"] + r["prop_pnl"], abs=1e-9)
        # an independent replay of the firm's venue fills and settlements, crosses left out
        assert abs(r["firm_replay_pnl"] - r["firm_pnl"]) < 0.005, arm
        assert sum(r["firm_daily"]) == pytest.approx(r["firm_pnl"], abs=0.005)


def test_the_venue_route_trades_under_its_own_tag_and_pays_fees(
    runs: dict[FirmArm, FirmRun],
    rows: dict[FirmArm, dict],  # type: ignore[type-arg]
) -> None:
    run = runs[FirmArm.VENUE]
    prop = run.props[0]
    assert prop.journal.rows("crosses") == 0 and run.output.desk.journal.rows("crosses") == 0
    fills = prop.journal.frame("fills")
    assert fills.height > 5 and fills["fee"].sum() > 0.0
    shares = float((fills["side"].cast(pl.Float64) * fills["qty"]).sum())
    assert prop.book.positions.shares == shares
    # the venue knows the prop book by its own tag
    assert prop.tags == (TAG_PROP,)
    # buying at the ask and selling at the bid: it pays the spread against the internal mid
    assert rows[FirmArm.VENUE]["prop_cost"]["spread_impact"] > 0.0


def test_central_skew_leans_with_each_cross_and_with_the_prop_signal(
    runs: dict[FirmArm, FirmRun],
    rows: dict[FirmArm, dict],  # type: ignore[type-arg]
) -> None:
    run = runs[FirmArm.CROSSING]
    crosses = run.props[0].journal.frame("crosses")
    ts = np.array([x[0] for x in run.samples], dtype=np.int64)
    delta = np.array([x[2] for x in run.samples])
    trade, turn = [], []
    for t, q in zip(crosses["ts_ns"].to_numpy(), crosses["qty"].to_numpy(), strict=True):
        j = int(np.searchsorted(ts, t))  # the sample just before the cross, then 1 s later
        if j + 1 < ts.size and ts[j] == t:
            trade.append(q)
            turn.append(delta[j] - delta[j + 1])  # the central's −Δ (its delta skew) moves
    # the central book leans by what the prop book crossed (option flow is the residual,
    # at times a large one: signs, not a correlation, are the robust statement)
    # (the central gate refuses crosses its delta plus its quotes' sweep margin cannot
    # absorb: with this 3,000-share band about a third of the requests are denied)
    agree = np.sign(trade) == np.sign(turn)
    assert len(trade) > 10 and agree.mean() > 0.75
    assert run.props[0].journal.rows("denials") < run.props[0].journal.rows("decisions")
    # ... which is its view's direction: positive, weakened by the target's clip and flow
    assert rows[FirmArm.CROSSING]["corr_signal_skew_change"] > 0.0


def test_decision_windows_average_the_samples_after_each_decision_until_the_next() -> None:
    grid = decision_grid(
        [(0, 100), (1_000, 1_100)], PropDeskConfig(decision_s=50e-9, decision_phase_s=10e-9)
    )
    assert grid.tolist() == [10, 60, 1_010, 1_060]
    ts = np.array([5, 20, 60, 61, 99, 100, 500, 1_020, 1_200], dtype=np.int64)
    x = np.array([9.0, 1.0, 3.0, 5.0, 7.0, 11.0, 99.0, 2.0, 99.0])
    # (10, 60]: 1, 3; (60, close 100]: 5, 7, 11; overnight and after the last close: not counted
    means = window_means(ts, x, grid, [100, 1_100])
    assert means[:3].tolist() == [2.0, pytest.approx(23.0 / 3.0), 2.0]
    assert np.isnan(means[3])


def test_transmission_is_measured_against_the_central_book_alone(rows: dict[FirmArm, dict]) -> None:  # type: ignore[type-arg]
    tr = transmission(list(rows.values()))
    assert set(tr) == {"b", "c", "d"}
    b = tr["b"]
    assert b["n"] >= 20 and b["ci"][0] < b["pooled"] < b["ci"][1]
    # crossing puts the prop's position on the central book; on the venue it mostly does not
    assert b["pooled"] > 0.0 and b["pooled"] > tr["c"]["pooled"]


def test_uninformed_book_pays_the_adjustment_the_central_book_earns(
    rows: dict[FirmArm, dict],  # type: ignore[type-arg]
) -> None:
    d = rows[FirmArm.UNINFORMED]
    assert d["prop_cost"]["spread_impact"] > 0.0
    assert d["internalisation_income"] == d["prop_cost"]["spread_impact"]
    s = summarise(list(rows.values()))
    assert s["max_firm_mismatch"] < 0.005
    assert [r["seed"] for r in s["b_vs_c"]] == [SEED]
    assert np.isfinite(s["arms"]["b"]["firm"]["total"])


def test_prop_decides_off_the_session_grid_each_day(runs: dict[FirmArm, FirmRun]) -> None:
    # at the first timer tick at or after open + decision_phase_s + k·decision_s, every session
    run = runs[FirmArm.CROSSING]
    opens = np.array([o for o, _ in run.output.desk.sessions], dtype=np.int64)
    ts = run.props[0].journal.frame("decisions")["ts_ns"].to_numpy()
    since_open = ts - opens[np.searchsorted(opens, ts, side="right") - 1]
    phase_ns, step_ns = int(DESK.decision_phase_s * 1e9), int(DESK.decision_s * 1e9)
    late = (since_open - phase_ns) % step_ns
    assert np.all(late < DESK.snapshot_ms * 1_000_000)
    assert np.all(since_open % 5_000_000_000 != 0)  # never on the competing makers' 5-s timer
    assert len(set(opens[np.searchsorted(opens, ts, side="right") - 1])) == len(opens)


def test_central_delta_stays_inside_its_hard_limit_with_prop_books(
    runs: dict[FirmArm, FirmRun],
) -> None:
    for arm in FirmArm:
        desk = runs[arm].output.desk
        delta = desk.journal.frame("snapshots")["delta"].to_numpy()
        assert np.abs(delta).max() <= desk.gate.limits.delta


def test_the_volatility_prop_crosses_straddles_of_its_expiry_at_one_price() -> None:

    cfg = CFG.model_copy(update={"prop": PropKind.VOLATILITY, "session_s": 1_800})
    run = simulate_firm(SEED, FirmArm.CROSSING, cfg)
    prop, central = run.props[0], run.output.desk
    mine = prop.journal.frame("crosses")
    assert mine.height > 0 and mine.equals(central.journal.frame("crosses"))
    legs = mine["instrument"].to_numpy() - 1
    expiry = central.listing.expiries_ns[cfg.volatility.expiry]
    assert (legs >= 0).all() and (central.listing.expiry_ns[legs] == expiry).all()
    r = analyse_firm(run, SEED, FirmArm.CROSSING)
    assert r["firm_pnl"] == pytest.approx(r["central_pnl"] + r["prop_pnl"], abs=1e-9)
    assert abs(r["firm_replay_pnl"] - r["firm_pnl"]) < 0.005
    # transmission is read on the central book's vega in the traded expiry
    assert np.isfinite(r["corr_signal_skew"])

"""The central book in the simulator: limits hold (recomputed from the journal), the breach
procedure runs, and the same config and seed give a byte-identical journal."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mmdesk.desk.audit import audit_journal
from mmdesk.desk.config import CentralBookConfig, LimitChange
from mmdesk.risk.limits import LimitsConfig
from mmdesk.sim.clock import TradingCalendarConfig
from mmdesk.sim.config import ScenarioConfig
from mmdesk.sim.run import RunConfig, RunOutput, listing_frame, run_desk, write_run

SESSION_S = 300  # a short trading day keeps the test fast


def _config(seed: int = 1, limits: LimitsConfig | None = None) -> RunConfig:
    scenario = ScenarioConfig(seed=seed, calendar=TradingCalendarConfig(session_s=SESSION_S))
    desk = CentralBookConfig(limits=limits) if limits is not None else CentralBookConfig()
    return RunConfig(scenario=scenario, desk=desk)


@pytest.fixture(scope="module")
def run() -> RunOutput:
    return run_desk(_config())


def _audit(out: RunOutput):  # type: ignore[no-untyped-def]
    j = out.desk.journal
    sc = out.config.scenario
    return audit_journal(
        j.frame("fills"),
        j.frame("marks"),
        listing_frame(out.desk),
        out.config.desk.limits,
        sc.rate,
        sc.div_yield,
    )


def test_the_desk_quotes_trades_and_hedges(run: RunOutput) -> None:
    s = run.summary
    assert s["option_fills"] > 0 and s["counters"]["legs_sent"] > 0
    orders = run.desk.journal.frame("orders")
    assert set(orders["kind"].unique()) >= {"quote", "hedge"}
    assert run.desk.journal.rows("snapshots") >= SESSION_S // 10


def test_the_underlyings_public_prints_are_on_the_tape_for_vpin(run: RunOutput) -> None:
    tape = run.desk.journal.frame("tape")
    assert tape.height > 0 and (tape["qty"] > 0).all()
    assert set(tape["side"].unique().to_list()) <= {-1, 1}
    assert (tape["ts_ns"].diff().drop_nulls() >= 0).all()


def test_no_hard_limit_is_breached_recomputed_from_the_journal(run: RunOutput) -> None:
    audit = _audit(run)
    assert audit.table.height > 10
    assert audit.breached == []
    # the recomputation sees the desk's book at the last snapshot (the desk's greeks are
    # as of its last repricing, at most ``reprice_s`` earlier: a little time decay apart)
    snaps = run.desk.journal.frame("snapshots")
    last = audit.table.filter(pl.col("ts_ns") == snaps["ts_ns"][-1])
    assert last["vega"][0] == pytest.approx(snaps["vega"][-1], rel=1e-3, abs=1.0)
    assert last["delta"][0] == pytest.approx(snaps["delta"][-1], rel=1e-3, abs=1.0)


def test_no_quote_of_the_desk_ever_took_liquidity(run: RunOutput) -> None:
    fills = run.desk.journal.frame("fills")
    assert fills.filter((pl.col("kind") == "quote") & pl.col("taker")).height == 0


def test_a_small_limit_goes_reducing_unwinds_and_returns_to_active() -> None:
    small = LimitsConfig(vega=4_000.0, expiry_vega=3_000.0)
    change = LimitChange(at_s=120.0, limits=small, why="a deliberately small vega limit")
    cfg = _config().model_copy(update={"desk": CentralBookConfig(limit_changes=(change,))})
    out = run_desk(cfg)
    ev = out.desk.journal.frame("risk_events")
    reasons = ev["reason"].to_list()
    # the change is audited, then: breach → REDUCING, automatic unwind, back to ACTIVE
    changed = reasons.index("LIMIT_CHANGED")
    assert "deliberately small" in ev["detail"][changed]
    first = reasons.index("BREACH", changed)
    assert ev["state"][first] == "REDUCING"
    unwind = reasons.index("UNWIND", first)
    resumed = reasons.index("RESUMED", unwind)
    assert ev["state"][resumed] == "ACTIVE"
    orders = out.desk.journal.frame("orders")
    assert orders.filter(pl.col("kind") == "unwind").height >= 1
    # while REDUCING the desk only quoted sides that reduce its vega
    t0, t1 = ev["ts_ns"][first], ev["ts_ns"][resumed]
    quotes = orders.filter(
        (pl.col("kind") == "quote")
        & (pl.col("ts_ns") > t0)
        & (pl.col("ts_ns") < t1)
        & (pl.col("qty") > 0)
    )
    assert quotes.filter(pl.col("state") != "REDUCING").height == 0


def _files_digest(d: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(d.glob("*.parquet")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def test_same_config_and_seed_give_a_byte_identical_journal(run: RunOutput, tmp_path: Path) -> None:
    again = run_desk(_config())
    a = write_run(run, tmp_path / "a")
    b = write_run(again, tmp_path / "b")
    assert a.name == b.name == run.run_id
    assert _files_digest(a) == _files_digest(b)
    assert run.summary["journal_digest"] == again.summary["journal_digest"]
    other = run_desk(_config(seed=2))
    assert other.summary["journal_digest"] != run.summary["journal_digest"]


def test_a_loss_limit_halts_the_book_and_pulls_every_quote() -> None:
    out = run_desk(_config(limits=LimitsConfig(daily_loss=1.0, drawdown=1.0)))
    ev = out.desk.journal.frame("risk_events")
    halted = ev.filter(pl.col("reason").is_in(["DAILY_LOSS", "DRAWDOWN"]))
    assert halted.height == 1 and halted["state"][0] == "HALTED"
    t_halt = halted["ts_ns"][0]
    # from the halt on (the pulls leave in the cycle that halted) every order is HALTED
    orders = out.desk.journal.frame("orders").filter(pl.col("ts_ns") >= t_halt)
    later = orders.filter(pl.col("ts_ns") > t_halt)
    assert later.filter(pl.col("state") != "HALTED").height == 0
    orders = orders.filter(pl.col("state") == "HALTED")
    quotes = orders.filter(pl.col("kind") == "quote")
    assert quotes.height > 0 and quotes["qty"].max() == 0  # only pulls after the halt
    assert orders.filter(pl.col("kind").is_in(["unwind", "rfq"])).height == 0
    # hedges after the halt only reduce |delta|
    hedges = out.desk.journal.frame("hedges").filter((pl.col("ts_ns") > t_halt) & pl.col("allowed"))
    for row in hedges.iter_rows(named=True):
        assert abs(row["delta_before"] + row["shares"]) < abs(row["delta_before"])
    assert out.desk.gate.state.name == "HALTED"


def test_an_expiry_settles_the_book_and_the_audit_still_holds() -> None:
    scenario = ScenarioConfig(seed=1, days=2, calendar=TradingCalendarConfig(session_s=120))
    out = run_desk(RunConfig(scenario=scenario))
    d = out.desk
    settled = d.journal.frame("fills").filter(pl.col("kind") == "settle")
    front = d.listing.expiry_index == 0
    assert settled.height == int(
        (settled["instrument"] - 1).is_in(list(np.flatnonzero(front))).sum()
    )
    assert np.all(d.positions.contracts[front] == 0.0)
    assert _audit(out).breached == []


def test_quotes_are_pulled_before_each_close_and_sent_again_after_the_open() -> None:
    scenario = ScenarioConfig(seed=1, days=2, calendar=TradingCalendarConfig(session_s=SESSION_S))
    desk_cfg = CentralBookConfig(pull_before_close_s=60.0, open_delay_s=5.0)
    out = run_desk(RunConfig(scenario=scenario, desk=desk_cfg))
    d = out.desk
    (_, close0), (open1, _) = d.sessions
    quotes = d.journal.frame("orders").filter(pl.col("kind") == "quote")
    live = quotes.filter(pl.col("qty") > 0)
    for o, c in d.sessions:
        # nothing offered in the opening delay nor in the closing window
        t = live["ts_ns"]
        assert not ((t >= o) & (t < o + 5_000_000_000)).any()
        assert not ((t >= c - 60_000_000_000) & (t < c)).any()
    # at the first close every leg's last message is a pull: nothing rests overnight
    last = (
        quotes.filter(pl.col("ts_ns") < close0)
        .sort("ts_ns", maintain_order=True)
        .group_by(["instrument", "side"], maintain_order=True)
        .last()
    )
    assert last.height > 0 and last["qty"].max() == 0
    # and the book quotes again on the second day
    assert live.filter(pl.col("ts_ns") >= open1).height > 0
    # no fill of a resting quote outside the quoting window
    fills = d.journal.frame("fills").filter(pl.col("kind") == "quote")["ts_ns"]
    assert not ((fills >= close0) & (fills < open1 + 5_000_000_000)).any()


def test_the_firm_hook_quotes_internally_and_books_a_cross_like_a_fill() -> None:
    from mmdesk.desk.firm_records import CrossReason, CrossRecord

    desk = run_desk(_config(seed=3)).desk  # its own run: the cross mutates the book
    quote = desk.internal_quote()
    live = desk.theo.live  # type: ignore[union-attr]
    assert np.all(np.isfinite(quote.mid[1:][live])) and np.all(quote.half_spread[1:][live] > 0)
    assert quote.mid[0] == desk.theo.spot  # type: ignore[union-attr]
    marks = desk.cross_marks()
    assert marks.delta.shape == (desk.n,)
    i = int(np.flatnonzero(live)[0])
    before = desk.positions.contracts[i]
    rows = desk.journal.rows("fills")
    record = CrossRecord(
        ts_ns=desk.theo.ts_ns,
        prop="test",
        instrument=i + 1,
        qty=3.0,  # type: ignore[union-attr]
        price=float(quote.mid[i + 1]) + 0.0123,
        mid=float(quote.mid[i + 1]),
        adjustment=0.0123,
        delta_risk=0.0,
        reason=CrossReason.ADDS_RISK,
    )
    desk.accept_cross(record)
    assert desk.positions.contracts[i] == before - 3.0  # the prop book bought: central sold
    cross = desk.journal.frame("fills").slice(rows).filter(pl.col("kind") == "cross")
    assert cross.height == 1 and cross["side"][0] == -1 and cross["qty"][0] == 3
    exact = desk.journal.frame("crosses")
    assert exact.height == 1 and exact["price_px"][0] == pytest.approx(record.price)
    assert exact["prop"][0] == "test" and exact["reason"][0] == "ADDS_RISK"
    assert desk.ledger.crosses == [record]


def test_a_snapshot_journals_the_surface_inputs_as_they_were(run: RunOutput) -> None:
    eng = run.desk.theo_engine
    before = run.desk.journal.frame("expiry_greeks")
    saved = eng.vol_uncertainty.copy(), eng.volvol.copy()
    try:
        eng.vol_uncertainty += 1.0  # a later calibration updates them in place
        eng.volvol += 1.0
        after = run.desk.journal.frame("expiry_greeks")
        for name in ("vol_uncertainty", "volvol"):
            assert np.array_equal(after[name].to_numpy(), before[name].to_numpy())
    finally:
        eng.vol_uncertainty[:] = saved[0]
        eng.volvol[:] = saved[1]

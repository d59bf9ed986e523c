"""One requote in one pass: the same legs as the quoter, the gate and the legs rule step by step."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mmdesk.desk.quote_legs import quote_legs
from mmdesk.desk.quote_pass import quote_pass, quote_pass_python
from mmdesk.desk.quoter import Pricing, grid_quotes
from mmdesk.desk.requote import quote_wants
from mmdesk.risk.gate import GateState, RiskGate
from mmdesk.risk.headroom import BookExposure, ContractRisk
from mmdesk.risk.limits import LimitsConfig
from mmdesk.venue.config import DEFAULT_OPTION_TICKS
from mmdesk.venue.ticks import TickTable


def _case(rng: np.random.Generator, n: int, n_exp: int, scale: float) -> dict[str, Any]:
    expiry = rng.integers(0, n_exp, n)
    cell = expiry * 10 + rng.integers(0, 10, n)
    theo = rng.uniform(0.02, 9.0, n)
    half = rng.uniform(0.0, 0.4, n)
    reservation = theo + rng.normal(0.0, 0.05, n)
    other_bid = np.where(rng.random(n) < 0.8, np.round((theo - 0.1) / 0.01), -1).astype(np.int64)
    other_ask = np.where(rng.random(n) < 0.8, np.round((theo + 0.1) / 0.01), -1).astype(np.int64)
    position = np.round(rng.normal(0.0, 60.0 * scale, n))
    risk = ContractRisk(
        delta=rng.normal(0, 50, n),
        gamma=np.abs(rng.normal(0, 5, n)),
        vega=np.abs(rng.normal(0, 500, n)),
        notional=np.full(n, 10_000.0),
        expiry=expiry,
        strike_cell=cell,
        strike_limit=np.full(n, 400.0),
    )
    book = BookExposure(
        delta=float(rng.normal(0, 3_000 * scale)),
        gamma=float(rng.normal(0, 1_000 * scale)),
        vega=float(rng.normal(0, 30_000 * scale)),
        notional=float(abs(rng.normal(0, 2e7 * scale))),
        expiry_vega=rng.normal(0, 20_000 * scale, n_exp),
        expiry_gamma=rng.normal(0, 1_000 * scale, n_exp),
        expiry_contracts=np.abs(rng.normal(0, 1_500 * scale, n_exp)),
        strike_contracts=np.abs(rng.normal(0, 300 * scale, 10 * n_exp)),
        position=position,
    )
    sent_bid = np.where(rng.random(n) < 0.6, np.round((theo - 0.2) / 0.01), 0).astype(np.int64)
    sent_ask = np.where(rng.random(n) < 0.6, np.round((theo + 0.2) / 0.01), 0).astype(np.int64)
    return {
        "pricing": Pricing(
            reservation, half, np.zeros(n), np.zeros(n), np.where(theo < 3, 0.01, 0.05)
        ),
        "other_bid": other_bid,
        "other_ask": other_ask,
        "live": rng.random(n) < 0.95,
        "fitted": rng.random(n_exp) < 0.9,
        "expiry": expiry,
        "theo": theo,
        "delta": risk.delta / 100.0,
        "run_down": rng.random(n) < 0.2,
        "book": book,
        "risk": risk,
        "sent": (
            sent_bid,
            sent_ask,
            np.where(sent_bid > 0, rng.integers(0, 12, n), 0),
            np.where(sent_ask > 0, rng.integers(0, 12, n), 0),
        ),
    }


def _step_by_step(c: dict[str, Any], gate: RiskGate, ticks: TickTable, passive: bool) -> Any:
    """The requote as the central book wrote it before the fused pass (the reference)."""
    n = c["theo"].shape[0]
    pr = c["pricing"]
    bid, ask, clamped = grid_quotes(pr, ticks, c["other_bid"], c["other_ask"])
    want_b, want_a, bid_px, ask_px = (np.empty(n) for _ in range(4))
    quote_wants(
        c["live"], c["fitted"], c["expiry"], bid, ask, 10.0, 0.01, want_b, want_a, bid_px, ask_px
    )
    share = gate.sweep_shares(c["theo"], c["delta"], bid_px, ask_px, 0.02)
    cap_b, cap_a = gate.quote_sizes(c["book"], c["risk"], want_b, want_a, share, c["run_down"])
    lim = gate.limits
    out = [np.empty(n, dtype=np.int64) for _ in range(4)] + [np.empty(n, dtype=bool)]
    pulled = quote_legs(
        bid, ask, np.ascontiguousarray(cap_b), np.ascontiguousarray(cap_a), c["theo"], pr.tick,
        0.01, float(lim.collar_ticks), float(lim.collar_fraction), passive, *c["sent"], *out,
    )  # fmt: skip
    return out, clamped, pulled


def _one_pass(fn: Any, c: dict[str, Any], gate: RiskGate, ticks: TickTable, passive: bool) -> Any:
    n = c["theo"].shape[0]
    pr, book, risk, lim = c["pricing"], c["book"], c["risk"], gate.limits
    strike_q, quoting, hard = gate.sizing_inputs(risk)
    move = lim.sweep_move_sd * 0.02 * float(np.sqrt(lim.sweep_horizon_s))
    out = [np.empty(n, dtype=np.int64) for _ in range(4)] + [np.empty(n, dtype=bool)]
    clamped, pulled = fn(
        pr.reservation, pr.half_spread, pr.tick, ticks.unit, ticks.starts, ticks.steps,
        ticks.nbands, c["other_bid"], c["other_ask"], c["live"], c["fitted"], c["expiry"],
        10.0, 0.01, c["theo"], c["delta"], move, float(lim.sweep_share), c["run_down"],
        bool(c["run_down"].any()), np.array([book.delta, book.gamma, book.vega, book.notional]),
        book.expiry_vega, book.expiry_gamma, book.expiry_contracts, book.strike_contracts,
        book.position, risk.delta, risk.gamma, risk.vega, risk.notional, risk.expiry,
        risk.strike_cell, strike_q, quoting, hard, gate.state is GateState.REDUCING,
        float(lim.collar_ticks), float(lim.collar_fraction), passive, *c["sent"], *out,
    )  # fmt: skip
    return out, clamped, pulled


@pytest.mark.parametrize("scale", [0.2, 1.0])
def test_one_pass_sends_the_same_legs_as_the_step_by_step_requote(
    rng: np.random.Generator, scale: float
) -> None:
    ticks = TickTable(DEFAULT_OPTION_TICKS)
    for trial in range(12):
        c = _case(rng, 80, 3, scale)
        if trial % 3 == 0:
            c["run_down"][:] = False
        gate = RiskGate(LimitsConfig())
        if trial % 2:
            gate.state = GateState.REDUCING
        for passive in (False, True):
            ref, ref_clamped, ref_pulled = _step_by_step(c, gate, ticks, passive)
            for fn in (quote_pass, quote_pass_python):
                got, clamped, pulled = _one_pass(fn, c, gate, ticks, passive)
                assert (clamped, pulled) == (ref_clamped, ref_pulled)
                for g, r in zip(got, ref, strict=True):
                    np.testing.assert_array_equal(g, r)


def test_the_case_quotes_something_and_the_gate_cuts_something(rng: np.random.Generator) -> None:
    """The comparison above is not vacuous: legs are sent and sizes are capped."""
    ticks = TickTable(DEFAULT_OPTION_TICKS)
    c = _case(rng, 80, 3, 1.0)
    (_, _, bq, aq, changed), _, _ = _one_pass(quote_pass, c, RiskGate(LimitsConfig()), ticks, False)
    assert changed.sum() > 10
    assert 0 < (bq > 0).sum() < 80
    assert (bq[bq > 0] < 10).any() or (aq[aq > 0] < 10).any()

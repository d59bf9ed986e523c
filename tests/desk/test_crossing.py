"""Internal crossing: pricing by marginal risk, both gates, one price in both journals,
firm P&L = sum of the books' P&L, and the cross's transmission into the central skew."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mmdesk.desk.crossing import (
    BookLedger,
    CrossDenial,
    CrossingConfig,
    CrossMarks,
    InternalCrossing,
    apply_cross,
    greek_bucket_risk,
    greek_buckets,
    marginal_risk,
)
from mmdesk.desk.firm_records import (
    CrossReason,
    CrossRecord,
    CrossRequest,
    CrossRole,
    InternalQuote,
)
from mmdesk.desk.glft import factor_covariance_with_book, glft_option_skew
from mmdesk.desk.prop import mark_to_internal
from mmdesk.risk.gate import RiskGate, RiskReason
from mmdesk.risk.limits import LimitsConfig
from mmdesk.risk.positions import ChainLayout, Positions

SPOT = 100.0
N_PER_EXPIRY = 5
MULT = 100.0
SECONDS_PER_YEAR = 365.0 * 86_400.0


def chain() -> tuple[ChainLayout, CrossMarks, InternalQuote]:
    """Two expiries × five calls; plausible per-share greeks; a flat internal quote."""
    strikes = np.tile(np.linspace(90.0, 110.0, N_PER_EXPIRY), 2)
    expiry_ns = np.repeat(np.array([30, 60], dtype=np.int64) * 86_400 * 10**9, N_PER_EXPIRY)
    layout = ChainLayout.from_arrays(expiry_ns, strikes, MULT)
    x = (SPOT - strikes) / 10.0
    delta = 1.0 / (1.0 + np.exp(-x))
    gamma = 0.04 * np.exp(-0.5 * x * x)
    vega = np.where(layout.expiry == 0, 0.1, 0.15) * np.exp(-0.5 * x * x)
    marks = CrossMarks.make(
        spot=SPOT,
        delta=delta,
        gamma=gamma,
        vega=vega,
        strike_limit=np.full(layout.n_strike_cells, 400.0),
        tick=0.01,
        spot_variance=(0.2 * SPOT) ** 2 / SECONDS_PER_YEAR,
        volvol_variance=np.array([0.05, 0.03]) ** 2 / SECONDS_PER_YEAR * 252.0,
    )
    theo = np.maximum(SPOT - strikes, 0.0) + 2.0
    mid = np.concatenate([[SPOT], theo])
    half_spread = np.concatenate([[0.01], np.full(theo.size, 0.05)])
    return layout, marks, InternalQuote.make(0, mid, half_spread, MULT)


def books(
    limits: LimitsConfig | None = None,
) -> tuple[ChainLayout, CrossMarks, InternalQuote, BookLedger, BookLedger]:
    layout, marks, quote = chain()
    lim = limits if limits is not None else LimitsConfig()
    central = BookLedger("central", Positions(layout), RiskGate(lim))
    prop = BookLedger("prop", Positions(layout), RiskGate(lim))
    return layout, marks, quote, central, prop


CFG = CrossingConfig(favourable_share=0.5, risk_premium=1e-3, horizon_s=23_400.0)


def test_marginal_risk_is_the_difference_of_the_quadratic_form() -> None:
    layout, marks, _, central, _ = books()
    rng = np.random.default_rng(7)
    central.positions.contracts[:] = rng.integers(-20, 21, layout.expiry.size)
    central.positions.shares = 300.0
    for instrument in range(layout.expiry.size + 1):
        qty = float(rng.integers(-15, 16) or 3)
        before = greek_bucket_risk(
            *greek_buckets(central.positions, marks),
            marks.spot_variance,
            marks.volvol_variance,
            CFG.horizon_s,
        )
        dr = marginal_risk(central.positions, marks, instrument, qty, CFG.horizon_s)
        shifted = Positions(layout)
        shifted.contracts[:] = central.positions.contracts
        shifted.shares = central.positions.shares
        if instrument == 0:
            shifted.shares += qty
        else:
            shifted.contracts[instrument - 1] += qty
        after = greek_bucket_risk(
            *greek_buckets(shifted, marks),
            marks.spot_variance,
            marks.volvol_variance,
            CFG.horizon_s,
        )
        assert dr == pytest.approx(after - before, rel=1e-9, abs=1e-9 * abs(before))


def test_cross_that_reduces_central_risk_is_better_than_mid_for_the_prop_book() -> None:
    _, marks, quote, central, prop = books()
    central.positions.contracts[2] = 30.0  # central long option 2: a prop buy takes risk off
    desk = InternalCrossing(CFG, central)
    rec = desk.cross(1, prop, CrossRequest(3, 10.0), quote, marks)
    assert isinstance(rec, CrossRecord)
    assert rec.reason is CrossReason.REDUCES_RISK
    assert rec.delta_risk < 0.0
    assert rec.price < rec.mid  # the buyer pays less than mid
    assert rec.price == pytest.approx(rec.mid - CFG.favourable_share * quote.half_spread[3])


def test_cross_that_adds_risk_is_worse_than_mid_and_worse_the_more_it_adds() -> None:
    _, marks, quote, central, _ = books()
    central.positions.contracts[2] = -30.0  # central short: a prop buy adds to the short
    prices = []
    for qty in (5.0, 20.0, 60.0):
        prop = BookLedger("p", Positions(central.positions.layout), RiskGate(LimitsConfig()))
        # a fresh central each time so every size is priced from the same inventory
        c = BookLedger("central", Positions(central.positions.layout), RiskGate(LimitsConfig()))
        c.positions.contracts[:] = central.positions.contracts
        c.positions.shares = 30.0 * marks.delta[2] * MULT  # the short is delta-hedged
        rec = InternalCrossing(CFG, c).cross(1, prop, CrossRequest(3, qty), quote, marks)
        assert isinstance(rec, CrossRecord)
        assert rec.reason is CrossReason.ADDS_RISK
        assert rec.price > rec.mid + quote.half_spread[3]  # worse than the internal ask
        prices.append(rec.price)
    assert prices[0] < prices[1] < prices[2]
    # a prop sale when the central book is long is the mirror image: below mid
    c = BookLedger("central", Positions(central.positions.layout), RiskGate(LimitsConfig()))
    c.positions.contracts[2] = 30.0
    c.positions.shares = -30.0 * marks.delta[2] * MULT
    p = BookLedger("p", Positions(central.positions.layout), RiskGate(LimitsConfig()))
    rec = InternalCrossing(CFG, c).cross(1, p, CrossRequest(3, -10.0), quote, marks)
    assert isinstance(rec, CrossRecord)
    assert rec.reason is CrossReason.ADDS_RISK and rec.price < rec.mid - quote.half_spread[3]


def test_underlying_cross_is_priced_by_the_central_delta() -> None:
    _, marks, quote, central, prop = books()
    central.positions.shares = -500.0
    desk = InternalCrossing(CFG, central)
    sell = desk.cross(1, prop, CrossRequest(0, -200.0), quote, marks)  # central buys: reduces
    assert isinstance(sell, CrossRecord) and sell.reason is CrossReason.REDUCES_RISK
    assert sell.price > sell.mid  # the seller receives more than mid
    buy = desk.cross(2, prop, CrossRequest(0, 200.0), quote, marks)  # central sells again: adds
    assert isinstance(buy, CrossRecord) and buy.reason is CrossReason.ADDS_RISK
    assert buy.price > buy.mid + quote.half_spread[0]


def test_every_cross_lands_in_both_journals_at_one_price() -> None:
    layout, marks, quote, central, prop = books()
    desk = InternalCrossing(CFG, central)
    rng = np.random.default_rng(3)
    for t in range(40):
        ins = int(rng.integers(0, layout.expiry.size + 1))
        qty = float(rng.integers(1, 8)) * (1 if rng.random() < 0.5 else -1)
        qty *= 50.0 if ins == 0 else 1.0
        desk.cross(t, prop, CrossRequest(ins, qty), quote, marks)
    assert len(prop.crosses) > 20
    assert prop.crosses == central.crosses
    for a, b in zip(prop.crosses, central.crosses, strict=True):
        assert a is b  # the one record: one price, one ΔR, one reason
    # the positions are each other's mirror image
    np.testing.assert_array_equal(prop.positions.contracts, -central.positions.contracts)
    assert prop.positions.shares == -central.positions.shares
    assert prop.positions.cash == pytest.approx(-central.positions.cash, abs=1e-9)


def test_records_are_immutable() -> None:
    _, marks, quote, central, prop = books()
    rec = InternalCrossing(CFG, central).cross(1, prop, CrossRequest(1, 2.0), quote, marks)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.price = 0.0  # type: ignore[misc]


def test_firm_pnl_is_the_sum_of_the_books_pnl_to_the_cent() -> None:
    """Crosses between books and venue fills; the firm sees only the venue fills."""
    layout, marks, quote, central, prop_a = books()
    prop_b = BookLedger("b", Positions(layout), RiskGate(LimitsConfig()))
    firm = Positions(layout)  # the firm as one book: venue fills only
    desk = InternalCrossing(CFG, central)
    rng = np.random.default_rng(11)
    n_cross = 0
    for t in range(300):
        ins = int(rng.integers(0, layout.expiry.size + 1))
        size = float(rng.integers(1, 10)) * (100.0 if ins == 0 else 1.0)
        qty = size if rng.random() < 0.5 else -size
        if rng.random() < 0.5:
            book = (prop_a, prop_b)[int(rng.integers(0, 2))]
            n_cross += isinstance(
                desk.cross(t, book, CrossRequest(ins, qty), quote, marks), CrossRecord
            )
            continue
        book = (central, prop_a, prop_b)[int(rng.integers(0, 3))]
        px = float(quote.mid[ins] + rng.normal(0.0, 0.1))
        fee = float(rng.uniform(0.0, 1.5))
        for pos in (book.positions, firm):
            if ins == 0:
                pos.fill_underlying(qty, px, fee)
            else:
                pos.fill_option(ins - 1, qty, px, fee)
    assert n_cross > 100
    # a later mark: every book and the firm marked to the same new mids
    moved = InternalQuote.make(
        1, quote.mid + rng.normal(0.0, 0.5, quote.mid.size), quote.half_spread, MULT
    )
    books_total = sum(mark_to_internal(b.positions, moved) for b in (central, prop_a, prop_b))
    assert round(books_total, 2) == round(mark_to_internal(firm, moved), 2)
    # internal crosses net to zero: their cash flows across the books sum to zero
    flows = sum(
        r.cash_flow(CrossRole.PROP, MULT) + r.cash_flow(CrossRole.CENTRAL, MULT)
        for r in central.crosses
    )
    assert flows == 0.0


def test_both_gates_must_approve() -> None:
    _, marks, quote, central, prop = books()
    tight = BookLedger("tight", Positions(central.positions.layout), RiskGate(
        LimitsConfig(option_position=5.0)
    ))  # fmt: skip
    desk = InternalCrossing(CFG, central)
    out = desk.cross(1, tight, CrossRequest(3, 10.0), quote, marks)
    assert isinstance(out, CrossDenial) and out.denied_by is CrossRole.PROP
    small_central = BookLedger(
        "central", Positions(central.positions.layout), RiskGate(LimitsConfig(option_position=5.0))
    )
    out = InternalCrossing(CFG, small_central).cross(1, prop, CrossRequest(3, 10.0), quote, marks)
    assert isinstance(out, CrossDenial) and out.denied_by is CrossRole.CENTRAL
    assert not small_central.crosses and not prop.crosses
    assert not prop.positions.contracts.any() and not small_central.positions.contracts.any()


def test_bad_request_names_the_field() -> None:
    with pytest.raises(ValueError, match="qty"):
        CrossRequest(1, 0.0)
    with pytest.raises(ValueError, match="instrument"):
        CrossRequest(-1, 1.0)
    _, marks, quote, central, prop = books()
    with pytest.raises(ValueError, match="instrument"):
        InternalCrossing(CFG, central).cross(1, prop, CrossRequest(99, 1.0), quote, marks)


def test_no_cross_on_an_instrument_the_central_book_does_not_price() -> None:
    _, marks, quote, central, prop = books()
    mid, half = quote.mid.copy(), quote.half_spread.copy()
    half[3] = np.nan  # e.g. before the central book's first quotes
    unpriced = InternalQuote.make(quote.ts_ns, mid, half, quote.multiplier)
    out = InternalCrossing(CFG, central).cross(1, prop, CrossRequest(3, 10.0), unpriced, marks)
    assert isinstance(out, CrossDenial) and out.denied_by is CrossRole.CENTRAL
    assert out.reason is RiskReason.DENY_NO_PRICE
    assert not prop.crosses and not prop.positions.contracts.any()


def test_prop_buy_leaves_central_short_and_its_skew_raises_that_option_quotes() -> None:
    """Transmission: the central book sees only instrument and size; its skew does the rest."""
    assert {f.name for f in dataclasses.fields(CrossRequest)} == {"instrument", "qty"}
    layout, marks, quote, central, prop = books()
    m = layout.multiplier
    d, v, b = marks.delta * m, marks.vega * m, layout.expiry

    def skew() -> np.ndarray:
        book_delta, book_vega = greek_buckets(central.positions, marks)
        cov, own = factor_covariance_with_book(
            d, v, b, book_delta, book_vega, marks.spot_variance, marks.volvol_variance
        )
        return glft_option_skew(cov, own, 0.01, 1.5, 0.5)

    before = skew()
    rec = InternalCrossing(CFG, central).cross(1, prop, CrossRequest(3, 20.0), quote, marks)
    assert isinstance(rec, CrossRecord)
    assert central.positions.contracts[2] == -20.0
    after = skew()
    theo, hs = quote.mid[1:], quote.half_spread[1:]
    # bid = theo − hs − skew, ask = theo + hs − skew: both rise for the option bought
    assert (theo - hs - after)[2] > (theo - hs - before)[2]
    assert (theo + hs - after)[2] > (theo + hs - before)[2]
    # the same expiry's other options (loading on the same factors) rise too
    same_expiry = (b == b[2]) & (np.arange(b.size) != 2)
    assert np.all(after[same_expiry] < before[same_expiry])


def test_apply_cross_books_a_venue_like_fill() -> None:
    layout, _, _, _, _ = books()
    pos = Positions(layout)
    rec = CrossRecord(5, "p", 2, 4.0, 3.25, 3.2, 0.05, 1.0, CrossReason.ADDS_RISK)
    apply_cross(pos, rec, CrossRole.CENTRAL)
    assert pos.contracts[1] == -4.0
    assert pos.cash == pytest.approx(4.0 * 3.25 * MULT)
    und = CrossRecord(6, "p", 0, 100.0, 100.5, 100.0, 0.5, 1.0, CrossReason.ADDS_RISK)
    apply_cross(pos, und, CrossRole.PROP)
    assert pos.shares == 100.0
    assert pos.cash == pytest.approx(4.0 * 3.25 * MULT - 100.0 * 100.5)


def test_central_refuses_a_cross_that_leaves_no_room_for_its_resting_quotes() -> None:
    # hard delta limit 5,000; the prop buys 3,000 shares: central at −3,000
    _, marks, quote, central, prop = books()
    roomy = dataclasses.replace(marks, quote_reach=(1_000.0, 1_000.0))
    assert isinstance(InternalCrossing(CFG, central).cross(1, prop, CrossRequest(0, 3_000.0),
                                                           quote, roomy), CrossRecord)  # fmt: skip
    _, marks, quote, central, prop = books()
    crowded = dataclasses.replace(marks, quote_reach=(0.0, 2_100.0))  # −3,000 − 2,100 < −5,000
    whole = CFG.model_copy(update={"partial": False})
    out = InternalCrossing(whole, central).cross(1, prop, CrossRequest(0, 3_000.0), quote, crowded)
    assert isinstance(out, CrossDenial) and out.denied_by is CrossRole.CENTRAL
    assert out.reason is RiskReason.DENY_LIMIT
    assert central.gate.events[-1].reason is RiskReason.DENY_LIMIT
    assert central.positions.shares == 0.0 and prop.positions.shares == 0.0


def test_cross_margin_counts_option_deltas_and_lets_risk_reducing_crosses_through() -> None:
    _, marks, quote, central, prop = books()
    crowded = dataclasses.replace(marks, quote_reach=(4_900.0, 4_900.0))
    # an option cross adding 100 shares of delta per contract (deep call, δ≈1) is refused ...
    deep = int(np.argmax(marks.delta))
    whole = CFG.model_copy(update={"partial": False})
    out = InternalCrossing(whole, central).cross(
        1, prop, CrossRequest(deep + 1, -2.0), quote, crowded
    )
    assert isinstance(out, CrossDenial) and out.denied_by is CrossRole.CENTRAL
    # ... while one that takes delta off the central book passes whatever the margin
    central.positions.shares = 1_000.0
    out = InternalCrossing(CFG, central).cross(2, prop, CrossRequest(0, 400.0), quote, crowded)
    assert isinstance(out, CrossRecord) and central.positions.shares == 600.0


def test_a_cross_too_big_for_the_central_delta_gate_is_cut_to_what_fits() -> None:
    # hard delta limit 5,000 (quoting 4,500); resting quotes may add 2,100 shares short:
    # the central book can go to −2,900, so 2,900 of the prop's 3,000 shares cross
    _, marks, quote, central, prop = books()
    crowded = dataclasses.replace(marks, quote_reach=(0.0, 2_100.0))
    out = InternalCrossing(CFG, central).cross(1, prop, CrossRequest(0, 3_000.0), quote, crowded)
    assert isinstance(out, CrossRecord) and out.qty == 2_900.0
    assert central.positions.shares == -2_900.0 and prop.positions.shares == 2_900.0
    lo, _ = central.gate.cross_delta_band(crowded.quote_reach)
    assert lo == -2_900.0
    # an option cross is cut to whole contracts: 1 deep call of δ·m ≤ 100 shares fits in 100
    _, marks, quote, central, prop = books()
    tight = dataclasses.replace(marks, quote_reach=(4_900.0, 4_900.0))
    deep = int(np.argmax(marks.delta))
    out = InternalCrossing(CFG, central).cross(1, prop, CrossRequest(deep + 1, -2.0), quote, tight)
    assert isinstance(out, CrossRecord) and out.qty == -1.0
    # nothing fits: denied, nothing booked
    _, marks, quote, central, prop = books()
    full = dataclasses.replace(marks, quote_reach=(5_000.0, 5_000.0))
    out = InternalCrossing(CFG, central).cross(1, prop, CrossRequest(0, 10.0), quote, full)
    assert isinstance(out, CrossDenial) and central.positions.shares == 0.0


def test_quote_reach_of_marks_must_be_finite_and_non_negative() -> None:
    _, marks, *_ = books()
    with pytest.raises(ValueError, match="quote_reach"):
        CrossMarks.make(
            marks.spot, marks.delta, marks.gamma, marks.vega, marks.strike_limit, marks.tick,
            marks.spot_variance, marks.volvol_variance, (-1.0, 0.0),
        )  # fmt: skip

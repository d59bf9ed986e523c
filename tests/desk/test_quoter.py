"""The quoter: GLFT half-spread, greek-factor skew, tick grid, never crossing, RFQ sizing."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.desk.glft import factor_covariance_with_book, glft_option_terms
from mmdesk.desk.quoter import (
    N_MONEYNESS_BUCKETS,
    QuoteInputs,
    QuoterConfig,
    glft_quote_terms,
    grid_quotes,
    imbalance_signal,
    intensity_bucket,
    intensity_bucket_kernel,
    intensity_bucket_kernel_python,
    price_quotes,
    price_quotes_kernel,
    price_quotes_python,
    quote_grid,
    quote_grid_python,
    rfq_prices,
)
from mmdesk.flow.leaning import OptionLean
from mmdesk.pricing import bs_greeks
from mmdesk.venue.config import DEFAULT_OPTION_TICKS
from mmdesk.venue.ticks import TickTable

TICKS = TickTable(DEFAULT_OPTION_TICKS)
MARCH, APRIL = 0, 1


def _chain() -> dict[str, np.ndarray]:
    """Calls and puts on two expiries (March 30 days, April 60 days), strikes 90..110."""
    strikes = np.array([90.0, 95.0, 100.0, 105.0, 110.0])
    k = np.tile(strikes, 4)
    is_call = np.repeat([True, False, True, False], strikes.size)
    expiry = np.repeat([MARCH, MARCH, APRIL, APRIL], strikes.size)
    tau = np.where(expiry == MARCH, 30 / 365, 60 / 365)
    g = bs_greeks(100.0, k, tau, 0.2, 0.0, 0.0, is_call)
    return {
        "strike": k,
        "is_call": is_call,
        "expiry": expiry,
        "tau": tau,
        "theo": g.price,
        "delta": g.delta,
        "vega": g.vega,
    }


def _inputs(
    book_delta: float = 0.0, march_vega: float = 0.0, april_vega: float = 0.0, signal: float = 0.0
) -> QuoteInputs:
    c = _chain()
    n = c["strike"].size
    return QuoteInputs(
        theo=c["theo"],
        delta=c["delta"],
        vega=c["vega"],
        tau=c["tau"],
        log_moneyness=np.log(c["strike"] / 100.0),
        expiry=c["expiry"],
        multiplier=100.0,
        book_delta=book_delta,
        book_vega=np.array([march_vega, april_vega]),
        spot=100.0,
        spot_vol=0.2,
        volvol=np.array([0.5, 0.5]),
        vol_uncertainty=np.array([0.002, 0.002]),
        intensity_a=np.full(n, 0.05),
        intensity_k=np.full(n, 30.0),
        signal=signal,
    )


CFG = QuoterConfig()


def _mid(x: QuoteInputs) -> np.ndarray:
    p = price_quotes(x, CFG, TICKS)
    return p.reservation


def test_quote_skews_down_for_calls_and_up_for_puts_when_long_delta() -> None:
    c = _chain()
    flat = _mid(_inputs())
    long_delta = _mid(_inputs(book_delta=2_000.0))
    calls, puts = c["is_call"], ~c["is_call"]
    assert np.all(long_delta[calls] < flat[calls])
    assert np.all(long_delta[puts] > flat[puts])


def test_quote_skews_up_for_calls_and_down_for_puts_when_short_delta() -> None:
    c = _chain()
    flat = _mid(_inputs())
    short_delta = _mid(_inputs(book_delta=-2_000.0))
    assert np.all(short_delta[c["is_call"]] > flat[c["is_call"]])
    assert np.all(short_delta[~c["is_call"]] < flat[~c["is_call"]])


def test_long_march_vega_lowers_march_quotes_and_leaves_april_untouched() -> None:
    c = _chain()
    flat_x = _inputs()
    long_x = _inputs(march_vega=20_000.0)
    flat_p = price_quotes(flat_x, CFG, TICKS)
    long_p = price_quotes(long_x, CFG, TICKS)
    march, april = c["expiry"] == MARCH, c["expiry"] == APRIL
    assert np.all(long_p.reservation[march] < flat_p.reservation[march])
    np.testing.assert_array_equal(long_p.reservation[april], flat_p.reservation[april])
    # both sides move: the bid and the ask of every March option are lower
    bid_f, ask_f, _ = grid_quotes(flat_p, TICKS, np.full(20, -1), np.full(20, -1))
    bid_l, ask_l, _ = grid_quotes(long_p, TICKS, np.full(20, -1), np.full(20, -1))
    assert np.all(bid_l[march] <= bid_f[march]) and np.all(ask_l[march] <= ask_f[march])
    assert np.any(ask_l[march] < ask_f[march])
    np.testing.assert_array_equal(bid_l[april], bid_f[april])


def test_short_april_vega_raises_april_quotes_and_leaves_march_untouched() -> None:
    c = _chain()
    flat = _mid(_inputs())
    short_april = _mid(_inputs(april_vega=-20_000.0))
    march, april = c["expiry"] == MARCH, c["expiry"] == APRIL
    assert np.all(short_april[april] > flat[april])
    np.testing.assert_array_equal(short_april[march], flat[march])


def test_delta_skew_never_pays_more_per_share_than_a_hedge_in_the_underlying() -> None:
    c = _chain()
    hedge_cost = 0.02  # currency per share of delta
    x = _inputs(book_delta=50_000.0)
    capped = price_quotes(QuoteInputs(**{**x.__dict__, "hedge_cost": hedge_cost}), CFG, TICKS)
    uncapped = price_quotes(x, CFG, TICKS)
    per_share = capped.skew / c["delta"]
    assert np.all(per_share > 0.0)  # still leaning the long-delta book's quotes down
    assert np.all(per_share <= hedge_cost * (1 + 1e-12))
    assert np.all(np.abs(uncapped.skew / c["delta"]) > 2 * hedge_cost)  # the cap binds here
    # a small book delta is not touched by the cap
    small = _inputs(book_delta=1.0)
    a = price_quotes(QuoteInputs(**{**small.__dict__, "hedge_cost": hedge_cost}), CFG, TICKS)
    np.testing.assert_array_equal(a.skew, price_quotes(small, CFG, TICKS).skew)


def test_delta_skew_cap_leaves_the_vega_skew_alone() -> None:
    x = _inputs(book_delta=50_000.0, march_vega=5_000.0)
    capped = QuoteInputs(**{**x.__dict__, "hedge_cost": 0.02})
    no_delta = _inputs(march_vega=5_000.0)
    vega_part = price_quotes(no_delta, CFG, TICKS).skew
    delta_part = price_quotes(
        QuoteInputs(**{**_inputs(book_delta=50_000.0).__dict__, "hedge_cost": 0.02}), CFG, TICKS
    ).skew
    np.testing.assert_allclose(
        price_quotes(capped, CFG, TICKS).skew, vega_part + delta_part, rtol=1e-12, atol=1e-15
    )


def test_skew_grows_with_inventory() -> None:
    small = price_quotes(_inputs(march_vega=5_000.0), CFG, TICKS).skew
    large = price_quotes(_inputs(march_vega=20_000.0), CFG, TICKS).skew
    np.testing.assert_allclose(large, 4.0 * small)


def test_half_spread_is_at_least_the_edge_floor_and_widens_with_vol_uncertainty() -> None:
    x = _inputs()
    p = price_quotes(x, CFG, TICKS)
    tick = np.where(x.theo >= 3.0, 0.05, 0.01)
    assert np.all(p.half_spread >= CFG.edge_floor_ticks * tick - 1e-12)
    wide = QuoteInputs(**{**x.__dict__, "vol_uncertainty": np.array([0.02, 0.02])})
    p_wide = price_quotes(wide, CFG, TICKS)
    np.testing.assert_allclose(
        p_wide.half_spread - p.half_spread, CFG.vol_uncertainty_mult * x.vega * 0.018, rtol=1e-9
    )


def test_imbalance_signal_moves_the_reservation_by_delta_times_signal() -> None:
    s = imbalance_signal(300.0, 100.0, 0.01)
    assert s == pytest.approx(0.005)
    assert imbalance_signal(0.0, 0.0, 0.01) == 0.0
    flat = _inputs()
    shifted = _inputs(signal=s)
    np.testing.assert_allclose(_mid(shifted) - _mid(flat), flat.delta * s, atol=1e-12)


def test_quotes_never_cross_the_others_market_and_clamps_are_counted() -> None:
    p = price_quotes(_inputs(), CFG, TICKS)
    n = p.reservation.size
    free_bid, free_ask, none = grid_quotes(p, TICKS, np.full(n, -1), np.full(n, -1))
    assert none == 0
    # a market above ours: their bid at our ask + 2 units, their ask at our ask + 10 units
    up_bid, up_ask = free_ask + 2, free_ask + 10
    bid, ask, clamped = grid_quotes(p, TICKS, up_bid, up_ask)
    assert clamped == n  # every ask would have hit their bid
    assert np.all(ask > up_bid) and np.all(ask < up_ask)
    assert np.all(bid < up_ask)
    # a market below ours: every bid would have lifted their ask
    down_ask = np.maximum(free_bid - 2, 2)
    bid, ask, clamped = grid_quotes(p, TICKS, down_ask - 1, down_ask)
    has_bid = bid > 0
    assert clamped == int(np.sum((free_bid > 0) & (free_bid >= down_ask)))
    assert np.all(bid[has_bid] < down_ask[has_bid])
    assert np.all((bid == 0) | (bid < ask))
    assert np.all(TICKS.is_valid(bid[has_bid])) and np.all(TICKS.is_valid(ask))


def test_quotes_round_outward_onto_the_grid() -> None:
    p = price_quotes(_inputs(), CFG, TICKS)
    bid, ask, _ = grid_quotes(p, TICKS, np.full(20, -1), np.full(20, -1))
    lo = p.reservation - p.half_spread
    hi = p.reservation + p.half_spread
    has_bid = bid > 0
    assert np.all(bid[has_bid] * 0.01 <= lo[has_bid] + 1e-9)
    assert np.all(ask * 0.01 >= hi - 1e-9)


def test_quote_grid_kernel_agrees_with_its_python_twin() -> None:
    rng = np.random.default_rng(7)
    n = 500
    bid_px = rng.uniform(-0.5, 8.0, n)
    ask_px = bid_px + rng.uniform(0.0, 0.5, n)
    bid_px[::37] = np.nan
    other_bid = rng.integers(-1, 700, n)
    other_ask = other_bid + rng.integers(1, 30, n)
    outs = []
    for fn in (quote_grid_python, quote_grid):
        b = np.zeros(n, dtype=np.int64)
        a = np.zeros(n, dtype=np.int64)
        c = fn(
            bid_px,
            ask_px,
            0.01,
            TICKS.starts,
            TICKS.steps,
            TICKS.nbands,
            other_bid,
            other_ask,
            b,
            a,
        )
        outs.append((b, a, c))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    assert outs[0][2] == outs[1][2]


def test_rfq_price_widens_with_the_block_size() -> None:
    p = price_quotes(_inputs(), CFG, TICKS)
    b1, a1 = rfq_prices(p, 2, CFG.quote_size, CFG)
    b2, a2 = rfq_prices(p, 2, 10 * CFG.quote_size, CFG)
    assert b2 < b1 < a1 < a2
    assert (a1 - b1) / 2 == pytest.approx(
        p.half_spread[2] + 0.5 * (CFG.quote_size - 1) * p.glft_c[2]
    )


def test_smart_flow_lean_widens_and_shifts_the_quotes_the_way_smart_flow_pushed() -> None:
    x = _inputs()
    n = x.theo.size
    base = price_quotes(x, CFG, TICKS)
    lean = OptionLean(np.full(n, 0.02), np.ones(n), 0.03, np.array([0.01, 0.0]))
    leaned = price_quotes(QuoteInputs(**{**x.__dict__, "lean": lean}), CFG, TICKS)
    np.testing.assert_allclose(leaned.half_spread - base.half_spread, 0.02, atol=1e-12)
    # smart flow bought: the underlying's reservation +0.03, March vol +1 point
    shift = x.delta * 0.03 + x.vega * np.where(x.expiry == MARCH, 0.01, 0.0)
    np.testing.assert_allclose(leaned.reservation - base.reservation, shift, atol=1e-12)


def test_one_sided_lean_moves_only_the_ask_out_when_smart_flow_bought() -> None:
    x = _inputs()
    n = x.theo.size
    base = price_quotes(x, CFG, TICKS)
    # ask out by 0.04, bid untouched: mean 0.02 on the half-spread, half the difference on
    # the reservation
    lean = OptionLean(np.full(n, 0.02), np.ones(n), 0.0, np.zeros(2), np.full(n, 0.02))
    leaned = price_quotes(QuoteInputs(**{**x.__dict__, "lean": lean}), CFG, TICKS)
    ask = leaned.reservation + leaned.half_spread - (base.reservation + base.half_spread)
    bid = leaned.reservation - leaned.half_spread - (base.reservation - base.half_spread)
    np.testing.assert_allclose(ask, 0.04, atol=1e-12)
    np.testing.assert_allclose(bid, 0.0, atol=1e-12)


def test_dumb_flow_lean_tightens_but_never_below_the_edge_floor() -> None:
    x = _inputs()
    n = x.theo.size
    base = price_quotes(x, CFG, TICKS)
    lean = OptionLean(np.zeros(n), np.full(n, 0.5), 0.0, np.zeros(2))
    tight = price_quotes(QuoteInputs(**{**x.__dict__, "lean": lean}), CFG, TICKS)
    assert np.all(tight.half_spread <= base.half_spread + 1e-15)
    assert np.any(tight.half_spread < base.half_spread)
    floor = CFG.edge_floor_ticks * tight.tick
    vol_part = CFG.vol_uncertainty_mult * x.vega * 0.002
    assert np.all(tight.half_spread - vol_part >= floor - 1e-12)


def test_pin_ticks_add_that_many_ticks_to_the_half_spread() -> None:
    x = _inputs()
    n = x.theo.size
    base = price_quotes(x, CFG, TICKS)
    pin = np.zeros(n)
    pin[2] = 1.5
    wide = price_quotes(QuoteInputs(**{**x.__dict__, "pin_ticks": pin}), CFG, TICKS)
    extra = wide.half_spread - base.half_spread
    assert extra[2] == pytest.approx(1.5 * base.tick[2])
    np.testing.assert_allclose(np.delete(extra, 2), 0.0, atol=1e-15)


def test_rfq_lean_widens_for_a_smart_requester_and_tightens_for_a_dumb_one() -> None:
    p = price_quotes(_inputs(), CFG, TICKS)
    b, a = rfq_prices(p, 2, 50, CFG)
    bs, as_ = rfq_prices(p, 2, 50, CFG, lean_widen_px=0.04)
    bd, ad = rfq_prices(p, 2, 50, CFG, lean_spread_mult=0.8)
    assert (as_ - bs) - (a - b) == pytest.approx(0.08)
    assert bd > b and ad < a


def _numpy_pricing(x: QuoteInputs, cfg: QuoterConfig) -> dict[str, np.ndarray]:
    """The quoter's rule written with numpy and the GLFT building blocks (the oracle)."""
    m = x.multiplier
    spy = cfg.trading_seconds_per_year
    spot_var = x.spot_vol**2 * x.spot**2 / spy
    eta2 = np.asarray(x.volvol, dtype=np.float64) ** 2 / spy
    cov, own = factor_covariance_with_book(
        x.delta * m, x.vega * m, x.expiry, x.book_delta, x.book_vega, spot_var, eta2
    )
    skew_c, hs_c, c_c = glft_option_terms(
        cov, own, cfg.risk_aversion, x.intensity_k / m, x.intensity_a
    )
    if cfg.delta_skew_cap is not None and np.isfinite(x.hedge_cost):
        per_share = np.zeros_like(own)
        np.divide(c_c * (x.book_delta * spot_var), own, out=per_share, where=own > 0.0)
        cap = cfg.delta_skew_cap * x.hedge_cost
        skew_c = skew_c - (x.delta * m) * (per_share - np.clip(per_share, -cap, cap))
    tick = TICKS.tick_size(x.theo)
    floor = cfg.edge_floor_ticks * tick
    hs = np.minimum(
        np.maximum(hs_c / m, floor), np.maximum(cfg.max_half_spread_fraction * x.theo, floor)
    )
    reservation = x.theo - skew_c / m + x.delta * x.signal
    if x.lean is not None:
        hs = np.maximum(hs * x.lean.spread_mult, floor) + x.lean.widen_px
        reservation = reservation + x.lean.shift_px(x.delta, x.vega, x.expiry)
    hs = hs + cfg.vol_uncertainty_mult * x.vega * x.vol_uncertainty[x.expiry]
    hs = (hs + x.pin_ticks * tick) * x.widen
    return {"reservation": reservation, "half_spread": hs, "skew": skew_c / m, "glft_c": c_c / m}


def _random_inputs(rng: np.random.Generator) -> QuoteInputs:
    x = _inputs(
        book_delta=float(rng.normal(0.0, 5_000.0)),
        march_vega=float(rng.normal(0.0, 3_000.0)),
        april_vega=float(rng.normal(0.0, 3_000.0)),
        signal=float(rng.normal(0.0, 0.01)),
    )
    n = x.theo.size
    lean = OptionLean(
        rng.uniform(0.0, 0.05, n), rng.uniform(0.8, 1.2, n), float(rng.normal(0.0, 0.02)),
        rng.normal(0.0, 0.005, 2),
    )  # fmt: skip
    return QuoteInputs(
        **{
            **x.__dict__,
            "intensity_a": rng.uniform(0.01, 0.2, n),
            "intensity_k": rng.uniform(2.0, 60.0, n),
            "lean": lean if rng.random() < 0.7 else None,
            "pin_ticks": rng.uniform(0.0, 2.0, n),
            "widen": float(rng.choice([1.0, 1.5])),
            "hedge_cost": float(rng.choice([0.01, 0.05, np.inf])),
        }
    )


def test_price_quotes_gives_the_numpy_rule_bit_for_bit() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        x = _random_inputs(rng)
        p = price_quotes(x, CFG, TICKS)
        want = _numpy_pricing(x, CFG)
        for name, arr in want.items():
            np.testing.assert_array_equal(getattr(p, name), arr, err_msg=name)
        # the intensity terms computed once and passed in give the same pricing
        terms = glft_quote_terms(CFG, x.intensity_k, x.intensity_a, x.multiplier)
        np.testing.assert_array_equal(price_quotes(x, CFG, TICKS, terms).reservation, p.reservation)


def test_price_quotes_kernel_agrees_with_its_python_twin() -> None:
    rng = np.random.default_rng(8)
    n, n_exp = 40, 3
    expiry = rng.integers(0, n_exp, n)
    args = (
        rng.uniform(0.01, 10.0, n), rng.uniform(-1.0, 1.0, n), rng.uniform(0.0, 30.0, n), expiry,
        rng.uniform(1.0, 50.0, n), rng.uniform(0.0, 0.2, n), 100.0, 3_000.0,
        rng.normal(0.0, 1e4, n_exp), 1e-4, rng.uniform(1e-8, 1e-6, n_exp), True, 0.03, 0.001,
        1.5, True, rng.uniform(0.0, 0.05, n), rng.uniform(0.8, 1.2, n), 0.01,
        rng.normal(0.0, 0.01, n_exp), rng.uniform(0.0, 2.0, n), rng.uniform(0.0, 0.02, n_exp),
        1.0, 1.0, 0.5, TICKS.tick_size(rng.uniform(0.01, 10.0, n)),
    )  # fmt: skip
    out_py, out_nb = np.empty((4, n)), np.empty((4, n))
    price_quotes_python(*args, out_py)
    price_quotes_kernel(*args, out_nb)
    np.testing.assert_array_equal(out_py, out_nb)


def test_intensity_bucket_kernel_and_twin_follow_the_numpy_rule(rng: np.random.Generator) -> None:
    n = 400
    expiry = rng.integers(0, 5, n)
    k = rng.normal(0.0, 0.2, n)
    vol = np.where(rng.random(n) < 0.05, np.nan, rng.uniform(0.05, 0.8, n))
    tau = np.where(rng.random(n) < 0.05, 0.0, rng.uniform(0.0, 0.5, n))
    z = np.abs(k) / np.maximum(vol * np.sqrt(tau), 1e-6)
    want = expiry * N_MONEYNESS_BUCKETS + np.where(z < 0.5, 0, np.where(z < 1.5, 1, 2))
    for fn in (intensity_bucket_kernel_python, intensity_bucket_kernel):
        out = np.empty(n, dtype=np.int64)
        fn(expiry, k, vol, tau, out)
        assert np.array_equal(out, want)
    assert np.array_equal(intensity_bucket(expiry, k, vol, tau), want)

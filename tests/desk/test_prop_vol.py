"""The volatility prop book: an honest realised-vol forecast, straddles bought below it and
sold above it, a noisy view of the true vol, and nothing held into expiry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmdesk.desk.firm_records import InternalQuote
from mmdesk.desk.prop import PropContext, PropSnapshot, PropStrategy
from mmdesk.desk.prop_books import VolatilityBook, VolatilityConfig, VolForecast
from mmdesk.pricing import bs_price
from mmdesk.risk.gate import GateState
from mmdesk.venue.listing import build_listing
from mmdesk.venue.participant import MarketView

NS_DAY = 86_400 * 10**9
NS_YEAR = 365 * NS_DAY
EXPIRY_NS = 30 * NS_DAY
STRIKES = np.array([90.0, 95.0, 100.0, 105.0, 110.0])
LISTING = build_listing([EXPIRY_NS], [STRIKES], 100.0)


def context(ts_ns: int, spot: float, implied: float, held: np.ndarray | None = None) -> PropContext:
    """A context whose internal mids are Black–Scholes prices at one implied vol."""
    tau = (EXPIRY_NS - ts_ns) / NS_YEAR
    theo = np.asarray(
        bs_price(spot, LISTING.strike, tau, implied, 0.0, 0.0, LISTING.is_call), dtype=np.float64
    )
    mid = np.concatenate([[spot], theo])
    quote = InternalQuote.make(ts_ns, mid, np.full(mid.size, 0.02), 100.0)
    ints = np.zeros(mid.size, dtype=np.int64)
    view = MarketView(ts_ns, ts_ns, ints, ints, ints, ints, ints, 0.01)
    contracts = np.zeros(LISTING.n_options) if held is None else held
    state = PropSnapshot(ts_ns, "vol", contracts, 0.0, 0.0, 0.0, 0.0, 0.0, GateState.ACTIVE)
    return PropContext(view, state, quote)


def straddle_legs(spot: float) -> tuple[int, int]:
    k = STRIKES[np.argmin(np.abs(STRIKES - spot))]
    call = int(np.flatnonzero((LISTING.strike == k) & LISTING.is_call)[0])
    put = int(np.flatnonzero((LISTING.strike == k) & ~LISTING.is_call)[0])
    return call, put


def test_honest_forecast_recovers_the_vol_of_the_spot_it_sees() -> None:
    book = VolatilityBook(VolatilityConfig(halflife_s=1e9), LISTING, 0.0, 0.0)
    rng = np.random.default_rng(7)
    dt_ns = 60 * 10**9
    sigma = 0.25
    log_s = math.log(100.0)
    for k in range(4_000):
        book.observe(k * dt_ns, math.exp(log_s))
        log_s += sigma * math.sqrt(dt_ns / NS_YEAR) * rng.standard_normal()
    # 4,000 returns: the standard error of the vol estimate is σ/sqrt(2n) ≈ 0.003
    assert book.realised_vol() == pytest.approx(sigma, abs=0.012)


def test_buys_the_straddle_when_implied_is_below_the_forecast_and_sells_above() -> None:
    def true_vol(ts_ns: int, expiry_ns: int) -> float:
        return 0.25

    cfg = VolatilityConfig(forecast=VolForecast.VIEW, view_noise=0.0, size=20.0, full_edge=0.05)
    book = VolatilityBook(cfg, LISTING, 0.0, 0.0, truth=true_vol)
    assert isinstance(book, PropStrategy)
    call, put = straddle_legs(101.0)
    cheap = book.decide(context(NS_DAY, 101.0, implied=0.20))
    assert {(r.instrument, r.qty) for r in cheap} == {(call + 1, 20.0), (put + 1, 20.0)}
    assert book.last_signal == pytest.approx(0.05, abs=1e-6)
    rich = book.decide(context(NS_DAY, 101.0, implied=0.275))
    assert book.last_signal == pytest.approx(-0.025, abs=1e-6)
    assert {(r.instrument, r.qty) for r in rich} == {(call + 1, -10.0), (put + 1, -10.0)}


def test_a_noisy_view_scatters_around_the_true_vol() -> None:
    def true_vol(ts_ns: int, expiry_ns: int) -> float:
        return 0.2

    cfg = VolatilityConfig(forecast=VolForecast.VIEW, view_noise=0.2)
    book = VolatilityBook(cfg, LISTING, 0.0, 0.0, truth=true_vol, seed=3)
    logs = np.log([book.forecast(0) / 0.2 for _ in range(5_000)])
    assert logs.std() == pytest.approx(0.2, abs=0.01) and abs(logs.mean()) < 0.01


def test_a_persistent_view_keeps_its_error_for_the_refresh_period() -> None:
    def true_vol(ts_ns: int, expiry_ns: int) -> float:
        return 0.2

    cfg = VolatilityConfig(forecast=VolForecast.VIEW, view_noise=0.2, view_refresh_s=3_600.0)
    book = VolatilityBook(cfg, LISTING, 0.0, 0.0, truth=true_vol, seed=3)
    hour = 3_600 * 10**9
    first = {book.forecast(t) for t in range(0, hour, hour // 10)}
    second = {book.forecast(t) for t in range(hour, 2 * hour, hour // 10)}
    assert len(first) == 1 and len(second) == 1 and first != second


def test_re_targets_and_closes_the_old_strike_when_spot_moves() -> None:
    def true_vol(ts_ns: int, expiry_ns: int) -> float:
        return 0.30

    cfg = VolatilityConfig(forecast=VolForecast.VIEW, view_noise=0.0, size=10.0, full_edge=0.05)
    book = VolatilityBook(cfg, LISTING, 0.0, 0.0, truth=true_vol)
    held = np.zeros(LISTING.n_options)
    old_call, old_put = straddle_legs(100.0)
    held[[old_call, old_put]] = 10.0
    new_call, new_put = straddle_legs(105.0)
    reqs = {(r.instrument, r.qty) for r in book.decide(context(NS_DAY, 105.0, 0.2, held))}
    assert reqs == {
        (old_call + 1, -10.0),
        (old_put + 1, -10.0),
        (new_call + 1, 10.0),
        (new_put + 1, 10.0),
    }


def test_holds_nothing_into_expiry() -> None:
    def true_vol(ts_ns: int, expiry_ns: int) -> float:
        return 0.30

    cfg = VolatilityConfig(forecast=VolForecast.VIEW, view_noise=0.0, flatten_days=1.0)
    book = VolatilityBook(cfg, LISTING, 0.0, 0.0, truth=true_vol)
    held = np.zeros(LISTING.n_options)
    call, put = straddle_legs(100.0)
    held[[call, put]] = 3.0
    late = EXPIRY_NS - NS_DAY // 2
    reqs = {(r.instrument, r.qty) for r in book.decide(context(late, 100.0, 0.2, held))}
    assert reqs == {(call + 1, -3.0), (put + 1, -3.0)}


def test_view_forecast_needs_a_truth_and_the_expiry_must_exist() -> None:
    with pytest.raises(ValueError, match="truth"):
        VolatilityBook(VolatilityConfig(forecast=VolForecast.VIEW), LISTING, 0.0, 0.0)
    with pytest.raises(ValueError, match="expiry=3"):
        VolatilityBook(VolatilityConfig(expiry=3), LISTING, 0.0, 0.0)

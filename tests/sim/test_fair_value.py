"""Fair value on the simulated clock: seasonality, overnight gaps, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmdesk.market.processes import GBMConfig, HestonConfig
from mmdesk.market.sessions import SessionConfig, variance_time
from mmdesk.sim.clock import NS_PER_HOUR, TradingCalendar
from mmdesk.sim.fair_value import SessionFairValue, simulate_session_paths
from mmdesk.sim.seeds import SeedBank

SIGMA = 0.3
Z = 4.0


def _var_within(x: np.ndarray, expected: float) -> bool:
    se = ((x - x.mean()) ** 2).std(ddof=1) / math.sqrt(x.size)
    return abs(x.var(ddof=1) - expected) <= Z * se


def test_session_paths_split_variance_between_session_and_gap() -> None:
    cal = TradingCalendar()
    cfg = SessionConfig(
        overnight_fraction=0.2, overnight_jump_probability=1.0, overnight_jump_std=0.02
    )
    bank = SeedBank(1)
    paths = simulate_session_paths(
        GBMConfig(sigma=SIGMA),
        100.0,
        cal,
        cfg,
        3,
        13,
        20_000,
        bank.generator("fv"),
        bank.generator("gap"),
    )
    assert paths.times_ns.shape == (3 * 14,)
    assert paths.times_ns[14] == cal.session_open_ns(1)
    lr = np.diff(np.log(paths.spot), axis=1)
    gap = lr[:, 13]
    assert _var_within(gap, SIGMA**2 * 0.2 / 252 + 0.02**2)
    session_day1 = np.log(paths.spot[:, 27] / paths.spot[:, 14])
    assert _var_within(session_day1, SIGMA**2 * 0.8 / 252)


def test_intraday_step_variance_follows_the_u_shape() -> None:
    cal = TradingCalendar()
    cfg = SessionConfig(u_shape_amplitude=1.5)
    paths = simulate_session_paths(
        GBMConfig(sigma=SIGMA),
        100.0,
        cal,
        cfg,
        1,
        10,
        20_000,
        np.random.default_rng(2),
        np.random.default_rng(3),
    )
    lr = np.diff(np.log(paths.spot), axis=1)
    b = variance_time(0, np.linspace(0, 1, 11), cfg)
    for i in range(10):
        assert _var_within(lr[:, i], SIGMA**2 * (b[i + 1] - b[i])), i
    assert lr[:, 0].var() > 2.5 * lr[:, 5].var()


def test_stepping_across_nights_gives_the_daily_variance() -> None:
    cal = TradingCalendar()
    cfg = SessionConfig()
    rng, gap = np.random.default_rng(4), np.random.default_rng(5)
    n = 4000
    day_ret = np.empty(n)
    for p in range(n):
        fv = SessionFairValue(GBMConfig(sigma=SIGMA), 100.0, cal, cfg, rng, gap)
        fv.advance_to(cal.session_open_ns(0) + 2 * NS_PER_HOUR)
        start = fv.value
        fv.advance_to(cal.session_open_ns(1) + 2 * NS_PER_HOUR)  # one full day later
        day_ret[p] = math.log(fv.value / start)
    assert _var_within(day_ret, SIGMA**2 / 252)


def test_same_seed_gives_the_same_fair_value_stream() -> None:
    cal = TradingCalendar()
    times = np.linspace(cal.session_open_ns(0), cal.session_open_ns(4), 500).astype(np.int64)

    def run(seed: int) -> bytes:
        bank = SeedBank(seed)
        fv = SessionFairValue(
            HestonConfig(),
            100.0,
            cal,
            SessionConfig(overnight_jump_probability=0.5, overnight_jump_std=0.01),
            bank.generator("fv"),
            bank.generator("gap"),
        )
        return np.array([fv.advance_to(int(t)) for t in times]).tobytes()

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_intensity_multiplier_is_u_shaped_and_zero_when_closed() -> None:
    cal = TradingCalendar()
    fv = SessionFairValue(
        GBMConfig(),
        100.0,
        cal,
        SessionConfig(u_shape_amplitude=1.5),
        np.random.default_rng(0),
        np.random.default_rng(1),
    )
    open0, close0 = cal.session_open_ns(0), cal.session_close_ns(0)
    assert fv.intensity_multiplier(open0) == pytest.approx(2.0)
    assert fv.intensity_multiplier((open0 + close0) // 2) == pytest.approx(0.5)
    assert fv.intensity_multiplier(close0) == 0.0
    assert fv.intensity_multiplier(cal.session_open_ns(2)) == pytest.approx(2.0)
    grid = np.linspace(open0, close0, 10_001)[:-1].astype(np.int64)
    assert np.mean([fv.intensity_multiplier(int(t)) for t in grid]) == pytest.approx(1.0, abs=1e-3)


def test_advance_to_the_past_is_rejected() -> None:
    cal = TradingCalendar()
    fv = SessionFairValue(
        GBMConfig(), 100.0, cal, SessionConfig(), np.random.default_rng(0), np.random.default_rng(1)
    )
    fv.advance_to(cal.session_open_ns(0) + 10)
    with pytest.raises(ValueError, match="ts_ns="):
        fv.advance_to(cal.session_open_ns(0))

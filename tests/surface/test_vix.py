"""Model-free variance and the 30-day index, checked against the Cboe VIX white paper.

Reference: Cboe Exchange, "Cboe Volatility Index® (VIX®) White Paper", section "The VIX
Index Calculation: Step-by-Step" (2014+ editions; https://cdn.cboe.com/resources/vix/vixwhite.pdf).
Its worked example (prices at 9:46 a.m. ET; near term: standard SPX, 25 days; next term:
SPX Weeklys, 32 days) publishes:
  T1 = 0.0683486, T2 = 0.0882686, R1 = 0.0305 %, R2 = 0.0286 %;
  near 1965 strike: call mid 21.05, put mid 23.15 -> F1 = 1962.89996, K0 = 1960;
  next 1960 strike: call mid 27.30, put mid 24.90 -> F2 = 1962.40006, K0 = 1960;
  Q(K0) = 22.775 near ((24.25 + 21.30)/2), 26.10 next;
  1370 put (lowest strike of the near strip, next strike 1375, mid 0.20): contribution 0.0000005328;
  (1/T)(F/K0 - 1)^2 = 0.00003203 near, 0.00001699 next;
  sigma1^2 = 0.018495 - 0.00003203 = 0.01846292, sigma2^2 = 0.018838 - 0.00001699 = 0.01882101;
  N_T1 = 35,924, N_T2 = 46,394 minutes; VIX = 13.69.
The paper prints only part of its strike table, so the full strip sums (0.018495, 0.018838)
cannot be re-derived here; every other published figure is reproduced below.
"""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.pricing import black76_price
from mmdesk.surface.vix import model_free_variance, strike_deltas, vix_index

T1, T2 = 35_924 / 525_600, 46_394 / 525_600  # published N_T1, N_T2 minutes
R1, R2 = 0.000305, 0.000286
HALF = 0.05  # synthetic half spread around the paper's mids


def quotes(mids: dict[float, tuple[float, float]]) -> tuple[np.ndarray, ...]:
    k = np.array(sorted(mids))
    c = np.array([mids[x][0] for x in k])
    p = np.array([mids[x][1] for x in k])
    return k, c - HALF, c + HALF, p - HALF, p + HALF


def test_near_term_forward_k0_and_correction_match_the_white_paper() -> None:
    # 1960 and 1965 mids are the paper's; 1955/1970 are filler with larger |C - P|
    k, cb, ca, pb, pa = quotes(
        {1955.0: (27.5, 19.6), 1960.0: (24.25, 21.30), 1965.0: (21.05, 23.15), 1970.0: (18.0, 25.2)}
    )
    res = model_free_variance(k, cb, ca, pb, pa, T1, R1)
    assert res.forward_strike == 1965.0
    assert res.forward == pytest.approx(1962.89996, abs=5e-6)
    assert res.k0 == 1960.0
    assert res.correction == pytest.approx(0.00003203, abs=5e-9)
    assert res.prices[res.strikes == 1960.0][0] == pytest.approx(22.775)


def test_next_term_forward_k0_and_correction_match_the_white_paper() -> None:
    k, cb, ca, pb, pa = quotes(
        {1955.0: (30.4, 22.9), 1960.0: (27.30, 24.90), 1965.0: (24.4, 27.0), 1970.0: (21.6, 29.2)}
    )
    res = model_free_variance(k, cb, ca, pb, pa, T2, R2)
    assert res.forward_strike == 1960.0
    assert res.forward == pytest.approx(1962.40006, abs=5e-6)
    assert res.k0 == 1960.0
    assert res.correction == pytest.approx(0.00001699, abs=5e-9)
    assert res.prices[res.strikes == 1960.0][0] == pytest.approx(26.10)


def test_strip_stops_after_two_consecutive_zero_bids_as_in_the_white_paper() -> None:
    # The paper: the 1350 and 1355 puts are not included despite non-zero bids because the
    # 1360 and 1365 puts have zero bids; the 1370 put is the lowest strike of the strip.
    strikes = np.array(
        [1350.0, 1355.0, 1360.0, 1365.0, 1370.0, 1375.0, 1380.0, 1960.0, 1965.0, 2220.0, 2225.0]
    )
    put_bid = np.array([0.05, 0.05, 0.0, 0.0, 0.15, 0.15, 0.20, 21.25, 23.10, 0.0, 0.0])
    put_ask = np.array([0.15, 0.15, 0.10, 0.10, 0.25, 0.30, 0.35, 21.35, 23.20, 0.0, 0.0])
    call_bid = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 24.20, 21.00, 0.05, 0.05])
    call_ask = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 24.30, 21.10, 0.10, 0.10])
    res = model_free_variance(strikes, call_bid, call_ask, put_bid, put_ask, T1, R1)
    assert res.strikes[0] == 1370.0  # 1350/1355 excluded after the 1360/1365 zero-bid pair
    assert 1360.0 not in res.strikes and 1365.0 not in res.strikes
    assert res.delta_k[0] == 5.0  # one-sided at the strip's end: 1375 - 1370
    # the paper's published contribution of the 1370 put (mid 0.20)
    assert res.contributions[0] == pytest.approx(0.0000005328, abs=5e-11)
    # calls: 2220 has a bid, 2225 too; both kept (no zero-bid pair reached)
    assert list(res.strikes[-2:]) == [2220.0, 2225.0]


def test_zero_bid_options_are_skipped_but_a_single_gap_does_not_stop_the_strip() -> None:
    k = np.array([90.0, 95.0, 100.0, 105.0, 110.0])
    pb = np.array([0.5, 0.0, 2.0, 5.0, 9.0])
    pa = pb + 0.1
    cb = np.array([11.0, 6.5, 2.5, 0.0, 0.2])
    ca = cb + 0.1
    res = model_free_variance(k, cb, ca, pb, pa, 0.1, 0.0)
    assert res.k0 == 100.0
    assert list(res.strikes) == [90.0, 100.0, 110.0]
    np.testing.assert_allclose(res.delta_k, [10.0, 10.0, 10.0])


def test_strike_deltas_are_half_the_neighbour_gap_and_one_sided_at_the_ends() -> None:
    # the paper: next-term 1325 put, neighbours 1275 and 1350 -> 37.5
    np.testing.assert_allclose(
        strike_deltas(np.array([1275.0, 1325.0, 1350.0])), [50.0, 37.5, 25.0]
    )


def test_vix_interpolation_reproduces_13_69() -> None:
    assert (round(T1, 7), round(T2, 7)) == (0.0683486, 0.0882686)
    vix = vix_index(T1, 0.01846292, T2, 0.01882101)
    print(f"VIX from the white paper's sigma^2: {vix:.6f}")
    assert round(vix, 2) == 13.69


def test_vix_with_both_terms_at_30_days_variance_is_that_variance() -> None:
    assert vix_index(25 / 365, 0.04, 35 / 365, 0.04) == pytest.approx(20.0, rel=1e-12)


def test_flat_black_scholes_smile_gives_back_its_variance() -> None:
    # a dense strip priced at a flat 20% vol: the model-free variance is vol^2 up to strike
    # discretisation and truncation (measured: within 0.2% relative here)
    f, t, r, vol = 4000.0, 30 / 365, 0.02, 0.20
    k = np.arange(2000.0, 6000.0 + 1, 5.0)
    d = np.exp(-r * t)
    call = np.asarray(black76_price(f, k, t, vol, r, True))
    put = np.asarray(black76_price(f, k, t, vol, r, False))
    tick = 0.05
    cb = np.floor(call / tick) * tick
    pb = np.floor(put / tick) * tick
    res = model_free_variance(k, cb, cb + 2 * tick, pb, pb + 2 * tick, t, r)
    assert res.forward == pytest.approx(f, abs=0.2 / d)
    assert res.variance == pytest.approx(vol**2, rel=5e-3)


def test_bad_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="t must be > 0"):
        model_free_variance([1.0], [1.0], [1.0], [1.0], [1.0], 0.0, 0.0)
    with pytest.raises(ValueError, match="put_ask"):
        model_free_variance([1.0, 2.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0], 0.1, 0.0)
    with pytest.raises(ValueError, match="forward undefined"):
        model_free_variance([1.0], [0.0], [1.0], [1.0], [1.0], 0.1, 0.0)

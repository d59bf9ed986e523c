"""The desk's theo: SVI surface from the market's quotes, one-call repricing, vol level tracking."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.desk.theo import TheoConfig, TheoEngine, svi_vol
from mmdesk.pricing import bs_greeks, bs_price
from mmdesk.surface.svi import SVIParams, svi_total_variance

NS_DAY = 86_400 * 1_000_000_000
SPOT, RATE = 100.0, 0.02
SMILES = (SVIParams(0.002, 0.02, -0.4, 0.0, 0.1), SVIParams(0.005, 0.03, -0.3, 0.01, 0.15))
DAYS = (20, 60)


def _listing() -> dict[str, np.ndarray]:
    strikes = np.linspace(80.0, 120.0, 21)
    k = np.tile(strikes, 4)
    is_call = np.tile(np.repeat([True, False], strikes.size), 2)
    expiry = np.repeat([0, 1], 2 * strikes.size)
    expiry_ns = np.array(DAYS, dtype=np.int64)[expiry] * NS_DAY
    return {"strike": k, "is_call": is_call, "expiry": expiry, "expiry_ns": expiry_ns}


def _engine(**cfg: float) -> TheoEngine:
    c = _listing()
    return TheoEngine(
        TheoConfig(**cfg), c["strike"], c["expiry_ns"], c["expiry"], c["is_call"], RATE, 0.0
    )


def _market(now_ns: int, half_spread: float = 0.01) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quotes generated from the known smiles: true vol, bid and ask around the true price."""
    c = _listing()
    tau = (c["expiry_ns"] - now_ns) / (365 * NS_DAY)
    fwd = SPOT * np.exp(RATE * tau)
    k = np.log(c["strike"] / fwd)
    vol = np.empty_like(k)
    for e, p in enumerate(SMILES):
        sel = c["expiry"] == e
        vol[sel] = np.sqrt(svi_total_variance(k[sel], p) / tau[sel])
    price = bs_price(SPOT, c["strike"], tau, vol, RATE, 0.0, c["is_call"])
    return vol, price - half_spread, price + half_spread


def test_reprice_is_black_scholes_at_the_surface_vol() -> None:
    eng = _engine(initial_vol=0.25)
    th = eng.reprice(0, SPOT)
    c = _listing()
    tau = c["expiry_ns"] / (365 * NS_DAY)
    ref = bs_greeks(SPOT, c["strike"], tau, 0.25, RATE, 0.0, c["is_call"])
    np.testing.assert_allclose(th.theo, ref.price, rtol=1e-12)
    np.testing.assert_allclose(th.delta, ref.delta, rtol=1e-12)
    np.testing.assert_allclose(th.vega, ref.vega, rtol=1e-12)
    assert th.live.all()


def test_calibration_recovers_the_market_smile() -> None:
    eng = _engine()
    vol, bid, ask = _market(0)
    assert eng.calibrate(0, SPOT, bid, ask, np.ones(vol.size, dtype=bool)) == 2
    fitted, _ = eng.vols(0, SPOT)
    c = _listing()
    atm = np.abs(c["strike"] - SPOT) <= 10.0
    assert np.max(np.abs(fitted[atm] - vol[atm])) < 0.003
    assert np.all(eng.vol_uncertainty < 0.003)
    assert eng.fitted.all() and not eng.due(1)


def test_an_empty_market_does_not_advance_the_schedule() -> None:
    eng = _engine()
    n = _listing()["strike"].size
    assert eng.calibrate(0, SPOT, np.zeros(n), np.zeros(n), np.ones(n, dtype=bool)) == 0
    assert eng.due(1) and not eng.fitted.any()


def test_the_desks_own_quotes_can_be_left_out_of_the_fit() -> None:
    eng = _engine()
    vol, bid, ask = _market(0)
    assert eng.calibrate(0, SPOT, bid, ask, np.zeros(vol.size, dtype=bool)) == 0


def test_vol_level_follows_a_parallel_move_of_the_market() -> None:
    eng = _engine(level_weight=1.0)
    vol, bid, ask = _market(0)
    eng.calibrate(0, SPOT, bid, ask, np.ones(vol.size, dtype=bool))
    c = _listing()
    tau = c["expiry_ns"] / (365 * NS_DAY)
    up = bs_price(SPOT, c["strike"], tau, vol + 0.01, RATE, 0.0, c["is_call"])
    eng.track_level(0, SPOT, up - 0.005, up + 0.005, np.ones(vol.size, dtype=bool))
    assert eng.level == pytest.approx([0.01, 0.01], abs=2e-3)


def test_svi_vol_falls_back_for_unfitted_expiries() -> None:
    params = np.full((2, 5), np.nan)
    params[0] = (0.002, 0.02, -0.4, 0.0, 0.1)
    k = np.array([0.0, 0.0])
    vol = svi_vol(k, np.array([0, 1]), params, np.array([0.1, 0.2]), np.array([0.3, 0.25]))
    assert vol[1] == 0.25
    w = float(svi_total_variance(0.0, SVIParams(0.002, 0.02, -0.4, 0.0, 0.1)))
    assert vol[0] == pytest.approx(np.sqrt(w / 0.1))


def test_reprice_rejects_a_bad_spot() -> None:
    with pytest.raises(ValueError, match="spot"):
        _engine().reprice(0, float("nan"))


def test_chain_vol_kernel_is_svi_vol_plus_level_and_agrees_with_its_twin(
    rng: np.random.Generator,
) -> None:
    from mmdesk.desk.theo import chain_vol, chain_vol_python

    n_exp, n = 4, 400
    params = np.column_stack(
        [
            rng.uniform(0.0, 0.02, n_exp),
            rng.uniform(0.01, 0.2, n_exp),
            rng.uniform(-0.9, 0.9, n_exp),
            rng.uniform(-0.1, 0.1, n_exp),
            rng.uniform(0.05, 0.3, n_exp),
        ]
    )
    params[1] = np.nan  # an expiry without a fit takes its fallback vol
    params[2, 0] = -0.5  # a negative total variance is floored
    expiry = rng.integers(0, n_exp, n)
    k = rng.uniform(-0.5, 0.5, n)
    tau_fit = rng.uniform(0.01, 0.5, n_exp)
    fallback = rng.uniform(0.1, 0.4, n_exp)
    level = rng.uniform(-0.05, 0.05, n_exp)
    want = np.maximum(svi_vol(k, expiry, params, tau_fit, fallback) + level[expiry], 1e-3)
    twin = np.empty(n)
    kernel = np.empty(n)
    chain_vol_python(k, expiry, params, tau_fit, fallback, level, twin)
    chain_vol(k, expiry, params, tau_fit, fallback, level, kernel)
    assert np.array_equal(twin, want)
    assert np.array_equal(kernel, want)


def test_time_to_expiry_is_floored_years_and_the_kernel_agrees_with_its_twin(
    rng: np.random.Generator,
) -> None:
    from mmdesk.desk.theo import years_to_expiry, years_to_expiry_python

    now = 1_767_605_400_000_000_000
    expiry_ns = now + rng.integers(-86_400 * 10**9, 400 * 86_400 * 10**9, 500)
    expiry_ns[:3] = (now, now + 1, now - 1)  # expired or expiring: the floor
    year_s = 365.0 * 86_400.0
    want = np.maximum((expiry_ns - now).astype(np.float64) * 1e-9, 60.0) / year_s
    twin = np.empty(500)
    kernel = np.empty(500)
    years_to_expiry_python(expiry_ns, now, 60.0, year_s, twin)
    years_to_expiry(expiry_ns, now, 60.0, year_s, kernel)
    assert np.array_equal(twin, want)
    assert np.array_equal(kernel, want)
    assert np.all(kernel[:3] == 60.0 / year_s)


def _calibrated() -> TheoEngine:
    eng = _engine(max_fit_vol_move=0.05)
    vol, bid, ask = _market(0)
    assert eng.calibrate(0, SPOT, bid, ask, np.ones(vol.size, dtype=bool)) == 2
    return eng


def test_a_fit_moving_a_strike_by_more_than_the_cap_is_rejected_and_the_smile_kept() -> None:
    eng = _calibrated()
    before, _ = eng.vols(0, SPOT)
    c = _listing()
    tau = c["expiry_ns"] / (365 * NS_DAY)
    vol, _, _ = _market(0)
    # the market's smile of expiry 0 ten vol points higher on the downside only
    jumped = np.where((c["expiry"] == 0) & (c["strike"] < SPOT), vol + 0.10, vol)
    price = bs_price(SPOT, c["strike"], tau, jumped, RATE, 0.0, c["is_call"])
    t = 300 * 1_000_000_000
    eng.calibrate(t, SPOT, price - 0.01, price + 0.01, np.ones(vol.size, dtype=bool))
    after, _ = eng.vols(0, SPOT)
    assert eng.rejected_fits.tolist() == [1, 0]
    e0 = c["expiry"] == 0
    np.testing.assert_array_equal(after[e0], before[e0])


def test_the_vol_move_cap_is_off_by_default() -> None:
    assert TheoConfig().max_fit_vol_move == float("inf")


def test_a_fit_moving_every_strike_by_less_than_the_cap_is_taken() -> None:
    eng = _calibrated()
    c = _listing()
    tau = c["expiry_ns"] / (365 * NS_DAY)
    vol, _, _ = _market(0)
    price = bs_price(SPOT, c["strike"], tau, vol + 0.02, RATE, 0.0, c["is_call"])
    eng.calibrate(0, SPOT, price - 0.01, price + 0.01, np.ones(vol.size, dtype=bool))
    after, _ = eng.vols(0, SPOT)
    assert eng.rejected_fits.tolist() == [0, 0]
    atm = np.abs(c["strike"] - SPOT) <= 10.0
    assert np.max(np.abs(after[atm] - (vol[atm] + 0.02))) < 0.003


def test_a_smile_with_negative_variance_at_a_listed_strike_is_never_acceptable() -> None:
    eng = _engine()
    # raw SVI with a = -0.01: negative total variance near its minimum, k ≈ m = 0.1
    bad = np.array([-0.01, 0.02, 0.0, 0.1, 0.05])
    good = np.array([0.002, 0.02, -0.4, 0.0, 0.1])
    tau = DAYS[0] / 365.0
    assert not eng.acceptable_fit(0, bad, tau, 0, SPOT, -0.1, 0.1)
    assert eng.acceptable_fit(0, good, tau, 0, SPOT, -0.1, 0.1)


def test_wings_extrapolated_beyond_the_wing_ratio_reject_the_fit() -> None:
    eng = _engine()
    tau = DAYS[0] / 365.0
    # ATM vol ≈ 0.36 and positive variance everywhere; slope b = 0.5 with ρ = −0.9 sends
    # the 80 strike's vol to about 2
    steep = np.array([0.002, 0.5, -0.9, 0.0, 0.01])
    atm = np.sqrt((steep[0] + steep[1] * steep[4]) / tau)
    k80 = np.log(80.0 / SPOT)
    w80 = steep[0] + steep[1] * (steep[2] * k80 + np.hypot(k80, steep[4]))
    assert np.sqrt(w80 / tau) > 3.0 * atm  # the wing the quotes never saw
    assert not eng.acceptable_fit(0, steep, tau, 0, SPOT, -0.02, 0.02)
    relaxed = _engine(max_fit_wing_ratio=100.0)
    assert relaxed.acceptable_fit(0, steep, tau, 0, SPOT, -0.02, 0.02)


def test_a_wing_valuing_an_option_far_through_the_market_beyond_the_quotes_rejects_the_fit() -> (
    None
):
    eng = _engine()
    tau = DAYS[0] / 365.0
    fit = np.array(SMILES[0])
    c = _listing()
    vol, bid, ask = _market(0)  # the market agrees with the fit everywhere
    assert eng.acceptable_fit(0, fit, tau, 0, SPOT, -0.05, 0.05, bid, ask)
    k = np.log(c["strike"] / (SPOT * np.exp(RATE * tau)))
    theo = bs_price(SPOT, c["strike"], tau, vol, RATE, 0.0, c["is_call"])
    wing = np.flatnonzero((c["expiry"] == 0) & c["is_call"] & (k > 0.1))[0]  # OTM call, beyond
    inside = np.flatnonzero((c["expiry"] == 0) & c["is_call"] & (k > 0.0) & (k < 0.05))[0]
    # beyond the quotes: offered at a third of the fit's value, no bid -> rejected
    offered = ask.copy()
    offered[wing], bid_w = theo[wing] / 3.0, bid.copy()
    bid_w[wing] = 0.0
    assert not eng.acceptable_fit(0, fit, tau, 0, SPOT, -0.05, 0.05, bid_w, offered)
    # within one width of the offer (theo ≤ 2 × a one-sided offer) it stands
    offered[wing] = theo[wing] / 1.9
    assert eng.acceptable_fit(0, fit, tau, 0, SPOT, -0.05, 0.05, bid_w, offered)
    # inside the quotes' range the band penalty has the say, not this check
    offered, bid_i = ask.copy(), bid.copy()
    offered[inside], bid_i[inside] = theo[inside] / 3.0, 0.0
    assert eng.acceptable_fit(0, fit, tau, 0, SPOT, -0.05, 0.05, bid_i, offered)
    # and the check is off at inf
    relaxed = _engine(max_fit_through_market=float("inf"))
    offered = ask.copy()
    offered[wing] = theo[wing] / 3.0
    assert relaxed.acceptable_fit(0, fit, tau, 0, SPOT, -0.05, 0.05, bid_w, offered)


def test_a_rejected_fit_waits_for_the_next_scheduled_calibration() -> None:
    eng = _calibrated()
    c = _listing()
    tau = c["expiry_ns"] / (365 * NS_DAY)
    vol, _, _ = _market(0)
    jumped = vol + np.where(c["strike"] < SPOT, 0.10, 0.0)
    price = bs_price(SPOT, c["strike"], tau, jumped, RATE, 0.0, c["is_call"])
    t = 300 * 1_000_000_000
    assert eng.calibrate(t, SPOT, price - 0.01, price + 0.01, np.ones(vol.size, dtype=bool)) == 0
    assert eng.rejected_fits.sum() == 2
    assert not eng.due(t + 1_000_000_000)  # not retried every timer tick
    assert eng.due(t + 300 * 1_000_000_000)

"""Whalley–Wilmott and Zakamouline bands, as the papers state them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmdesk.hedging.bands import whalley_wilmott_half_width, zakamouline_band

positive = st.floats(1e-3, 1e3, allow_nan=False)


def test_whalley_wilmott_matches_the_closed_form_by_hand() -> None:
    # H = ((3/2) e^{-rτ} λ S Γ² / γ)^{1/3} with S=100, Γ=0.02, τ=0.5, r=0.05, λ=0.001, γ=1e-3
    by_hand = (1.5 * math.exp(-0.05 * 0.5) * 0.001 * 100.0 * 0.02**2 / 1e-3) ** (1.0 / 3.0)
    assert float(whalley_wilmott_half_width(100.0, 0.02, 0.5, 0.05, 0.001, 1e-3)) == pytest.approx(
        by_hand, rel=1e-15
    )


@given(spot=positive, gamma=positive, cost=st.floats(1e-6, 1e-2), ra=positive)
def test_whalley_wilmott_band_scales_as_gamma_two_thirds_and_cost_one_third(
    spot: float, gamma: float, cost: float, ra: float
) -> None:
    h = float(whalley_wilmott_half_width(spot, gamma, 0.25, 0.0, cost, ra))
    assert float(whalley_wilmott_half_width(spot, 8.0 * gamma, 0.25, 0.0, cost, ra)) == (
        pytest.approx(4.0 * h, rel=1e-12)
    )
    assert float(whalley_wilmott_half_width(spot, gamma, 0.25, 0.0, 8.0 * cost, ra)) == (
        pytest.approx(2.0 * h, rel=1e-12)
    )
    assert float(whalley_wilmott_half_width(spot, -gamma, 0.25, 0.0, cost, ra)) == h


def test_whalley_wilmott_band_closes_without_costs() -> None:
    assert float(whalley_wilmott_half_width(100.0, 0.05, 1.0, 0.0, 0.0, 1e-3)) == 0.0


def test_whalley_wilmott_broadcasts_over_arrays() -> None:
    h = whalley_wilmott_half_width(np.array([90.0, 100.0, 110.0]), 0.02, 0.5, 0.0, 0.001, 1e-3)
    assert h.shape == (3,)
    assert np.all(np.diff(h) > 0.0)


@pytest.mark.parametrize(
    ("field", "args"),
    [
        ("spot", (-1.0, 0.02, 0.5, 0.0, 0.001, 1e-3)),
        ("cost", (100.0, 0.02, 0.5, 0.0, -0.001, 1e-3)),
        ("risk_aversion", (100.0, 0.02, 0.5, 0.0, 0.001, 0.0)),
        ("t", (100.0, 0.02, -0.5, 0.0, 0.001, 1e-3)),
    ],
)
def test_bad_band_inputs_name_the_field(field: str, args: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match=field):
        whalley_wilmott_half_width(*args)


def test_zakamouline_matches_the_published_fit_by_hand() -> None:
    s, g, sig, tau, r, lam, ra = 100.0, 0.03, 0.25, 0.4, 0.02, 0.002, 5e-3
    scale = (math.exp(-r * tau) / sig) ** 0.25
    h0 = lam / (ra * s * sig**2 * tau)
    h1 = 1.12 * lam**0.31 * tau**0.05 * scale * math.sqrt(g / ra)
    k = -4.76 * lam**0.78 / tau**0.02 * scale * (ra * s**2 * g) ** 0.15
    half, mult = zakamouline_band(s, g, sig, tau, r, lam, ra)
    assert float(half) == pytest.approx(h0 + h1, rel=1e-14)
    assert float(mult) == pytest.approx(math.sqrt(1.0 + k), rel=1e-14)


def test_zakamouline_short_gamma_hedges_with_a_higher_vol_and_long_with_a_lower() -> None:
    _, long_mult = zakamouline_band(100.0, 0.03, 0.25, 0.4, 0.0, 0.002, 5e-3)
    _, short_mult = zakamouline_band(100.0, -0.03, 0.25, 0.4, 0.0, 0.002, 5e-3)
    assert float(long_mult) < 1.0 < float(short_mult)


def test_zakamouline_without_costs_is_plain_delta_hedging() -> None:
    half, mult = zakamouline_band(100.0, 0.03, 0.25, 0.4, 0.0, 0.0, 5e-3)
    assert float(half) == 0.0
    assert float(mult) == 1.0


def test_scalar_bands_agree_with_the_array_versions() -> None:
    from mmdesk.hedging.bands import (
        whalley_wilmott_half_width_scalar,
        zakamouline_band,
        zakamouline_band_scalar,
    )

    rng = np.random.default_rng(11)
    for _ in range(200):
        s, g, v = rng.uniform(50, 150), rng.normal(0, 50), rng.uniform(0.05, 0.8)
        t, r, lam, ra = (
            rng.uniform(1e-3, 1.0),
            rng.uniform(-0.01, 0.05),
            rng.uniform(0, 0.01),
            10 ** rng.uniform(-6, -1),
        )
        assert whalley_wilmott_half_width_scalar(s, g, t, r, lam, ra) == pytest.approx(
            float(whalley_wilmott_half_width(s, g, t, r, lam, ra)), rel=1e-12, abs=1e-15
        )
        h, m = zakamouline_band(s, g, v, t, r, lam, ra)
        hs, ms = zakamouline_band_scalar(s, g, v, t, r, lam, ra)
        assert hs == pytest.approx(float(h), rel=1e-12) and ms == pytest.approx(float(m), rel=1e-12)
    with pytest.raises(ValueError, match="risk_aversion"):
        whalley_wilmott_half_width_scalar(100.0, 1.0, 0.1, 0.0, 0.001, 0.0)

"""Stickouts: bids above / asks below theo beyond ticks and half-spreads, and IV outliers."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mmdesk.pricing import black76_price
from mmdesk.surface.fit import fit_slices, slice_quotes
from mmdesk.surface.stickouts import StickoutConfig, find_stickouts, theo_prices
from mmdesk.surface.svi import SVIParams, svi_total_variance

P = SVIParams(a=0.01, b=0.08, rho=-0.5, m=0.0, sigma=0.1)
T, F, D = 0.25, 100.0, 0.99


def _quotes(shift_index: int | None = None, shift: float = 0.0):
    K = np.arange(70.0, 131.0, 2.5)
    vol = np.sqrt(svi_total_variance(np.log(K / F), P) / T)
    calls = np.repeat([True, False], K.size)
    KK = np.tile(K, 2)
    px = black76_price(F, KK, T, np.tile(vol, 2), -np.log(D) / T, calls)
    bid, ask = px - 0.05, px + 0.05
    if shift_index is not None:
        bid[shift_index] += shift
        ask[shift_index] += shift
    return slice_quotes(T, F, D, KK, calls, bid, ask, label="e")


def test_a_bid_lifted_above_theo_is_the_top_stickout() -> None:
    clean = _quotes()
    surface = fit_slices([clean])
    # call at K = 112.5 (OTM): bid 0.50 above its price, i.e. 10 ticks of 0.05
    K = np.arange(70.0, 131.0, 2.5)
    j = int(np.flatnonzero(K == 112.5)[0])
    shifted = _quotes(j, 0.5)
    out = find_stickouts(surface, [shifted], StickoutConfig(tick_above=0.05))
    assert isinstance(out, pl.DataFrame)
    assert out.row(0, named=True)["strike"] == 112.5  # also an IV outlier (edge |mid - theo|)
    top = out.filter(pl.col("signal") != "iv_outlier").row(0, named=True)
    assert top["signal"] == "bid_above_theo" and top["strike"] == 112.5 and top["is_call"]
    theo = theo_prices(surface, shifted)
    i = int(np.flatnonzero(shifted.strike == 112.5)[0])
    assert top["edge"] == pytest.approx(shifted.bid[i] - theo[i])
    assert top["edge_half_spreads"] == pytest.approx(top["edge"] / 0.05)
    assert (out["edge"].diff().drop_nulls() <= 0).all()  # ranked by edge


def test_fair_quotes_produce_no_price_stickouts() -> None:
    q = _quotes()
    out = find_stickouts(fit_slices([q]), [q])
    assert out.filter(pl.col("signal") != "iv_outlier").height == 0


def test_thresholds_in_ticks_and_half_spreads_both_apply() -> None:
    K = np.arange(70.0, 131.0, 2.5)
    j = int(np.flatnonzero(K == 115.0)[0])
    surface = fit_slices([_quotes()])
    small = _quotes(j, -0.08)  # ask 0.03 below theo: less than one half-spread (0.05)
    out = find_stickouts(
        surface, [small], StickoutConfig(min_ticks=0.0, min_half_spreads=1.0, tick_above=0.01)
    )
    assert out.filter(pl.col("signal") == "ask_below_theo").height == 0
    out = find_stickouts(
        surface, [small], StickoutConfig(min_ticks=0.0, min_half_spreads=0.5, tick_above=0.01)
    )
    assert out.filter(pl.col("signal") == "ask_below_theo")["strike"].to_list() == [115.0]


def test_iv_outlier_is_standardised_by_the_quotes_own_width() -> None:
    K = np.arange(70.0, 131.0, 2.5)
    j = int(np.flatnonzero(K == 107.5)[0])
    surface = fit_slices([_quotes()])
    moved = _quotes(j, 0.3)  # 6 half-spreads off: an outlier of the smile
    out = find_stickouts(surface, [moved], StickoutConfig(z_threshold=3.0))
    iv = out.filter(pl.col("signal") == "iv_outlier")
    assert iv["strike"].to_list() == [107.5]
    assert iv["z"][0] > 3.0


def test_smooth_reference_drops_the_corrections() -> None:
    surface = fit_slices([_quotes()])
    smooth = surface.smooth()
    assert all(sm.corr.coef.size == 0 for sm in smooth.slices)
    assert smooth.labels == surface.labels

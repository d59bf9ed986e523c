"""The 30-day model-free index on whole chains: synthetic flat smile, and the SPXW 2018 file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mmdesk.market.chain import OptionChain
from mmdesk.market.instruments import ExerciseStyle
from mmdesk.market.loaders import load_spxw_optopsy
from mmdesk.pricing import black76_price
from mmdesk.surface.vix_chain import vix_series


def flat_chain(vol_near: float, vol_next: float) -> OptionChain:
    qt = np.datetime64("2024-03-01T21:00", "ns")
    k = np.arange(3000.0, 6000.0, 5.0)
    parts = []
    for ex, vol in (("2024-03-22", vol_near), ("2024-04-12", vol_next)):
        t = (np.datetime64(ex) - np.datetime64("2024-03-01")).astype(int) / 365
        for is_call in (True, False):
            px = np.asarray(black76_price(4500.0, k, t, vol, 0.03, is_call))
            bid = np.floor(px / 0.05) * 0.05
            parts.append(
                (np.full(k.size, np.datetime64(ex)), k, np.full(k.size, is_call), bid, bid + 0.1)
            )
    ex, kk, ic, bid, ask = (np.concatenate(x) for x in zip(*parts, strict=True))
    return OptionChain.from_arrays(
        underlying="SPX",
        exercise=ExerciseStyle.EUROPEAN,
        quote_time=qt,
        expiry=ex,
        strike=kk,
        is_call=ic,
        bid=bid,
        ask=ask,
    )


def test_index_of_a_flat_smile_is_its_vol() -> None:
    s = vix_series(flat_chain(0.18, 0.18), rate=0.03)
    assert s.interpolated[0]
    assert s.index[0] == pytest.approx(18.0, rel=5e-3)


def test_index_interpolates_total_variance_between_the_terms() -> None:
    s = vix_series(flat_chain(0.15, 0.25), rate=0.03)
    t1, t2, t30 = s.t_near[0], s.t_next[0], 30 / 365
    expected = 100 * np.sqrt(
        (t1 * s.var_near[0] * (t2 - t30) + t2 * s.var_next[0] * (t30 - t1)) / (t2 - t1) / t30
    )
    assert s.index[0] == pytest.approx(expected, rel=1e-9)
    assert 15.0 < s.index[0] < 25.0


def test_spxw_model_free_vol_per_quote_date(shared_data: Path) -> None:
    # The file holds ONE expiry per quote date (the month-end), so there is no 30-day
    # interpolation: the series is the single term's model-free vol (rate 1.4%, about the
    # 1-month T-bill of early 2018). The 5 Feb 2018 shock must show up: every quote date from
    # 6 to 9 Feb has a higher model-free vol than any January date at least a week from expiry.
    chain, _ = load_spxw_optopsy(shared_data / "spxw_eom_daily_2018-01-02_to_02-28.csv")
    s = vix_series(chain, rate=0.014)
    vol = 100 * np.sqrt(s.var_near)
    days = s.quote_time.astype("datetime64[D]")
    for d, ex, t, v in zip(days, s.near_expiry, s.t_near, vol, strict=True):
        print(f"{d} expiry {ex} t={t * 365:5.1f}d model-free vol {v:6.2f}")
    assert len(s.index) == 38  # 40 dates less the two expiry days (t = 0)
    assert np.all(np.isnan(s.index))  # single term per date: no constant-maturity index
    week = s.t_near >= 7 / 365
    jan = week & (days < np.datetime64("2018-02-01"))
    shock = (days >= np.datetime64("2018-02-06")) & (days <= np.datetime64("2018-02-09"))
    assert vol[shock].min() > vol[jan].max()
    assert np.all((vol[week] > 5.0) & (vol[week] < 60.0))

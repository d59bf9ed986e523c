"""The SPXW walk into expiry: same-day data only, settlement from the expiry date."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mmdesk.analytics.chain_snapshot import chain_snapshot
from mmdesk.analytics.settlement_walk import settlement_walk
from mmdesk.market.chain import OptionChain
from mmdesk.market.loaders import load_spxw_optopsy

SPXW = Path("/work/shared/data/spxw_eom_daily_2018-01-02_to_02-28.csv")
pytestmark = pytest.mark.skipif(not SPXW.exists(), reason="shared SPXW data not present")
DATES = np.array(["2018-01-26", "2018-01-29", "2018-01-30", "2018-01-31"], dtype="M8[D]")


@pytest.fixture(scope="module")
def last_days() -> OptionChain:
    chain, _ = load_spxw_optopsy(SPXW)
    chain = chain.for_expiry("2018-01-31")
    return chain.select(np.isin(chain.quote_date, DATES))


def _walk(chain: OptionChain) -> list:
    return settlement_walk(chain, n_paths=200, n_steps=20, seed=5)


def test_snapshot_reads_spot_and_vols_of_its_own_date(last_days: OptionChain) -> None:
    snap = chain_snapshot(last_days, "2018-01-30")
    assert snap.spot == 2822.46  # the file's SPX close on 2018-01-30
    assert np.all(snap.t > 0.0) and np.all(np.isfinite(snap.vol))
    assert 0.05 < snap.atm_vol(np.datetime64("2018-01-31")) < 0.5
    expired = chain_snapshot(last_days, "2018-01-31")
    assert expired.strike.size == 0 and expired.n_expired > 0


def test_walk_prints_top_strikes_per_date_and_the_settlement(last_days: OptionChain) -> None:
    (walk,) = _walk(last_days)
    assert walk.settlement == 2823.89  # the SPX close on the expiry date
    assert [r.date for r in walk.rows] == list(DATES[:-1])
    for row in walk.rows:
        assert len(row.top_strikes) == 3
        assert list(row.top_probability) == sorted(row.top_probability, reverse=True)
        assert all(abs(k - row.spot) < 0.05 * row.spot for k in row.top_strikes)


def test_walk_rows_do_not_look_ahead(last_days: OptionChain) -> None:
    (base,) = _walk(last_days)
    later = last_days.quote_date > DATES[0]
    rng = np.random.default_rng(0)
    perturbed = replace(
        last_days,
        open_interest=np.where(
            later, rng.integers(0, 50_000, len(last_days)), last_days.open_interest
        ).astype(np.float64),
        underlying_price=np.where(later, 2500.0, last_days.underlying_price),
        bid=np.where(later, last_days.bid * 1.3, last_days.bid),
        ask=np.where(later, last_days.ask * 1.3, last_days.ask),
    )
    (moved,) = _walk(perturbed)
    assert moved.rows[0] == base.rows[0]  # the first date's row is unchanged
    assert moved.rows[1] != base.rows[1]  # later rows did see their own (changed) data
    assert moved.settlement == 2500.0

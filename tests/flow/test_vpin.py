"""VPIN: bulk volume classification into equal-volume buckets (Easley, López de Prado, O'Hara)."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.flow.vpin import bulk_buy_fraction, time_bars, vpin

S = 1_000_000_000


def _tape(rng: np.random.Generator, n: int, drift: float) -> tuple[np.ndarray, ...]:
    ts = np.sort(rng.integers(0, 6 * 3600 * S, n))
    steps = drift + 0.02 * rng.standard_normal(n)
    price = 100.0 + np.cumsum(steps)
    qty = rng.integers(1, 10, n).astype(np.float64) * 100
    return ts, price, qty


def test_bars_sum_volume_and_keep_the_last_price() -> None:
    ts = np.array([0, 10 * S, 70 * S, 200 * S])
    t, p, v = time_bars(ts, np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0, 2.0, 5.0]), 60.0)
    assert v.tolist() == [2.0, 2.0, 5.0]
    assert p.tolist() == [2.0, 3.0, 4.0]
    assert t.tolist() == [60 * S, 120 * S, 240 * S]


def test_bulk_classification_is_half_for_no_change_and_monotone() -> None:
    f = bulk_buy_fraction(np.array([-1.0, 0.0, 1.0, 2.0]))
    assert f[1] == 0.5
    assert np.all(np.diff(f) > 0)


def test_buckets_hold_equal_volume_split_exactly() -> None:
    rng = np.random.default_rng(0)
    ts, price, qty = _tape(rng, 3000, 0.0)
    r = vpin(ts, price, qty, bucket_volume=20_000.0, n_buckets=10)
    assert np.allclose(r.buy + r.sell, 20_000.0)
    assert np.all(r.buy >= 0) and np.all(r.sell >= 0)
    total_after_first_bar = time_bars(ts, price, qty, 60.0)[2][1:].sum()
    assert r.buy.size == int(total_after_first_bar // 20_000.0)
    assert np.all(np.isnan(r.vpin[:9])) and np.all((r.vpin[9:] >= 0) & (r.vpin[9:] <= 1))
    assert np.all(np.diff(r.bucket_end_ns) >= 0)


def test_one_sided_trending_flow_has_higher_vpin_than_balanced_flow() -> None:
    rng = np.random.default_rng(1)
    calm = vpin(*_tape(rng, 3000, 0.0), bucket_volume=20_000.0, n_buckets=10)
    ts, price, qty = _tape(rng, 3000, 0.0)
    # informed flow: every other half hour the price drifts one way, so those bars'
    # volume is classified mostly as buys
    burst = (ts // (1800 * S)) % 2 == 0
    price = 100.0 + np.cumsum(np.where(burst, 0.01, 0.0) + 0.02 * rng.standard_normal(ts.size))
    toxic = vpin(ts, price, qty, bucket_volume=20_000.0, n_buckets=10)
    assert np.nanmean(toxic.vpin) > np.nanmean(calm.vpin)


def test_bad_parameters_name_the_field() -> None:
    with pytest.raises(ValueError, match="bucket_volume"):
        vpin(np.zeros(2, dtype=np.int64), np.ones(2), np.ones(2), bucket_volume=0.0)
    with pytest.raises(ValueError, match="bar_s"):
        time_bars(np.zeros(1, dtype=np.int64), np.ones(1), np.ones(1), 0.0)

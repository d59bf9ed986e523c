"""Order-entry, ack and market-data delays (mmdesk.venue.latency)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from mmdesk.market.events import PUBLIC, empty_events
from mmdesk.venue.config import DelayConfig, LatencyConfig
from mmdesk.venue.latency import DelaySampler, LatencyModel, fifo_arrivals


def test_constant_delay_is_exact_and_ignores_the_generator() -> None:
    s = DelaySampler(DelayConfig(kind="constant", mean_ns=250_000), np.random.default_rng(0))
    assert s.sample(4).tolist() == [250_000] * 4


def test_exponential_delay_has_its_mean_above_the_floor() -> None:
    cfg = DelayConfig(kind="exponential", mean_ns=300_000, floor_ns=100_000)
    x = DelaySampler(cfg, np.random.default_rng(1)).sample(20_000)
    assert x.min() >= 100_000
    se = 200_000 / np.sqrt(x.size)  # sd of an exponential = its mean
    assert abs(x.mean() - 300_000) < 4 * se


def test_lognormal_delay_has_its_median_above_the_floor() -> None:
    cfg = DelayConfig(kind="lognormal", mean_ns=1_100_000, floor_ns=100_000, sigma=0.8)
    x = DelaySampler(cfg, np.random.default_rng(2)).sample(20_000)
    assert x.min() >= 100_000
    frac_below = np.mean(x < 1_100_000)
    assert abs(frac_below - 0.5) < 4 * 0.5 / np.sqrt(x.size)


def test_same_seed_gives_same_delays_and_config_is_validated() -> None:
    cfg = DelayConfig(kind="exponential", mean_ns=5_000)
    a = DelaySampler(cfg, np.random.default_rng(7)).sample(100)
    b = DelaySampler(cfg, np.random.default_rng(7)).sample(100)
    assert (a == b).all()
    with pytest.raises(ValidationError, match="floor_ns"):
        DelayConfig(kind="exponential", mean_ns=10, floor_ns=20)


def test_fifo_path_never_lets_a_message_overtake_an_earlier_one() -> None:
    out = fifo_arrivals([0, 10, 20, 30], [100, 5, 50, 1], last=0)
    assert out.tolist() == [100, 100, 100, 100]
    assert fifo_arrivals([0], [5], last=1_000).tolist() == [1_000]


def test_commands_reach_the_venue_late_and_in_order() -> None:
    cfg = LatencyConfig(order_entry=DelayConfig(kind="exponential", mean_ns=50_000))
    link = LatencyModel(cfg, np.random.default_rng(3))
    sent = np.arange(0, 1_000_000, 1_000)
    arrive = link.to_venue(sent)
    assert (arrive >= sent).all() and (np.diff(arrive) >= 0).all()
    later = link.to_venue([sent[-1]])  # the FIFO state carries over between calls
    assert later[0] >= arrive[-1]
    with pytest.raises(ValueError, match="non-decreasing"):
        link.to_venue([5, 1])


def test_participant_sees_its_private_rows_after_ack_delay_and_public_after_md_delay() -> None:
    cfg = LatencyConfig(
        ack=DelayConfig(kind="constant", mean_ns=40),
        market_data=DelayConfig(kind="constant", mean_ns=700),
    )
    ev = empty_events(4)
    ev["ts_exchange"] = [1_000, 1_000, 2_000, 2_000]
    ev["ts_local"] = ev["ts_exchange"]
    ev["owner"] = [3, PUBLIC, 4, 3]
    seen = LatencyModel(cfg, np.random.default_rng(0)).to_participant(ev, owner=3)
    assert seen["owner"].tolist() == [3, PUBLIC, 3]  # not owner 4's private row
    assert seen["ts_local"].tolist() == [1_040, 1_700, 2_040]
    assert ev["ts_local"].tolist() == [1_000, 1_000, 2_000, 2_000]  # input untouched

"""Latency: order-entry, acknowledgement and market-data delays (int64 ns), seeded.

A participant's link to the venue has three one-way paths:

* **order entry** — participant sends a command at ``ts_send``; the venue
  processes it at ``ts_send + delay`` (the command's ``ts``);
* **ack** — private rows addressed to the participant (ACK, REJECT, CANCEL,
  REPLACE, FILL) reach it at ``ts_exchange + delay``;
* **market data** — public rows (TOP, TRADE) reach it at ``ts_exchange + delay``.

Each path is a FIFO when ``LatencyConfig.preserve_order`` (default): a message
never overtakes an earlier one on the same path, so a sampled delay is raised to
the previous arrival time when needed (as on a TCP session or a sequenced feed).
Random delays come from the injected ``numpy.random.Generator`` only (spawn it
from the run's SeedSequence), never from a global RNG.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mmdesk.market.events import EVENT_DTYPE, PUBLIC
from mmdesk.typing import Int64Array
from mmdesk.venue.config import DelayConfig, LatencyConfig

__all__ = ["DelaySampler", "LatencyModel", "fifo_arrivals"]


class DelaySampler:
    """Draws delays (int64 ns, >= 0) from one :class:`DelayConfig`.

    Parameters
    ----------
    config : DelayConfig
        ``constant``: ``mean_ns``. ``exponential``: ``floor_ns`` + Exp with mean
        ``mean_ns - floor_ns``. ``lognormal``: ``floor_ns`` + lognormal with median
        ``mean_ns - floor_ns`` and log-sd ``sigma``.
    rng : numpy.random.Generator
        The only source of randomness (unused for ``constant``).
    """

    def __init__(self, config: DelayConfig, rng: np.random.Generator) -> None:
        self.config = config
        self.rng = rng

    def sample(self, n: int) -> Int64Array:
        """``n`` delays in ns."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        c = self.config
        if c.kind == "constant":
            return np.full(n, c.mean_ns, dtype=np.int64)
        scale = float(c.mean_ns - c.floor_ns)
        if c.kind == "exponential":
            x = self.rng.exponential(scale, size=n) if scale > 0 else np.zeros(n)
        else:
            x = scale * np.exp(c.sigma * self.rng.standard_normal(n)) if scale > 0 else np.zeros(n)
        return c.floor_ns + np.rint(x).astype(np.int64)


def fifo_arrivals(ts: npt.ArrayLike, delay: npt.ArrayLike, last: int) -> Int64Array:
    """Arrival times of messages sent at ``ts`` (non-decreasing ns) on a FIFO path.

    ``arrival[i] = max(ts[i] + delay[i], arrival[i-1])`` with ``arrival[-1] = last``.
    """
    t = np.asarray(ts, dtype=np.int64)
    raw = t + np.asarray(delay, dtype=np.int64)
    if raw.size == 0:
        return raw
    out: Int64Array = np.maximum.accumulate(np.maximum(raw, np.int64(last)))
    return out


class LatencyModel:
    """One participant's link to the venue: three delay samplers and FIFO state.

    Parameters
    ----------
    config : LatencyConfig
    rng : numpy.random.Generator
        Spawned for this participant's link (one generator per link keeps runs
        reproducible when participants are added).
    """

    def __init__(self, config: LatencyConfig, rng: np.random.Generator) -> None:
        self.config = config
        self.order_entry = DelaySampler(config.order_entry, rng)
        self.ack = DelaySampler(config.ack, rng)
        self.market_data = DelaySampler(config.market_data, rng)
        self._last_entry = np.iinfo(np.int64).min
        self._last_ack = np.iinfo(np.int64).min
        self._last_md = np.iinfo(np.int64).min

    def _arrive(self, ts: Int64Array, delay: Int64Array, path: str) -> Int64Array:
        if not self.config.preserve_order:
            return ts + delay
        attr = f"_last_{path}"
        out = fifo_arrivals(ts, delay, getattr(self, attr))
        if out.size:
            setattr(self, attr, int(out[-1]))
        return out

    def to_venue(self, ts_send: npt.ArrayLike) -> Int64Array:
        """Venue processing times (ns) of commands sent at ``ts_send`` (non-decreasing)."""
        ts = np.asarray(ts_send, dtype=np.int64)
        if ts.size > 1 and np.any(np.diff(ts) < 0):
            raise ValueError("ts_send must be non-decreasing")
        return self._arrive(ts, self.order_entry.sample(ts.size), "entry")

    def to_participant(self, events: npt.NDArray[np.void], owner: int) -> npt.NDArray[np.void]:
        """The rows ``owner`` receives (its private rows and all public rows), ``ts_local`` set.

        Private rows get ack delays, public rows market-data delays, each path FIFO.
        Returns a new array in venue order (``seq``); ``ts_local`` may then be
        non-monotonic between the two paths, as on a real desk with two feeds.
        """
        if events.dtype != EVENT_DTYPE:
            raise ValueError(f"events must have EVENT_DTYPE, got dtype {events.dtype}")
        mine = events[(events["owner"] == owner) | (events["owner"] == PUBLIC)].copy()
        private = mine["owner"] == owner
        for mask, sampler, path in (
            (private, self.ack, "ack"),
            (~private, self.market_data, "md"),
        ):
            ts = mine["ts_exchange"][mask]
            mine["ts_local"][mask] = self._arrive(ts, sampler.sample(ts.size), path)
        return mine

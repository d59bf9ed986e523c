"""Noise / retail flow: random side, small size, mostly short-dated near-the-money options.

Each noise tag is an independent Poisson stream (rate scaled by the intraday
activity profile). An arrival picks an option with weights favouring near-the-
money, short-dated series (:func:`~mmdesk.flow.agents.base.moneyness_weights`)
— or, with probability ``underlying_share``, the underlying — a side at random,
and a small size, and crosses the spread with an IOC at the touch. Arrivals
inside one timer period are sent together at the timer (batching is what keeps
a simulated day fast).
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.flow.agents._draws import noise_orders
from mmdesk.flow.agents.base import ioc_orders, poisson_counts, weighted_choice
from mmdesk.flow.agents.group import TimedAgentGroup
from mmdesk.flow.agents.tags import AgentKind
from mmdesk.typing import Int64Array
from mmdesk.venue.participant import ORDER_DTYPE, Commands, MarketView

_NO_ORDERS = np.zeros(0, dtype=ORDER_DTYPE)


class NoiseConfig(BaseModel):
    """Noise / retail traders.

    Attributes
    ----------
    n_tags
        Number of independent noise tags.
    rate_per_s
        Average orders per second per tag.
    max_size
        Option sizes are uniform in 1..max_size contracts.
    underlying_share
        Probability an order is in the underlying instead of an option.
    underlying_lot
        Underlying orders are ``lot × (1..max_size)`` shares.
    width_sd
        Moneyness preference: width of the strike weights in standard deviations.
    tau_scale_days
        Expiry preference: weights fall by e for every this many days of extra life.
    timer_ms
        Period of the agent's batch timer, ms.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_tags: int = Field(default=5, ge=0, le=99)
    rate_per_s: float = Field(default=0.04, ge=0.0)
    max_size: int = Field(default=10, ge=1)
    underlying_share: float = Field(default=0.1, ge=0.0, le=1.0)
    underlying_lot: int = Field(default=100, ge=1)
    width_sd: float = Field(default=1.0, gt=0.0)
    tau_scale_days: float = Field(default=7.0, gt=0.0)
    timer_ms: int = Field(default=5000, ge=1)


class NoiseAgents(TimedAgentGroup):
    """A group of noise tags (one venue owner each) sharing one timer."""

    kind = AgentKind.NOISE

    config: NoiseConfig

    def on_timer(self, now_ns: int) -> Commands | None:
        """Send this period's arrivals as IOC orders at the touch."""
        cfg, view = self.config, self.view
        if view is None or cfg.n_tags == 0:
            return None
        counts = poisson_counts(
            self.rng,
            cfg.rate_per_s,
            self.timer_ns / 1e9,
            cfg.n_tags,
            self.ctx.oracle.activity(now_ns),
        )
        n = sum(counts.tolist())
        if n == 0:
            return None
        owner = np.repeat(self.owner_ids, counts)
        return Commands(orders=self._orders(now_ns, view, owner, n))

    def _orders(self, now_ns: int, view: MarketView, owner: Int64Array, n: int) -> np.ndarray:
        """The arrivals as IOC rows at the touch (the draws of :meth:`_orders_numpy`)."""
        cfg, ctx, rng = self.config, self.ctx, self.rng
        spot = view.mid_at(0)
        if not math.isfinite(spot):
            spot = ctx.oracle.fair_value(now_ns)
        _, live, _ = ctx.tau_live(now_ns)
        w, s = ctx.raw_choice_weights(
            now_ns, spot, self.vol_guess, cfg.width_sd, cfg.tau_scale_days / 365.0, live
        )
        u = rng.random(3 * n)  # underlying-or-option, option choice, side
        size = rng.integers(1, cfg.max_size + 1, size=n)
        return noise_orders(
            w, s, u, size, owner, ctx.listing.instrument, view.bid, view.ask,
            cfg.underlying_share, cfg.underlying_lot, _NO_ORDERS,
        )  # fmt: skip

    def _orders_numpy(self, now_ns: int, view: MarketView, owner: Int64Array, n: int) -> np.ndarray:
        """The readable numpy version of :meth:`_orders` (same draws, same rows)."""
        cfg, lst, rng = self.config, self.ctx.listing, self.rng
        spot = view.mid_at(0)
        if not math.isfinite(spot):
            spot = self.ctx.oracle.fair_value(now_ns)
        _, live, _ = self.ctx.tau_live(now_ns)
        w = self.ctx.choice_weights(
            now_ns, spot, self.vol_guess, cfg.width_sd, cfg.tau_scale_days / 365.0, live
        )
        is_und = rng.random(n) < cfg.underlying_share
        opt = weighted_choice(rng, w, n)
        instrument = np.where(is_und, 0, lst.instrument[opt])
        side = np.where(rng.random(n) < 0.5, 1, -1)
        size = rng.integers(1, cfg.max_size + 1, size=n)
        qty = np.where(is_und, size * cfg.underlying_lot, size)
        price = np.where(side > 0, view.ask[instrument], view.bid[instrument])
        return ioc_orders(price > 0, instrument, side, price, qty, owner)

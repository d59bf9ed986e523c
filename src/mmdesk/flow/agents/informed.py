"""Informed directional flow: trades in the direction of the fair value's future move.

At each arrival the agent observes a noisy signal of the exogenous fair value's
log return over the next ``horizon_s`` seconds,

    signal = r + sqrt(1/quality**2 - 1) * sd(r) * z,    corr(signal, r) = quality,

with ``sd(r)`` the return's standard deviation under ``vol_guess``. If
``|signal| > threshold_sd * sd(r)`` it buys (signal > 0) or sells: the
underlying with probability ``underlying_share``, else calls when bullish and
puts when bearish (buying), near the money in short expiries, with an IOC at
the touch.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.flow.agents._draws import informed_orders
from mmdesk.flow.agents.base import ioc_orders, poisson_counts, weighted_choice
from mmdesk.flow.agents.group import TimedAgentGroup
from mmdesk.flow.agents.tags import AgentKind
from mmdesk.typing import Int64Array
from mmdesk.venue.participant import ORDER_DTYPE, Commands

_NS_PER_S = 1_000_000_000
_NO_ORDERS = np.zeros(0, dtype=ORDER_DTYPE)


class InformedConfig(BaseModel):
    """Informed directional traders.

    Attributes
    ----------
    n_tags
        Number of informed tags.
    rate_per_s
        Average arrivals per second per tag (an arrival may decide not to trade).
    horizon_s
        Horizon of the fair-value move they foresee, seconds.
    quality
        Correlation between their signal and the true move, in (0, 1].
    threshold_sd
        They trade only when ``|signal|`` exceeds this many return sd.
    max_size
        Option sizes uniform in 1..max_size contracts.
    underlying_share
        Probability of trading the underlying instead of an option.
    underlying_lot
        Shares per unit of size in the underlying.
    width_sd, tau_scale_days
        Option choice preferences (see :func:`~mmdesk.flow.agents.base.moneyness_weights`).
    timer_ms
        Batch timer period, ms.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_tags: int = Field(default=3, ge=0, le=99)
    rate_per_s: float = Field(default=0.02, ge=0.0)
    horizon_s: float = Field(default=600.0, gt=0.0)
    quality: float = Field(default=0.7, gt=0.0, le=1.0)
    threshold_sd: float = Field(default=0.5, ge=0.0)
    max_size: int = Field(default=20, ge=1)
    underlying_share: float = Field(default=0.3, ge=0.0, le=1.0)
    underlying_lot: int = Field(default=100, ge=1)
    width_sd: float = Field(default=0.7, gt=0.0)
    tau_scale_days: float = Field(default=5.0, gt=0.0)
    timer_ms: int = Field(default=5000, ge=1)


class InformedAgents(TimedAgentGroup):
    """A group of informed directional tags sharing one timer."""

    kind = AgentKind.INFORMED

    config: InformedConfig

    def _arrivals(self, now_ns: int) -> tuple[Int64Array, int, float, float, float] | None:
        """This period's arrivals per tag and their count, the fair value's log return
        over the horizon, its standard deviation and the signal noise's (None if none)."""
        cfg = self.config
        if self.view is None or cfg.n_tags == 0:
            return None
        oracle = self.ctx.oracle
        counts = poisson_counts(
            self.rng, cfg.rate_per_s, self.timer_ns / 1e9, cfg.n_tags, oracle.activity(now_ns)
        )
        n = sum(counts.tolist())
        if n == 0:
            return None
        r = oracle.future_log_return(now_ns, int(cfg.horizon_s * _NS_PER_S))
        sd = self.vol_guess * math.sqrt(cfg.horizon_s / (252.0 * 23_400.0))
        noise_sd = math.sqrt(max(1.0 / cfg.quality**2 - 1.0, 0.0)) * sd
        return counts, n, r, sd, noise_sd

    def on_timer(self, now_ns: int) -> Commands | None:
        """Trade this period's arrivals whose signal is strong enough."""
        cfg, view, rng = self.config, self.view, self.rng
        arrivals = self._arrivals(now_ns)
        if view is None or arrivals is None:
            return None
        counts, n, r, sd, noise_sd = arrivals
        oracle = self.ctx.oracle
        z = rng.standard_normal(n)
        owner = np.repeat(self.owner_ids, counts)
        ctx = self.ctx
        lst = ctx.listing
        spot = oracle.fair_value(now_ns) if not view.bid[0] > 0 else view.mid_at(0)
        _, live, _ = ctx.tau_live(now_ns)
        scale = cfg.tau_scale_days / 365.0
        w_call, s_call = ctx.raw_choice_weights(
            now_ns, spot, self.vol_guess, cfg.width_sd, scale, live & lst.is_call
        )
        w_put, s_put = ctx.raw_choice_weights(
            now_ns, spot, self.vol_guess, cfg.width_sd, scale, live & ~lst.is_call
        )
        u = rng.random(3 * n)  # call choice, put choice, underlying-or-option
        size = rng.integers(1, cfg.max_size + 1, size=n)
        orders = informed_orders(
            w_call, s_call, w_put, s_put, r, noise_sd, cfg.threshold_sd * sd, z, u, size, owner,
            lst.instrument, view.bid, view.ask, cfg.underlying_share, cfg.underlying_lot,
            _NO_ORDERS,
        )  # fmt: skip
        if orders.shape[0] == 0:
            return None
        return Commands(orders=orders)

    def on_timer_numpy(self, now_ns: int) -> Commands | None:
        """The readable numpy version of :meth:`on_timer` (same draws, same rows)."""
        cfg, view, rng = self.config, self.view, self.rng
        arrivals = self._arrivals(now_ns)
        if view is None or arrivals is None:
            return None
        counts, n, r, sd, noise_sd = arrivals
        oracle = self.ctx.oracle
        signal = r + noise_sd * rng.standard_normal(n)
        trade = np.abs(signal) > cfg.threshold_sd * sd
        side = np.where(signal > 0, 1, -1)
        owner = np.repeat(self.owner_ids, counts)

        lst = self.ctx.listing
        spot = oracle.fair_value(now_ns) if not view.bid[0] > 0 else view.mid_at(0)
        _, live, _ = self.ctx.tau_live(now_ns)
        scale = cfg.tau_scale_days / 365.0
        w_call = self.ctx.choice_weights(
            now_ns, spot, self.vol_guess, cfg.width_sd, scale, live & lst.is_call
        )
        w_put = self.ctx.choice_weights(
            now_ns, spot, self.vol_guess, cfg.width_sd, scale, live & ~lst.is_call
        )
        calls = weighted_choice(rng, w_call, n)
        puts = weighted_choice(rng, w_put, n)
        is_und = rng.random(n) < cfg.underlying_share
        size = rng.integers(1, cfg.max_size + 1, size=n)
        # bullish: buy underlying / buy calls; bearish: sell underlying / buy puts
        opt = np.where(side > 0, calls, puts)
        instrument = np.where(is_und, 0, lst.instrument[opt])
        order_side = np.where(is_und, side, 1)
        qty = np.where(is_und, size * cfg.underlying_lot, size)
        price = np.where(order_side > 0, view.ask[instrument], view.bid[instrument])
        ok = trade & (price > 0)
        if not ok.any():
            return None
        return Commands(orders=ioc_orders(ok, instrument, order_side, price, qty, owner))

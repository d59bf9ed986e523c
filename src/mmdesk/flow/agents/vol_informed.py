"""Vol-informed flow: knows the future realised vol; buys cheap options, sells rich ones.

At each arrival the agent learns the realised vol of the exogenous fair value
over the next ``horizon_s`` seconds (annualised in variance time), blurred by a
multiplicative error ``exp(vol_error * z)``: its *vol view* ``sigma_v``. It
picks a near-the-money option (weights favour longer expiries, where vega is)
and values it at ``sigma_v`` with Black–Scholes at the current fair value. If
the ask is below that value by more than ``min_edge_vega`` × vega (i.e. the
ask's implied vol is more than ``min_edge_vega`` below ``sigma_v``), it lifts
the ask; if the bid is above by as much (implied above its view), it hits the
bid. Comparing prices is the same as comparing implied vols (price is
increasing in vol) and needs no implied-vol solve.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.flow.agents.base import bs_vega, ioc_orders, poisson_counts, weighted_choice
from mmdesk.flow.agents.group import TimedAgentGroup
from mmdesk.flow.agents.tags import AgentKind
from mmdesk.pricing.black import bs_price_kernel
from mmdesk.venue.participant import Commands

_NS_PER_S = 1_000_000_000


class VolInformedConfig(BaseModel):
    """Vol-informed traders.

    Attributes
    ----------
    n_tags
        Number of vol-informed tags.
    rate_per_s
        Average arrivals per second per tag.
    horizon_s
        Window of future realised vol they know, seconds (of the session clock).
    vol_error
        Log-sd of their realised-vol estimate (0 = perfect).
    min_edge_vega
        Minimum edge to trade, in vol (0.01 = one vol point) times vega.
    max_size
        Sizes uniform in 1..max_size contracts.
    width_sd, tau_scale_days
        Option choice (negative ``tau_scale_days`` favours longer expiries).
    timer_ms
        Batch timer period, ms.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_tags: int = Field(default=3, ge=0, le=99)
    rate_per_s: float = Field(default=0.02, ge=0.0)
    horizon_s: float = Field(default=23_400.0, gt=0.0)
    vol_error: float = Field(default=0.05, ge=0.0)
    min_edge_vega: float = Field(default=0.01, ge=0.0)
    max_size: int = Field(default=20, ge=1)
    width_sd: float = Field(default=1.0, gt=0.0)
    tau_scale_days: float = Field(default=-30.0)
    timer_ms: int = Field(default=5000, ge=1)


class VolInformedAgents(TimedAgentGroup):
    """A group of vol-informed tags sharing one timer."""

    kind = AgentKind.VOL_INFORMED

    config: VolInformedConfig

    def on_timer(self, now_ns: int) -> Commands | None:
        """Trade this period's arrivals where the book's price disagrees with the vol view."""
        cfg, view, rng, ctx = self.config, self.view, self.rng, self.ctx
        if view is None or cfg.n_tags == 0:
            return None
        oracle = ctx.oracle
        counts = poisson_counts(
            rng, cfg.rate_per_s, self.timer_ns / 1e9, cfg.n_tags, oracle.activity(now_ns)
        )
        n = int(counts.sum())
        if n == 0:
            return None
        owner = np.repeat(self.owner_ids, counts)
        sigma = oracle.realised_vol(now_ns, int(cfg.horizon_s * _NS_PER_S))
        sigma_v = sigma * np.exp(cfg.vol_error * rng.standard_normal(n))
        lst = ctx.listing
        spot = oracle.fair_value(now_ns)
        tau, live, _ = ctx.tau_live(now_ns)
        w = ctx.choice_weights(
            now_ns, spot, self.vol_guess, cfg.width_sd, cfg.tau_scale_days / 365.0, live
        )
        opt = weighted_choice(rng, w, n)
        k, t, c = lst.strike[opt], tau[opt], lst.is_call[opt]
        value = np.empty(n)  # bs_price's own serial kernel, without its broadcasting layer
        bs_price_kernel(
            np.full(n, spot), k, t, sigma_v, np.full(n, ctx.rate), np.full(n, ctx.div_yield), c,
            value,
        )  # fmt: skip
        edge = cfg.min_edge_vega * bs_vega(spot, k, t, sigma_v, ctx.rate, ctx.div_yield)
        inst = lst.instrument[opt]
        unit = ctx.price_unit
        ask = view.ask[inst]
        bid = view.bid[inst]
        buy = (ask > 0) & (ask * unit < value - edge)
        sell = (bid > 0) & (bid * unit > value + edge) & ~buy
        ok = buy | sell
        if not ok.any():
            return None
        side = np.where(buy, 1, -1)
        price = np.where(buy, ask, bid)
        qty = rng.integers(1, cfg.max_size + 1, size=n)
        return Commands(orders=ioc_orders(ok, inst, side, price, qty, owner))

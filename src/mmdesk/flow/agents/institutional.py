"""Institutional blocks through RFQs: ask market makers for a two-sided price, trade or walk.

Each institutional tag sends RFQs as a Poisson stream. An RFQ names an option
(near the money, any expiry) and a block size; the side stays private. When the
answers are in, the institution trades at the best price on its side if that
price is within ``max_cost_frac`` of the screen mid (relative to the mid, with
a floor of ``min_cost`` currency), else it walks. Their side is random: block
flow is uninformed by design (a hedger or an asset manager rebalancing).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.flow.agents.base import AgentContext, poisson_counts, weighted_choice
from mmdesk.flow.agents.tags import AgentKind, tags_for
from mmdesk.venue.participant import (
    RFQ_DTYPE,
    Commands,
    MarketView,
    ParticipantBase,
    RfqQuotes,
)


class InstitutionalConfig(BaseModel):
    """Institutional block traders using RFQs.

    Attributes
    ----------
    n_tags
        Number of institutional tags.
    rate_per_s
        RFQs per second per tag.
    min_size, max_size
        Block size range, contracts (uniform).
    max_cost_frac
        Walk if the best price is further than this fraction of the mid from it.
    min_cost
        ... or than this many currency units, whichever is larger.
    width_sd, tau_scale_days
        Option choice preferences.
    timer_ms
        Batch timer period, ms.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_tags: int = Field(default=2, ge=0, le=99)
    rate_per_s: float = Field(default=1.0 / 600.0, ge=0.0)
    min_size: int = Field(default=50, ge=1)
    max_size: int = Field(default=300, ge=1)
    max_cost_frac: float = Field(default=0.10, ge=0.0)
    min_cost: float = Field(default=0.10, ge=0.0)
    width_sd: float = Field(default=1.5, gt=0.0)
    tau_scale_days: float = Field(default=30.0, gt=0.0)
    timer_ms: int = Field(default=5000, ge=1)


class InstitutionalAgents(ParticipantBase):
    """A group of institutional tags sending RFQs."""

    kind = AgentKind.INSTITUTIONAL

    def __init__(
        self,
        config: InstitutionalConfig,
        context: AgentContext,
        participant_ids: tuple[int, ...],
        rng: np.random.Generator,
        vol_guess: float = 0.2,
    ) -> None:
        if len(participant_ids) != config.n_tags:
            raise ValueError(
                f"InstitutionalAgents: {len(participant_ids)} participant_ids for "
                f"n_tags={config.n_tags}"
            )
        if config.max_size < config.min_size:
            raise ValueError(
                f"InstitutionalConfig: max_size={config.max_size} < min_size={config.min_size}"
            )
        self.config = config
        self.ctx = context
        self.participant_ids = tuple(participant_ids)
        self.tags = tags_for(AgentKind.INSTITUTIONAL, config.n_tags)
        self.timer_ns = config.timer_ms * 1_000_000
        self.rng = rng
        self.vol_guess = vol_guess
        self.view: MarketView | None = None
        #: private side of each RFQ in flight, keyed by (owner, instrument, qty) in send order
        self._pending: list[tuple[int, int, int, int]] = []
        self.walked = 0
        self.traded = 0

    def on_market_data(self, view: MarketView) -> None:
        """Keep the latest top of book."""
        self.view = view

    def on_timer(self, now_ns: int) -> Commands | None:
        """Send this period's RFQs."""
        cfg, rng, ctx = self.config, self.rng, self.ctx
        if cfg.n_tags == 0:
            return None
        counts = poisson_counts(
            rng, cfg.rate_per_s, self.timer_ns / 1e9, cfg.n_tags, ctx.oracle.activity(now_ns)
        )
        n = int(counts.sum())
        if n == 0:
            return None
        lst = ctx.listing
        spot = ctx.oracle.fair_value(now_ns)
        w = ctx.choice_weights(
            now_ns, spot, self.vol_guess, cfg.width_sd, cfg.tau_scale_days / 365.0,
            ctx.tau_live(now_ns)[1],
        )  # fmt: skip
        opt = weighted_choice(rng, w, n)
        rfqs = np.zeros(n, dtype=RFQ_DTYPE)
        rfqs["owner"] = np.repeat(np.asarray(self.participant_ids, dtype=np.int64), counts)
        rfqs["instrument"] = lst.instrument[opt]
        rfqs["qty"] = rng.integers(cfg.min_size, cfg.max_size + 1, size=n)
        sides = np.where(rng.random(n) < 0.5, 1, -1)
        for r, s in zip(rfqs, sides, strict=True):
            self._pending.append((int(r["owner"]), int(r["instrument"]), int(r["qty"]), int(s)))
        return Commands(rfqs=rfqs)

    def side_of(self, owner: int, instrument: int, qty: int) -> int:
        """Pop the private side of the oldest pending RFQ with these fields (0 if unknown)."""
        for j, (o, i, q, s) in enumerate(self._pending):
            if (o, i, q) == (owner, instrument, qty):
                del self._pending[j]
                return s
        return 0

    def on_rfq_quotes(self, quotes: RfqQuotes) -> int:
        """Trade on the private side if the best price there is acceptable (±1), else walk (0)."""
        side = self.side_of(quotes.owner, quotes.instrument, quotes.qty)
        if side == 0:
            return 0
        return self.decide(side, quotes, quotes.instrument)

    def decide(self, side: int, quotes: RfqQuotes, instrument: int) -> int:
        """Trade (return ``side``) if the best price on that side is acceptable, else 0."""
        view, cfg = self.view, self.config
        price = quotes.best_ask if side > 0 else quotes.best_bid
        if price <= 0:
            self.walked += 1
            return 0
        if view is None or view.bid[instrument] <= 0 or view.ask[instrument] <= 0:
            self.walked += 1
            return 0
        unit = view.price_unit
        mid = 0.5 * (view.bid[instrument] + view.ask[instrument]) * unit
        cost = side * (price * unit - mid)
        if cost > max(cfg.max_cost_frac * mid, cfg.min_cost):
            self.walked += 1
            return 0
        self.traded += 1
        return side

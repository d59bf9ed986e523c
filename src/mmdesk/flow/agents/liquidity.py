"""Liquidity providers in the underlying: a ladder of quotes around the latent fair value.

Provider ``j`` (one venue owner each) quotes one bid and one ask at
``fair ∓ (half_spread_ticks + j * level_step_ticks)`` ticks with
``size * (1 + j)`` shares, rounded away from fair onto the grid, and requotes on
its timer. They know the latent fair value (they *are* the market's price
discovery); price impact moves that value, so it moves their quotes.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.flow.agents._kernels import lp_quote_rows
from mmdesk.flow.agents.base import AgentContext
from mmdesk.flow.agents.tags import AgentKind, tags_for
from mmdesk.venue.participant import QUOTE_DTYPE, Commands, MarketView, ParticipantBase


class LiquidityProviderConfig(BaseModel):
    """Underlying liquidity providers.

    Attributes
    ----------
    n_providers
        Number of providers (= book levels a side).
    half_spread_ticks
        Distance of the best level from fair value, underlying ticks.
    level_step_ticks
        Extra distance of each further provider, ticks.
    size
        Shares at the best level (level j shows ``size * (1 + j)``).
    timer_ms
        Requote period, ms.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_providers: int = Field(default=5, ge=0, le=99)
    half_spread_ticks: float = Field(default=1.0, ge=0.5)
    level_step_ticks: float = Field(default=1.0, ge=0.0)
    size: int = Field(default=500, ge=1)
    timer_ms: int = Field(default=5000, ge=1)


class LiquidityProviders(ParticipantBase):
    """The underlying's liquidity providers, requoting together."""

    kind = AgentKind.LIQUIDITY_PROVIDER

    def __init__(
        self,
        config: LiquidityProviderConfig,
        context: AgentContext,
        participant_ids: tuple[int, ...],
    ) -> None:
        if len(participant_ids) != config.n_providers:
            raise ValueError(
                f"LiquidityProviders: {len(participant_ids)} participant_ids for "
                f"n_providers={config.n_providers}"
            )
        self.config = config
        self.ctx = context
        self.participant_ids = tuple(participant_ids)
        self.tags = tags_for(AgentKind.LIQUIDITY_PROVIDER, config.n_providers)
        self.timer_ns = config.timer_ms * 1_000_000
        j = np.arange(config.n_providers, dtype=np.float64)
        self._offset_ticks = config.half_spread_ticks + j * config.level_step_ticks
        self._size = (config.size * (1 + j)).astype(np.int64)
        self._ids = np.asarray(self.participant_ids, dtype=np.int64)
        self._step = float(context.underlying_ticks.steps[0])
        self.view: MarketView | None = None

    def on_market_data(self, view: MarketView) -> Commands | None:
        """Keep the latest top of book."""
        self.view = view
        return None

    def on_timer(self, now_ns: int) -> Commands | None:
        """Requote the ladder around the current fair value."""
        if self.config.n_providers == 0:
            return None
        fair = self.ctx.oracle.fair_value(now_ns)
        ticks = self.ctx.underlying_ticks
        view = self.view
        view_bid, view_ask = (int(view.bid[0]), int(view.ask[0])) if view is not None else (-1, -1)
        quotes = np.zeros(self.config.n_providers, dtype=QUOTE_DTYPE)
        # never crosses the resting book (other providers' stale quotes): see the kernel
        lp_quote_rows(
            fair / self.ctx.price_unit, self._offset_ticks, self._step, self._size, self._ids,
            view_bid, view_ask, ticks.starts, ticks.steps, ticks.nbands, quotes,
        )  # fmt: skip
        return Commands(quotes=quotes)

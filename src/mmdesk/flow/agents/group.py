"""A group of agent tags that trade on one batch timer (noise, informed, vol-informed)."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

import numpy as np

from mmdesk.flow.agents.base import AgentContext
from mmdesk.flow.agents.tags import AgentKind, tags_for
from mmdesk.venue.participant import Commands, MarketView, ParticipantBase


class GroupConfig(Protocol):
    """What every timer-driven group's config has."""

    @property
    def n_tags(self) -> int:
        """Number of tags (venue owners) in the group."""
        ...

    @property
    def timer_ms(self) -> int:
        """Batch timer period, ms."""
        ...


class TimedAgentGroup(ParticipantBase):
    """Tags of one agent kind, one venue owner each, acting together on a timer.

    Subclasses set ``kind`` and implement ``on_timer``; the latest top of book
    is kept in ``view``.
    """

    kind: ClassVar[AgentKind]
    config: Any

    def __init__(
        self,
        config: GroupConfig,
        context: AgentContext,
        participant_ids: tuple[int, ...],
        rng: np.random.Generator,
        vol_guess: float = 0.2,
    ) -> None:
        if len(participant_ids) != config.n_tags:
            raise ValueError(
                f"{type(self).__name__}: {len(participant_ids)} participant_ids for "
                f"n_tags={config.n_tags}"
            )
        self.config = config
        self.ctx = context
        self.participant_ids = tuple(participant_ids)
        #: the venue owner ids as an int64 array
        self.owner_ids = np.asarray(self.participant_ids, dtype=np.int64)
        self.tags = tags_for(self.kind, config.n_tags)
        self.timer_ns = config.timer_ms * 1_000_000
        self.rng = rng
        self.vol_guess = vol_guess
        self.view: MarketView | None = None

    def on_market_data(self, view: MarketView) -> Commands | None:
        """Keep the latest top of book."""
        self.view = view
        return None

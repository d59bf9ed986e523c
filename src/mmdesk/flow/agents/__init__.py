"""External flow agents of the simulated venue, each trading under counterparty tags.

Noise/retail, informed directional, vol-informed, institutional RFQ blocks,
competing option market makers and underlying liquidity providers. Each kind
is a *group* participant (one Python object, one venue owner per tag) that acts
in batches on a timer, vectorised over options. See ``docs/simulation.md``.
"""

from mmdesk.flow.agents.informed import InformedAgents, InformedConfig
from mmdesk.flow.agents.institutional import InstitutionalAgents, InstitutionalConfig
from mmdesk.flow.agents.liquidity import LiquidityProviderConfig, LiquidityProviders
from mmdesk.flow.agents.market_makers import MarketMakerConfig, MarketMakers
from mmdesk.flow.agents.noise import NoiseAgents, NoiseConfig
from mmdesk.flow.agents.tags import (
    DUMB_KINDS,
    SMART_KINDS,
    TAG_DESK,
    TAG_UNKNOWN,
    AgentKind,
    kind_of_tag,
    kinds_of_tags,
    tags_for,
)
from mmdesk.flow.agents.vol_informed import VolInformedAgents, VolInformedConfig

__all__ = [
    "DUMB_KINDS",
    "SMART_KINDS",
    "TAG_DESK",
    "TAG_UNKNOWN",
    "AgentKind",
    "InformedAgents",
    "InformedConfig",
    "InstitutionalAgents",
    "InstitutionalConfig",
    "LiquidityProviderConfig",
    "LiquidityProviders",
    "MarketMakerConfig",
    "MarketMakers",
    "NoiseAgents",
    "NoiseConfig",
    "VolInformedAgents",
    "VolInformedConfig",
    "kind_of_tag",
    "kinds_of_tags",
    "tags_for",
]

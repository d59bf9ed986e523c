"""Delta-hedging policies and their no-trade bands."""

from mmdesk.hedging.bands import whalley_wilmott_half_width, zakamouline_band
from mmdesk.hedging.policy import (
    FixedBandConfig,
    FixedIntervalConfig,
    HedgeConfig,
    HedgeInputs,
    HedgePolicy,
    WhalleyWilmottConfig,
    ZakamoulineConfig,
    trade_to_band,
)

__all__ = [
    "FixedBandConfig",
    "FixedIntervalConfig",
    "HedgeConfig",
    "HedgeInputs",
    "HedgePolicy",
    "WhalleyWilmottConfig",
    "ZakamoulineConfig",
    "trade_to_band",
    "whalley_wilmott_half_width",
    "zakamouline_band",
]

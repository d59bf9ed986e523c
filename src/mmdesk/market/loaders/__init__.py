"""Vendor option-chain loaders: each returns ``(OptionChain, DataQualityReport)``."""

from mmdesk.market.loaders.auto import load_chain
from mmdesk.market.loaders.optopsy import load_spxw_optopsy
from mmdesk.market.loaders.report import (
    ChainLoadError,
    DataQualityReport,
    DirtAction,
    DirtEntry,
    DirtKind,
)
from mmdesk.market.loaders.yahoo import load_yahoo_chain

__all__ = [
    "ChainLoadError",
    "DataQualityReport",
    "DirtAction",
    "DirtEntry",
    "DirtKind",
    "load_chain",
    "load_spxw_optopsy",
    "load_yahoo_chain",
]

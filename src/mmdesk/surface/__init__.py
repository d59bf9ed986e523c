"""Implied forwards, smile and surface fits, arbitrage checks, stickouts, model-free variance."""

from mmdesk.surface.deamericanise import DeAmericanised, de_americanise
from mmdesk.surface.forward import ForwardFit, ForwardTable, implied_forward, implied_forwards
from mmdesk.surface.vix import MFVResult, model_free_variance, vix_index
from mmdesk.surface.vix_chain import VixSeries, vix_series

__all__ = [
    "DeAmericanised",
    "ForwardFit",
    "ForwardTable",
    "MFVResult",
    "VixSeries",
    "de_americanise",
    "implied_forward",
    "implied_forwards",
    "model_free_variance",
    "vix_index",
    "vix_series",
]

"""Implied forwards, smile and surface fits, arbitrage checks, stickouts, model-free variance."""

from mmdesk.surface.arbitrage import ArbitrageReport, durrleman_g
from mmdesk.surface.chain_fit import fit_surface
from mmdesk.surface.deamericanise import DeAmericanised, de_americanise
from mmdesk.surface.fit import FittedSurface, SliceModel, SurfaceFitConfig, fit_slices
from mmdesk.surface.forward import ForwardFit, ForwardTable, implied_forward, implied_forwards
from mmdesk.surface.ssvi import SSVIParams, fit_ssvi
from mmdesk.surface.stickouts import StickoutConfig, find_stickouts
from mmdesk.surface.svi import SVIParams, calibrate_svi, svi_total_variance
from mmdesk.surface.vix import MFVResult, model_free_variance, vix_index
from mmdesk.surface.vix_chain import VixSeries, vix_series

__all__ = [
    "ArbitrageReport",
    "DeAmericanised",
    "FittedSurface",
    "ForwardFit",
    "ForwardTable",
    "MFVResult",
    "SSVIParams",
    "SVIParams",
    "SliceModel",
    "StickoutConfig",
    "SurfaceFitConfig",
    "VixSeries",
    "calibrate_svi",
    "de_americanise",
    "durrleman_g",
    "find_stickouts",
    "fit_slices",
    "fit_ssvi",
    "fit_surface",
    "implied_forward",
    "implied_forwards",
    "model_free_variance",
    "svi_total_variance",
    "vix_index",
    "vix_series",
]

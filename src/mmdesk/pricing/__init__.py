"""Prices, greeks and implied vols: array-first numeric kernels (numpy/numba only)."""

from mmdesk.pricing.american import (
    AmericanMethod,
    american_greeks,
    american_implied_vol,
    american_implied_vol_with_reason,
    american_price,
)
from mmdesk.pricing.black import black76_price, bs_price
from mmdesk.pricing.greeks import (
    Greeks,
    bs_greeks,
    charm_per_day,
    rho_per_basis_point,
    theta_per_day,
    vanna_per_vol_point,
    vega_per_vol_point,
    volga_per_vol_point,
)
from mmdesk.pricing.implied_vol import (
    black76_implied_vol,
    black76_implied_vol_with_reason,
    implied_vol,
    implied_vol_with_reason,
)
from mmdesk.pricing.iv_reason import IVReason
from mmdesk.pricing.normal import norm_cdf, norm_pdf
from mmdesk.pricing.normalised_black import normalised_black, normalised_vega

__all__ = [
    "AmericanMethod",
    "Greeks",
    "IVReason",
    "american_greeks",
    "american_implied_vol",
    "american_implied_vol_with_reason",
    "american_price",
    "black76_implied_vol",
    "black76_implied_vol_with_reason",
    "black76_price",
    "bs_greeks",
    "bs_price",
    "charm_per_day",
    "implied_vol",
    "implied_vol_with_reason",
    "norm_cdf",
    "norm_pdf",
    "normalised_black",
    "normalised_vega",
    "rho_per_basis_point",
    "theta_per_day",
    "vanna_per_vol_point",
    "vega_per_vol_point",
    "volga_per_vol_point",
]

"""Prices, greeks and implied vols: array-first numeric kernels (numpy/numba only)."""

from mmdesk.pricing.black import black76_price, bs_price
from mmdesk.pricing.normal import norm_cdf, norm_pdf

__all__ = [
    "black76_price",
    "bs_price",
    "norm_cdf",
    "norm_pdf",
]

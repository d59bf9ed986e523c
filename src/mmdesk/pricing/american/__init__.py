"""American options: Barone-Adesi–Whaley, Bjerksund–Stensland (2002, 1993) and a
Leisen–Reimer binomial tree with discrete cash dividends (see ``docs/american.md``)."""

from mmdesk.pricing.american._common import AmericanMethod, DividendModel
from mmdesk.pricing.american.greeks import american_greeks
from mmdesk.pricing.american.implied_vol import (
    american_implied_vol,
    american_implied_vol_with_reason,
)
from mmdesk.pricing.american.pricing import CashDividends, american_price

__all__ = [
    "AmericanMethod",
    "CashDividends",
    "DividendModel",
    "american_greeks",
    "american_implied_vol",
    "american_implied_vol_with_reason",
    "american_price",
]

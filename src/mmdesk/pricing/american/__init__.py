"""American options: Barone-Adesi–Whaley, Bjerksund–Stensland (2002, 1993) and a
Leisen–Reimer binomial tree with discrete cash dividends (see ``docs/american.md``)."""

from mmdesk.pricing.american._common import AmericanMethod
from mmdesk.pricing.american.pricing import CashDividends, american_price

__all__ = [
    "AmericanMethod",
    "CashDividends",
    "american_price",
]

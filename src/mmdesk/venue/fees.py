"""Maker/taker fees and rebates per instrument class, per contract (options) or share.

Convention: a fee is float64 **currency**, positive when the participant pays,
negative when it receives a rebate. The engine writes ``qty * rate`` on every
FILL row (``fee`` field), the maker rate on the resting side's row and the taker
rate on the aggressor's row. Rates come from ``InstrumentClassConfig.fees``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from mmdesk.typing import Float64Array
from mmdesk.venue.config import InstrumentClassConfig

__all__ = ["fee_rates", "fill_fees"]


def fee_rates(classes: Sequence[InstrumentClassConfig]) -> tuple[Float64Array, Float64Array]:
    """(maker, taker) rates per class, currency per contract/share, as float64 arrays."""
    maker = np.array([c.fees.maker for c in classes], dtype=np.float64)
    taker = np.array([c.fees.taker for c in classes], dtype=np.float64)
    return maker, taker


def fill_fees(
    qty: npt.ArrayLike,
    is_maker: npt.ArrayLike,
    instrument_class: npt.ArrayLike,
    classes: Sequence[InstrumentClassConfig],
) -> Float64Array:
    """Fees (currency, + paid / - rebate) of fills, vectorised.

    Parameters
    ----------
    qty : array_like of int
        Filled contracts/shares.
    is_maker : array_like of bool
        True for the resting (passive) side.
    instrument_class : array_like of int
        Class index of each fill's instrument.
    classes : sequence of InstrumentClassConfig
    """
    maker, taker = fee_rates(classes)
    c = np.asarray(instrument_class, dtype=np.int64)
    if np.any((c < 0) | (c >= len(classes))):
        raise ValueError(f"instrument_class must lie in 0..{len(classes) - 1}, got {c}")
    rate = np.where(np.asarray(is_maker, dtype=bool), maker[c], taker[c])
    out: Float64Array = np.asarray(qty, dtype=np.float64) * rate
    return out

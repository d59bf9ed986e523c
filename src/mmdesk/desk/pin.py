"""Pin-risk widening: wider quotes where the desk's own gamma concentrates as expiry nears.

Close to expiry a book's gamma piles up at the strikes next to spot (the
per-strike gamma concentration of :func:`mmdesk.analytics.gex.gamma_concentration`,
here per (expiry, strike) cell of the desk's own positions). Adding to such a
strike adds pin risk — the hedge flips from none to full delta over a small
move — so the quoter asks more for it. For option i in cell c::

    Γ_c        = Σ_{j in c} contracts_j · gamma_j · multiplier    (shares per 1-point move)
    fraction_c = |Γ_c| / Σ_c' |Γ_c'|
    ramp_i     = clip(1 − days_to_expiry_i / window_days, 0, 1)
    extra_i    = max_widen_ticks · fraction_c · ramp_i      (ticks, when |Γ_c| ≥ min_gamma_shares)

The extra half-spread is zero outside the window, zero for cells holding
little gamma, and reaches ``max_widen_ticks`` ticks for a strike that holds
all of the book's gamma at the expiry instant.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.typing import Float64Array, Int64Array


class PinWideningConfig(BaseModel):
    """How much the quoter widens strikes where the desk's gamma concentrates near expiry.

    Attributes
    ----------
    max_widen_ticks
        Extra half-spread, ticks, for a cell holding all of the book's gamma at expiry (0: off).
    window_days
        The widening ramps in linearly over this many days before expiry.
    min_gamma_shares
        Cells with less net gamma than this, shares per 1-point move, are left alone.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_widen_ticks: float = Field(2.0, ge=0.0)
    window_days: float = Field(1.0, gt=0.0)
    min_gamma_shares: float = Field(100.0, ge=0.0)


def pin_widening_ticks(
    strike_cell: Int64Array,
    contracts: Float64Array,
    gamma: Float64Array,
    days_to_expiry: Float64Array,
    multiplier: float,
    config: PinWideningConfig,
) -> Float64Array:
    """Extra half-spread per option, in ticks of its price level (module docstring).

    Parameters
    ----------
    strike_cell : ndarray of int
        Each option's (expiry, strike) cell (calls and puts share it).
    contracts : ndarray
        The desk's signed position per option, contracts.
    gamma : ndarray
        Gamma per option, per share per currency of spot.
    days_to_expiry : ndarray
        Days (ACT/365) to each option's expiry.
    multiplier : float
        Shares per contract.
    config : PinWideningConfig
        Window, cap and threshold.

    Returns
    -------
    ndarray
        Ticks to add to each option's half-spread (≥ 0).
    """
    cell = np.asarray(strike_cell, dtype=np.int64)
    cell_gamma = np.bincount(cell, weights=np.asarray(contracts) * np.asarray(gamma) * multiplier)
    size = np.abs(cell_gamma)
    total = float(size.sum())
    if config.max_widen_ticks == 0.0 or total == 0.0:
        return np.zeros(cell.shape[0])
    fraction = np.where(size >= config.min_gamma_shares, size / total, 0.0)
    ramp = np.clip(1.0 - np.asarray(days_to_expiry) / config.window_days, 0.0, 1.0)
    return np.asarray(config.max_widen_ticks * fraction[cell] * ramp, dtype=np.float64)

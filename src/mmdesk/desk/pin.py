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

import numba
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.desk.np_exact import max_nan, min_nan, pairwise_sum
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
    n_cells: int | None = None,
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
    n_cells : int, optional
        Number of cells (``strike_cell.max() + 1``) when the caller knows it.

    Returns
    -------
    ndarray
        Ticks to add to each option's half-spread (≥ 0).
    """
    cell = np.ascontiguousarray(strike_cell, dtype=np.int64)
    out = np.empty(cell.shape[0])
    if n_cells is None:
        n_cells = int(cell.max()) + 1 if cell.size else 0
    pin_widening_kernel(
        cell, np.ascontiguousarray(contracts, dtype=np.float64),
        np.ascontiguousarray(gamma, dtype=np.float64),
        np.ascontiguousarray(days_to_expiry, dtype=np.float64), float(multiplier),
        config.max_widen_ticks, config.window_days, config.min_gamma_shares,
        np.zeros(n_cells), out,
    )  # fmt: skip
    return out


def pin_widening_python(
    cell: Int64Array,
    contracts: Float64Array,
    gamma: Float64Array,
    days_to_expiry: Float64Array,
    multiplier: float,
    max_widen_ticks: float,
    window_days: float,
    min_gamma_shares: float,
    cell_gamma: Float64Array,
    out: Float64Array,
) -> None:
    """:func:`pin_widening_ticks` in one pass (numpy's floats bit for bit).

    ``cell_gamma`` (zeros, one per cell) is work space; the ticks go into ``out``.
    """
    n = cell.shape[0]
    for i in range(n):  # np.bincount: in index order
        cell_gamma[cell[i]] += contracts[i] * gamma[i] * multiplier
    for c in range(cell_gamma.shape[0]):
        cell_gamma[c] = abs(cell_gamma[c])
    total = pairwise_sum(cell_gamma)
    if max_widen_ticks == 0.0 or total == 0.0:
        for i in range(n):
            out[i] = 0.0
        return
    for i in range(n):
        size = cell_gamma[cell[i]]
        fraction = size / total if size >= min_gamma_shares else 0.0
        ramp = min_nan(max_nan(1.0 - days_to_expiry[i] / window_days, 0.0), 1.0)
        out[i] = max_widen_ticks * fraction * ramp


pin_widening_kernel = numba.njit(cache=True)(pin_widening_python)

"""Performance statistics of a run: daily Sharpe, down days, max drawdown, P&L per contract."""

from __future__ import annotations

import math

import numpy as np

from mmdesk.typing import Float64Array

#: Trading days per year for annualising the daily Sharpe ratio.
TRADING_DAYS: float = 252.0


def daily_sharpe(daily_pnl: Float64Array) -> float:
    """Annualised Sharpe of daily P&L: mean / sd · √252 (NaN with fewer than 2 days or sd 0)."""
    x = np.asarray(daily_pnl, dtype=np.float64)
    if x.size < 2:
        return float("nan")
    sd = float(x.std(ddof=1))
    return float(x.mean() / sd * math.sqrt(TRADING_DAYS)) if sd > 0 else float("nan")


def down_day_share(daily_pnl: Float64Array) -> float:
    """Share of days with a loss (NaN with no days)."""
    x = np.asarray(daily_pnl, dtype=np.float64)
    return float(np.mean(x < 0.0)) if x.size else float("nan")


def max_drawdown(pnl: Float64Array) -> float:
    """Largest fall of cumulative P&L from its running peak (≥ 0, currency; peak starts at 0)."""
    x = np.asarray(pnl, dtype=np.float64)
    if x.size == 0:
        return 0.0
    peak = np.maximum.accumulate(np.maximum(x, 0.0))
    return float(np.max(peak - x))


def performance(
    daily_pnl: Float64Array, pnl_path: Float64Array, contracts: float
) -> dict[str, float]:
    """The report's statistics.

    Parameters
    ----------
    daily_pnl : ndarray
        P&L of each day, currency.
    pnl_path : ndarray
        Cumulative P&L at each snapshot, currency.
    contracts : float
        Option contracts traded.
    """
    total = float(np.sum(daily_pnl)) if np.size(daily_pnl) else 0.0
    return {
        "days": float(np.size(daily_pnl)),
        "total_pnl": total,
        "daily_sharpe": daily_sharpe(daily_pnl),
        "down_day_share": down_day_share(daily_pnl),
        "max_drawdown": max_drawdown(pnl_path),
        "pnl_per_contract": total / contracts if contracts > 0 else float("nan"),
    }

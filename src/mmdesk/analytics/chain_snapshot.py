"""One quote date of an end-of-day chain, made ready for GEX and the pin model (no look-ahead).

Spot is the chain's underlying price on that date (for the SPXW file: the
day's SPX close). Vols are implied from that day's mids with ``r = q = 0``
(the same convention the gamma then uses), taking at each strike the
out-of-the-money side (put below spot, call at and above; the other side if
the OTM one has no vol) and filling strikes with no vol by interpolation in
strike within the expiry (flat beyond the quoted range). Options at or after
expiry (``t <= 0``) are left out: they are settled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mmdesk.market.chain import OptionChain
from mmdesk.pricing.implied_vol import implied_vol
from mmdesk.typing import BoolArray, Float64Array


def as_day(value: np.datetime64 | str | dt.date) -> np.datetime64:
    """A date-like value as a datetime64[D] scalar."""
    day: np.datetime64 = np.asarray(value).astype("datetime64[D]")[()]  # type: ignore[assignment]
    return day


@dataclass(frozen=True, eq=False)
class ChainSnapshot:
    """Live options of one quote date, one row per option, with a vol for each.

    Attributes
    ----------
    date : datetime64[D]
        Quote date (New York).
    spot : float
        Underlying price of the date (currency).
    expiry : datetime64[D] array
    strike, t, vol, open_interest : float64 arrays
        Strike (currency), years to settlement, annualised vol (filled as in the
        module docstring), open contracts (NaN read as 0).
    is_call : bool array
    vol_filled : bool array
        True where the vol was interpolated, not implied at that strike.
    n_expired : int
        Rows left out because ``t <= 0``.
    """

    date: np.datetime64
    spot: float
    expiry: npt.NDArray[np.datetime64]
    strike: Float64Array
    t: Float64Array
    is_call: BoolArray
    vol: Float64Array
    open_interest: Float64Array
    vol_filled: BoolArray
    n_expired: int

    def atm_vol(self, expiry: np.datetime64) -> float:
        """Vol of ``expiry`` interpolated at spot (NaN if the expiry has no rows)."""
        rows = self.expiry == expiry
        if not rows.any():
            return float("nan")
        k = self.strike[rows]
        order = np.argsort(k, kind="stable")
        return float(np.interp(self.spot, k[order], self.vol[rows][order]))

    def for_expiry(self, expiry: np.datetime64) -> ChainSnapshot:
        """Rows of one expiry."""
        rows = self.expiry == expiry
        return ChainSnapshot(
            date=self.date,
            spot=self.spot,
            expiry=self.expiry[rows],
            strike=self.strike[rows],
            t=self.t[rows],
            is_call=self.is_call[rows],
            vol=self.vol[rows],
            open_interest=self.open_interest[rows],
            vol_filled=self.vol_filled[rows],
            n_expired=0,
        )


def _otm_vols(
    strike: Float64Array, is_call: BoolArray, iv: Float64Array, spot: float
) -> tuple[Float64Array, BoolArray]:
    """Per-option vol of one expiry: the OTM side's implied vol at each strike, then filled."""
    otm = np.where(strike < spot, ~is_call, is_call)
    strikes, inverse = np.unique(strike, return_inverse=True)
    vol_otm = np.full(strikes.size, np.nan)
    vol_itm = np.full(strikes.size, np.nan)
    ok = np.isfinite(iv)
    vol_otm[inverse[otm & ok]] = iv[otm & ok]
    vol_itm[inverse[~otm & ok]] = iv[~otm & ok]
    per_strike = np.where(np.isfinite(vol_otm), vol_otm, vol_itm)
    have = np.isfinite(per_strike)
    if not have.any():
        return np.full(strike.shape, np.nan), np.ones(strike.shape, dtype=bool)
    filled = np.interp(strikes, strikes[have], per_strike[have])
    return filled[inverse], ~have[inverse]


def chain_snapshot(chain: OptionChain, date: np.datetime64 | str | dt.date) -> ChainSnapshot:
    """The live options of one quote date with spot, vols and open interest of that date only.

    Parameters
    ----------
    chain : OptionChain
        End-of-day chain; only rows quoted on ``date`` are read.
    date : date-like
        New York quote date.

    Returns
    -------
    ChainSnapshot

    Raises
    ------
    ValueError
        No rows on ``date``, or no finite positive underlying price on it.
    """
    day = as_day(date)
    rows = chain.for_date(day)
    if len(rows) == 0:
        raise ValueError(f"date {day} has no quotes in the chain")
    spots = np.unique(rows.underlying_price[np.isfinite(rows.underlying_price)])
    if spots.size == 0 or spots[0] <= 0.0:
        raise ValueError(f"date {day}: no positive underlying_price in the chain")
    spot = float(np.median(spots))
    live = rows.t > 0.0
    n_expired = int((~live).sum())
    rows = rows.select(live)
    with np.errstate(invalid="ignore"):
        iv = np.asarray(implied_vol(rows.mid, spot, rows.strike, rows.t, 0.0, 0.0, rows.is_call))
    vol = np.full(len(rows), np.nan)
    filled = np.ones(len(rows), dtype=bool)
    for expiry in rows.expiries():  # a handful of expiries per date
        sel = np.flatnonzero(rows.expiry == expiry)
        v, f = _otm_vols(rows.strike[sel], rows.is_call[sel], iv[sel], spot)
        vol[sel] = v
        filled[sel] = f
    keep = np.isfinite(vol)
    oi = np.where(np.isfinite(rows.open_interest), rows.open_interest, 0.0)
    return ChainSnapshot(
        date=day,
        spot=spot,
        expiry=rows.expiry[keep],
        strike=rows.strike[keep],
        t=rows.t[keep],
        is_call=rows.is_call[keep],
        vol=vol[keep],
        open_interest=oi[keep],
        vol_filled=filled[keep],
        n_expired=n_expired,
    )

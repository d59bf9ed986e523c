"""``OptionChain``: one underlying's option quotes as a structure of arrays.

Every field is a numpy array of one row per option quote (a quote date x
expiry x strike x call/put), so a chain can hold one snapshot or a history of
end-of-day snapshots. Absent values are NaN (sizes, last, volume, underlying
price), never a sentinel 0.

Time convention (documented in ``docs/chain-format.md``)
--------------------------------------------------------
- ``quote_time`` is an instant in UTC (``datetime64[ns]``). End-of-day files
  get the 16:00 America/New_York close of their quote date.
- An expiry's life ends at its settlement instant: 16:00 New York on the expiry
  date for PM-settled contracts, 09:30 New York for AM-settled ones
  (``am_settled`` per row).
- ``t`` = (settlement instant - quote_time) in days / 365 (ACT/365, calendar
  time, fractional days kept). An option quoted at the close of its PM expiry
  day has ``t == 0``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from mmdesk.market.instruments import ExerciseStyle
from mmdesk.typing import BoolArray, Float64Array, Int64Array

NEW_YORK = ZoneInfo("America/New_York")
#: New York wall-clock time of the close (quotes of end-of-day files, PM settlement).
CLOSE_TIME = dt.time(16, 0)
#: New York wall-clock time of the open (AM settlement).
OPEN_TIME = dt.time(9, 30)
NS_PER_YEAR = 365 * 86_400 * 1_000_000_000

DatetimeArray = npt.NDArray[np.datetime64]


def new_york_instant(dates: DatetimeArray, wall_time: dt.time) -> DatetimeArray:
    """UTC instants of a New York wall-clock time on each date (DST-aware).

    Parameters
    ----------
    dates : datetime64[D] array
        Calendar dates.
    wall_time : datetime.time
        Wall-clock time in America/New_York.

    Returns
    -------
    datetime64[ns] array
        The same instant expressed in UTC (naive datetime64, UTC by convention).
    """
    d = np.asarray(dates).astype("datetime64[D]")
    uniq, inverse = np.unique(d, return_inverse=True)
    out = np.empty(uniq.shape, dtype="datetime64[ns]")
    for i, day in enumerate(uniq):  # a handful of distinct dates, not options
        local = dt.datetime.combine(day.astype(dt.date), wall_time, tzinfo=NEW_YORK)
        utc = local.astimezone(dt.UTC).replace(tzinfo=None)
        out[i] = np.datetime64(utc, "ns")
    return out[inverse.reshape(d.shape)]


def year_fraction(
    quote_time: DatetimeArray, expiry: DatetimeArray, am_settled: BoolArray
) -> Float64Array:
    """ACT/365 time to settlement in years (see module docstring for instants).

    Parameters
    ----------
    quote_time : datetime64[ns] array
        Quote instants (UTC).
    expiry : datetime64[D] array
        Expiry dates.
    am_settled : bool array
        True where the contract settles on the opening print (09:30 New York).

    Returns
    -------
    float64 array
        Years from quote to settlement (may be <= 0 on or after expiry).
    """
    pm = new_york_instant(expiry, CLOSE_TIME)
    am = new_york_instant(expiry, OPEN_TIME)
    settle = np.where(np.asarray(am_settled, dtype=bool), am, pm)
    ns = (settle - np.asarray(quote_time).astype("datetime64[ns]")).astype(np.int64)
    return ns.astype(np.float64) / NS_PER_YEAR


def _as_day(value: np.datetime64 | str | dt.date) -> np.datetime64:
    """A date-like value as datetime64[D]."""
    day: np.datetime64 = np.asarray(value).astype("datetime64[D]")[()]  # type: ignore[assignment]
    return day


_FLOAT_FIELDS = (
    "t",
    "strike",
    "bid",
    "ask",
    "bid_size",
    "ask_size",
    "last",
    "volume",
    "open_interest",
    "underlying_price",
    "vendor_iv",
)


@dataclass(frozen=True, eq=False)
class OptionChain:
    """Option quotes of one underlying, one row per (quote time, expiry, strike, kind).

    Attributes
    ----------
    underlying : str
        Underlying symbol (e.g. ``"SPX"``, ``"AAPL"``).
    exercise : ExerciseStyle
        European or American (one style per chain).
    quote_time : datetime64[ns] array
        Quote instant, UTC.
    expiry : datetime64[D] array
        Expiry date.
    am_settled : bool array
        True where the option settles on the expiry day's opening print.
    t : float64 array
        Years to settlement, ACT/365 (see module docstring).
    strike : float64 array
        Strike, in the underlying's currency.
    is_call : bool array
        True for calls, False for puts.
    bid, ask : float64 arrays
        Best bid and offer, currency per unit of underlying; NaN when absent.
        A bid of 0 means "no bid".
    bid_size, ask_size : float64 arrays
        Displayed size in contracts; NaN when the source has none.
    last : float64 array
        Last trade price; NaN when there was no trade.
    volume, open_interest : float64 arrays
        Contracts; NaN when absent.
    underlying_price : float64 array
        Underlying price at ``quote_time`` when the source gives it; NaN otherwise.
    vendor_iv : float64 array
        The vendor's implied vol (annualised), kept for comparison only: it is
        not trusted (placeholders, wrong models). NaN when absent.
    """

    underlying: str
    exercise: ExerciseStyle
    quote_time: DatetimeArray
    expiry: DatetimeArray
    am_settled: BoolArray
    t: Float64Array
    strike: Float64Array
    is_call: BoolArray
    bid: Float64Array
    ask: Float64Array
    bid_size: Float64Array
    ask_size: Float64Array
    last: Float64Array
    volume: Float64Array
    open_interest: Float64Array
    underlying_price: Float64Array
    vendor_iv: Float64Array

    def __post_init__(self) -> None:
        n = np.asarray(self.strike).shape[0]
        conv: dict[str, Any] = {
            "quote_time": np.asarray(self.quote_time).astype("datetime64[ns]"),
            "expiry": np.asarray(self.expiry).astype("datetime64[D]"),
            "am_settled": np.asarray(self.am_settled, dtype=bool),
            "is_call": np.asarray(self.is_call, dtype=bool),
        }
        for name in _FLOAT_FIELDS:
            conv[name] = np.asarray(getattr(self, name), dtype=np.float64)
        for name, arr in conv.items():
            if arr.ndim != 1 or arr.shape[0] != n:
                raise ValueError(
                    f"OptionChain field {name!r} has shape {arr.shape}; expected ({n},)"
                )
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "exercise", ExerciseStyle(self.exercise))

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_arrays(
        cls,
        *,
        underlying: str,
        exercise: ExerciseStyle,
        quote_time: DatetimeArray,
        expiry: DatetimeArray,
        strike: npt.ArrayLike,
        is_call: npt.ArrayLike,
        bid: npt.ArrayLike,
        ask: npt.ArrayLike,
        am_settled: npt.ArrayLike | None = None,
        t: npt.ArrayLike | None = None,
        **optional: npt.ArrayLike,
    ) -> OptionChain:
        """Build a chain; optional float fields default to NaN, ``t`` is computed if absent.

        ``optional`` may hold ``bid_size, ask_size, last, volume, open_interest,
        underlying_price, vendor_iv``. ``quote_time`` and ``expiry`` may be
        scalars (broadcast to every row).
        """
        k = np.asarray(strike, dtype=np.float64)
        n = k.shape[0]
        qt = np.broadcast_to(np.asarray(quote_time).astype("datetime64[ns]"), (n,)).copy()
        ex = np.broadcast_to(np.asarray(expiry).astype("datetime64[D]"), (n,)).copy()
        am = np.zeros(n, dtype=bool) if am_settled is None else np.broadcast_to(am_settled, (n,))
        known = {
            "bid_size",
            "ask_size",
            "last",
            "volume",
            "open_interest",
            "underlying_price",
            "vendor_iv",
        }
        unknown = set(optional) - known
        if unknown:
            raise TypeError(f"unknown OptionChain fields: {sorted(unknown)}")
        extra = {
            name: np.broadcast_to(
                np.asarray(optional.get(name, np.nan), dtype=np.float64), (n,)
            ).copy()
            for name in known
        }
        tt = (
            year_fraction(qt, ex, am)
            if t is None
            else np.broadcast_to(np.asarray(t, np.float64), (n,))
        )
        return cls(
            underlying=underlying,
            exercise=exercise,
            quote_time=qt,
            expiry=ex,
            am_settled=np.asarray(am, dtype=bool).copy(),
            t=np.asarray(tt, dtype=np.float64).copy(),
            strike=k,
            is_call=np.broadcast_to(np.asarray(is_call, dtype=bool), (n,)).copy(),
            bid=np.asarray(bid, dtype=np.float64),
            ask=np.asarray(ask, dtype=np.float64),
            **extra,
        )

    # ----------------------------------------------------------------- basic views
    def __len__(self) -> int:
        return int(self.strike.shape[0])

    @property
    def array_fields(self) -> tuple[str, ...]:
        """Names of the per-row array fields, in canonical order."""
        return tuple(f.name for f in fields(self) if f.name not in ("underlying", "exercise"))

    def select(self, mask_or_index: npt.ArrayLike) -> OptionChain:
        """A new chain with the rows picked by a bool mask or an integer index array."""
        idx = np.asarray(mask_or_index)
        return replace(self, **{name: getattr(self, name)[idx] for name in self.array_fields})

    @property
    def quote_date(self) -> DatetimeArray:
        """New York calendar date of each quote (datetime64[D])."""
        # New York is UTC-4/-5: shifting by 5h keeps any quote before 19:00 ET on its day.
        utc = self.quote_time
        uniq, inv = np.unique(utc, return_inverse=True)
        days = np.array(
            [
                np.datetime64(
                    u.astype("datetime64[us]")
                    .astype(dt.datetime)
                    .replace(tzinfo=dt.UTC)
                    .astimezone(NEW_YORK)
                    .date(),
                    "D",
                )
                for u in uniq
            ],
            dtype="datetime64[D]",
        )
        return days[inv.reshape(utc.shape)] if uniq.size else utc.astype("datetime64[D]")

    def expiries(self) -> DatetimeArray:
        """Sorted distinct expiry dates (datetime64[D])."""
        return np.unique(self.expiry)

    def quote_dates(self) -> DatetimeArray:
        """Sorted distinct New York quote dates (datetime64[D])."""
        return np.unique(self.quote_date)

    def quote_times(self) -> DatetimeArray:
        """Sorted distinct quote instants (datetime64[ns], UTC)."""
        return np.unique(self.quote_time)

    def for_expiry(self, expiry: np.datetime64 | str | dt.date) -> OptionChain:
        """Rows of one expiry date."""
        return self.select(self.expiry == _as_day(expiry))

    def for_date(self, date: np.datetime64 | str | dt.date) -> OptionChain:
        """Rows quoted on one New York calendar date."""
        return self.select(self.quote_date == _as_day(date))

    # ----------------------------------------------------------------- quote helpers
    @property
    def two_sided(self) -> BoolArray:
        """Rows with a usable two-sided market: finite, bid > 0, ask >= bid."""
        with np.errstate(invalid="ignore"):
            return (
                np.isfinite(self.bid)
                & np.isfinite(self.ask)
                & (self.bid > 0.0)
                & (self.ask >= self.bid)
            )

    @property
    def mid(self) -> Float64Array:
        """(bid + ask) / 2 where two-sided, NaN elsewhere (currency)."""
        return np.where(self.two_sided, 0.5 * (self.bid + self.ask), np.nan)

    @property
    def half_spread(self) -> Float64Array:
        """(ask - bid) / 2 where two-sided, NaN elsewhere (currency)."""
        return np.where(self.two_sided, 0.5 * (self.ask - self.bid), np.nan)

    def sort_index(self) -> Int64Array:
        """Row order by (quote_time, expiry, strike, put before call)."""
        return np.lexsort((self.is_call, self.strike, self.expiry, self.quote_time)).astype(
            np.int64
        )

    def sorted(self) -> OptionChain:
        """The chain in (quote_time, expiry, strike, put, call) order."""
        return self.select(self.sort_index())

    def pairs(self) -> tuple[Int64Array, Int64Array]:
        """Call and put rows sharing (quote_time, expiry, strike).

        Returns
        -------
        call_idx, put_idx : int64 arrays of equal length
            Row indices into this chain; pair ``i`` is the call ``call_idx[i]``
            and the put ``put_idx[i]``, ordered by (quote_time, expiry, strike).
            Strikes with only one side are left out.
        """
        order = self.sort_index()
        qt = self.quote_time[order]
        ex = self.expiry[order]
        k = self.strike[order]
        c = self.is_call[order]
        # sorted puts-then-calls: a pair is a put row followed by a call row of the same key
        same = (qt[1:] == qt[:-1]) & (ex[1:] == ex[:-1]) & (k[1:] == k[:-1]) & c[1:] & ~c[:-1]
        j = np.flatnonzero(same)
        return order[j + 1].astype(np.int64), order[j].astype(np.int64)

    def slices(self) -> list[tuple[np.datetime64, np.datetime64, Int64Array]]:
        """(quote_time, expiry, row indices) for each distinct snapshot slice, sorted."""
        order = self.sort_index()
        qt = self.quote_time[order]
        ex = self.expiry[order]
        if order.size == 0:
            return []
        brk = np.flatnonzero((qt[1:] != qt[:-1]) | (ex[1:] != ex[:-1])) + 1
        starts = np.concatenate(([0], brk))
        ends = np.concatenate((brk, [order.size]))
        return [(qt[s], ex[s], order[s:e]) for s, e in zip(starts, ends, strict=True)]

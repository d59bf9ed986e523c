"""The listed instruments of a simulated venue: one underlying and its option series.

Instrument id 0 is the underlying; ids 1..n are options, ordered by expiry,
then put/call (calls first), then strike. Everything is a structure of arrays
indexed by *option index* ``i = instrument - 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmdesk.typing import BoolArray, Float64Array, Int64Array

#: Instrument id of the underlying.
UNDERLYING: int = 0
#: Seconds per ACT/365 year.
_S_PER_YEAR: float = 365.0 * 86_400.0


@dataclass(frozen=True, eq=False)
class Listing:
    """Option series of one underlying (structure of arrays, option index ``i``).

    Attributes
    ----------
    instrument
        Venue instrument id of each option (``i + 1``), int64.
    strike
        Strike, currency.
    expiry_ns
        Expiry timestamp (settlement time), int64 ns.
    expiry_index
        Index of the option's expiry in :attr:`expiries_ns`, int64.
    is_call
        True for calls.
    expiries_ns
        Distinct expiry timestamps, ascending, int64 ns.
    multiplier
        Shares per contract (e.g. 100).
    """

    instrument: Int64Array
    strike: Float64Array
    expiry_ns: Int64Array
    expiry_index: Int64Array
    is_call: BoolArray
    expiries_ns: Int64Array
    multiplier: float

    @property
    def n_options(self) -> int:
        """Number of option series."""
        return int(self.strike.shape[0])

    @property
    def n_instruments(self) -> int:
        """Number of instruments including the underlying."""
        return self.n_options + 1

    def tau(self, now_ns: int, floor_s: float = 60.0) -> Float64Array:
        """Time to expiry of every option in ACT/365 years, floored at ``floor_s`` seconds.

        Expired options get the floor too; callers mask them with :meth:`live`.
        """
        secs = (self.expiry_ns - np.int64(now_ns)).astype(np.float64) / 1e9
        return np.maximum(secs, floor_s) / _S_PER_YEAR

    def live(self, now_ns: int) -> BoolArray:
        """Options not yet expired at ``now_ns`` (expiry strictly later)."""
        return np.asarray(self.expiry_ns > np.int64(now_ns))


def build_listing(
    expiries_ns: Int64Array | list[int],
    strikes_per_expiry: list[Float64Array] | list[list[float]],
    multiplier: float = 100.0,
) -> Listing:
    """Build a :class:`Listing`: calls and puts on each expiry's strike list.

    Parameters
    ----------
    expiries_ns
        Expiry timestamps, int64 ns, strictly increasing.
    strikes_per_expiry
        One strictly increasing strike list (currency) per expiry.
    multiplier
        Shares per contract.

    Raises
    ------
    ValueError
        Naming the offending field and value.
    """
    exp = np.asarray(expiries_ns, dtype=np.int64)
    if exp.ndim != 1 or exp.size == 0:
        raise ValueError(f"build_listing: expiries_ns={exp!r} must be a non-empty 1-d array")
    if np.any(np.diff(exp) <= 0):
        raise ValueError(f"build_listing: expiries_ns={exp.tolist()} must be strictly increasing")
    if len(strikes_per_expiry) != exp.size:
        raise ValueError(
            f"build_listing: strikes_per_expiry has {len(strikes_per_expiry)} lists "
            f"for {exp.size} expiries"
        )
    if not multiplier > 0:
        raise ValueError(f"build_listing: multiplier={multiplier} must be > 0")
    strikes, expiry, eidx, calls = [], [], [], []
    for e, ks in enumerate(strikes_per_expiry):
        k = np.asarray(ks, dtype=np.float64)
        if k.ndim != 1 or k.size == 0 or np.any(k <= 0) or np.any(np.diff(k) <= 0):
            raise ValueError(
                f"build_listing: strikes_per_expiry[{e}]={k.tolist()} must be positive and "
                "strictly increasing"
            )
        for is_call in (True, False):
            strikes.append(k)
            expiry.append(np.full(k.size, exp[e], dtype=np.int64))
            eidx.append(np.full(k.size, e, dtype=np.int64))
            calls.append(np.full(k.size, is_call, dtype=bool))
    strike = np.concatenate(strikes)
    return Listing(
        instrument=np.arange(1, strike.size + 1, dtype=np.int64),
        strike=strike,
        expiry_ns=np.concatenate(expiry),
        expiry_index=np.concatenate(eidx),
        is_call=np.concatenate(calls),
        expiries_ns=exp,
        multiplier=float(multiplier),
    )

"""Instrument vocabulary: option kind, exercise style, settlement convention.

Numeric code carries ``is_call`` as a bool array; these enums are what public,
non-hot APIs and on-disk formats use. ``OptionKind`` values are the sign of the
payoff's dependence on the underlying (CALL = +1, PUT = -1), so
``int(kind) * (S - K)`` is the intrinsic value's argument.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from mmdesk.typing import BoolArray, Int8Array


class OptionKind(IntEnum):
    """Call or put; the value is the payoff sign (CALL = +1, PUT = -1)."""

    CALL = 1
    PUT = -1

    @classmethod
    def from_is_call(cls, is_call: bool) -> OptionKind:
        """The kind for a bool ``is_call`` flag."""
        return cls.CALL if is_call else cls.PUT

    @property
    def is_call(self) -> bool:
        """True for CALL."""
        return self is OptionKind.CALL


class ExerciseStyle(IntEnum):
    """When the holder may exercise."""

    EUROPEAN = 0
    AMERICAN = 1


class Settlement(IntEnum):
    """Which price settles an expiring contract (and so when its life ends).

    PM: the closing price of the expiry day (16:00 America/New_York).
    AM: the opening print of the expiry day (09:30 America/New_York), e.g.
    standard monthly SPX options.
    """

    PM = 0
    AM = 1


def kinds_to_is_call(kinds: Int8Array) -> BoolArray:
    """Convert an array of ``OptionKind`` values (+1/-1) to an ``is_call`` bool array.

    Raises
    ------
    ValueError
        If any value is neither +1 nor -1 (names the first offending index).
    """
    k = np.asarray(kinds)
    bad = np.flatnonzero((k != 1) & (k != -1))
    if bad.size:
        raise ValueError(f"option kind at index {bad[0]} is {k[bad[0]]!r}; expected +1 or -1")
    return k == 1


def is_call_to_kinds(is_call: BoolArray) -> Int8Array:
    """Convert an ``is_call`` bool array to ``OptionKind`` values (+1 call, -1 put) as int8."""
    return np.where(np.asarray(is_call, dtype=bool), 1, -1).astype(np.int8)

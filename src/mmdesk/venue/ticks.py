"""Tick-size tables and the integer price unit.

The integer unit
----------------
On the wire and in the matching engine every price is an int64 count of
*price units*; one unit is the finest increment any band of the table uses
(``TickTableConfig.unit``, default 0.01 currency). The table then decides which
integers are valid prices: with the default option table (0.01 below 3.00,
0.05 at and above 3.00) 299 (2.99) and 305 (3.05) are valid, 301 (3.01) is not.
A price ``p`` is valid iff ``p > 0`` and ``(p - start_b) % step_b == 0`` for the
band ``b`` with the largest ``start_b <= p``.

Conversions: :meth:`TickTable.to_units` rounds a currency price to the nearest
unit (no grid check), :meth:`TickTable.price_to_units` rounds a quote price onto
the grid on the passive side (bids down, asks up), :meth:`TickTable.to_price`
converts back to currency.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
import numpy.typing as npt

from mmdesk.typing import Float64Array, Int64Array
from mmdesk.venue.config import TickTableConfig

__all__ = [
    "TickTable",
    "on_grid",
    "on_grid_python",
    "round_down",
    "round_down_python",
    "round_up",
    "round_up_python",
    "stack_tables",
    "tick_size_kernel",
    "tick_size_kernel_python",
]


def _band_python(p: int, starts: Int64Array, nbands: int) -> int:
    b = 0
    for j in range(1, nbands):
        if starts[j] <= p:
            b = j
        else:
            break
    return b


_band = numba.njit(cache=True)(_band_python)


def on_grid_python(p: int, starts: Int64Array, steps: Int64Array, nbands: int) -> bool:
    """True iff integer price ``p`` (units) is a valid price of the table (``p > 0``, on grid)."""
    if p <= 0:
        return False
    b = _band(p, starts, nbands)
    return (p - starts[b]) % steps[b] == 0


def round_down_python(p: int, starts: Int64Array, steps: Int64Array, nbands: int) -> int:
    """Largest grid price <= ``p`` (units); may return 0 (no valid price) for tiny ``p``."""
    if p <= 0:
        return 0
    b = _band(p, starts, nbands)
    return starts[b] + ((p - starts[b]) // steps[b]) * steps[b]


def round_up_python(p: int, starts: Int64Array, steps: Int64Array, nbands: int) -> int:
    """Smallest grid price >= ``p`` (units), at least the first valid price."""
    if p <= 0:
        p = 1
    b = _band(p, starts, nbands)
    q = starts[b] + -((-(p - starts[b])) // steps[b]) * steps[b]
    if b + 1 < nbands and q > starts[b + 1]:
        q = starts[b + 1]
    return q


on_grid = numba.njit(cache=True)(on_grid_python)
round_down = numba.njit(cache=True)(round_down_python)
round_up = numba.njit(cache=True)(round_up_python)


def _vec_python(
    kind: int, p: Int64Array, starts: Int64Array, steps: Int64Array, nb: int
) -> Int64Array:
    out = np.empty(p.shape[0], dtype=np.int64)
    for i in range(p.shape[0]):
        if kind == 0:
            out[i] = 1 if on_grid(p[i], starts, steps, nb) else 0
        elif kind == 1:
            out[i] = round_down(p[i], starts, steps, nb)
        else:
            out[i] = round_up(p[i], starts, steps, nb)
    return out


_vec = numba.njit(cache=True)(_vec_python)


def tick_size_kernel_python(
    price: Float64Array,
    unit: float,
    starts: Int64Array,
    steps: Int64Array,
    nbands: int,
    out: Float64Array,
) -> None:
    """Tick size (currency) of the band each price (currency) falls in, into ``out``.

    A price is rounded to the nearest unit first; NaN and negative prices count
    as 0 (the first band).
    """
    for i in range(price.shape[0]):
        p = price[i]
        if not p > 0.0:  # NaN or <= 0
            p = 0.0
        units = int(np.rint(p / unit))
        out[i] = steps[_band(units, starts, nbands)] * unit


tick_size_kernel = numba.njit(cache=True)(tick_size_kernel_python)


class TickTable:
    """A tick-size table in integer price units.

    Parameters
    ----------
    config : TickTableConfig
        Bands in currency and the unit (currency per integer).

    Examples
    --------
    >>> from mmdesk.venue.config import DEFAULT_OPTION_TICKS
    >>> t = TickTable(DEFAULT_OPTION_TICKS)
    >>> int(t.to_units(3.05)), bool(t.is_valid(301)), int(t.price_to_units(3.02, +1))
    (305, False, 300)
    """

    def __init__(self, config: TickTableConfig) -> None:
        self.config = config
        self.unit = float(config.unit)
        self.starts = np.array([round(b.start / self.unit) for b in config.bands], dtype=np.int64)
        self.steps = np.array([round(b.step / self.unit) for b in config.bands], dtype=np.int64)
        self.nbands = len(config.bands)

    def to_units(self, price: npt.ArrayLike) -> Int64Array:
        """Currency price(s) → nearest integer price units (no grid check)."""
        x = np.asarray(price, dtype=np.float64)
        if not np.all(np.isfinite(x)):
            raise ValueError(f"price must be finite, got {price!r}")
        return np.asarray(np.rint(x / self.unit), dtype=np.int64)

    def to_price(self, units: npt.ArrayLike) -> Float64Array:
        """Integer price units → currency (float64)."""
        return np.asarray(units, dtype=np.int64).astype(np.float64) * self.unit

    def is_valid(self, units: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """True where the integer price (units) is > 0 and on the table's grid."""
        p = np.atleast_1d(np.asarray(units, dtype=np.int64))
        out = _vec(0, p, self.starts, self.steps, self.nbands).astype(bool)
        return out.reshape(np.shape(units))

    def round_down(self, units: npt.ArrayLike) -> Int64Array:
        """Largest valid price <= units (0 where none exists)."""
        p = np.atleast_1d(np.asarray(units, dtype=np.int64))
        return _vec(1, p, self.starts, self.steps, self.nbands).reshape(np.shape(units))

    def round_up(self, units: npt.ArrayLike) -> Int64Array:
        """Smallest valid price >= units."""
        p = np.atleast_1d(np.asarray(units, dtype=np.int64))
        return _vec(2, p, self.starts, self.steps, self.nbands).reshape(np.shape(units))

    def tick_size(self, price: Float64Array) -> Float64Array:
        """Tick size (currency) of the band each price (currency per share) falls in.

        NaN and non-positive prices get the first band's tick. One kernel pass
        (:func:`tick_size_kernel`).
        """
        p = np.ascontiguousarray(price, dtype=np.float64)
        out = np.empty(p.shape[0])
        tick_size_kernel(p, self.unit, self.starts, self.steps, self.nbands, out)
        return out

    def tick_up(self, units: npt.ArrayLike) -> Int64Array:
        """Next valid price strictly above ``units``."""
        return self.round_up(np.asarray(units, dtype=np.int64) + 1)

    def tick_down(self, units: npt.ArrayLike) -> Int64Array:
        """Next valid price strictly below ``units`` (0 where none exists)."""
        return self.round_down(np.asarray(units, dtype=np.int64) - 1)

    def price_to_units(self, price: npt.ArrayLike, side: npt.ArrayLike) -> Int64Array:
        """Currency quote price(s) → valid integer price on the passive side of the grid.

        Bids (``side`` = +1) round down, asks (``side`` = -1) round up, so a quote
        never becomes more aggressive than asked. A bid below the first valid price
        gives 0 (not a valid price; the engine rejects it).
        """
        x = np.asarray(price, dtype=np.float64) / self.unit
        if not np.all(np.isfinite(x)):
            raise ValueError(f"price must be finite, got {price!r}")
        s = np.asarray(side)
        if not np.all((s == 1) | (s == -1)):
            raise ValueError(f"side must be +1 (bid) or -1 (ask), got {side!r}")
        x, s = np.broadcast_arrays(x, s)
        down = self.round_down(np.floor(x + 1e-9).astype(np.int64))
        up = self.round_up(np.ceil(x - 1e-9).astype(np.int64))
        return np.where(s == 1, down, up)


def stack_tables(tables: Sequence[TickTable]) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Pack tables into padded (starts[T, B], steps[T, B], nbands[T]) arrays for kernels."""
    nb = max(t.nbands for t in tables)
    starts = np.zeros((len(tables), nb), dtype=np.int64)
    steps = np.ones((len(tables), nb), dtype=np.int64)
    nbands = np.zeros(len(tables), dtype=np.int64)
    for i, t in enumerate(tables):
        starts[i, : t.nbands] = t.starts
        steps[i, : t.nbands] = t.steps
        nbands[i] = t.nbands
    return starts, steps, nbands

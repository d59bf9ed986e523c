"""Why an implied vol came back NaN (or that it did not): the ``IVReason`` codes.

The codes are small ints so numba kernels can write them into an ``int8`` array;
``IVReason`` names them for callers.
"""

from __future__ import annotations

from enum import IntEnum

#: Plain-int copies of the codes for numba kernels (keep in sync with IVReason).
OK = 0
BELOW_INTRINSIC = 1
ABOVE_MAX = 2
NO_VOL_INFORMATION = 3
INVALID_INPUT = 4


class IVReason(IntEnum):
    """Outcome of an implied-vol inversion, one per option.

    Attributes
    ----------
    OK : 0
        A finite positive vol was found (annualised).
    BELOW_INTRINSIC : 1
        The price is below the (forward, discounted) intrinsic value by more
        than its rounding, or negative: no vol reproduces it. Vol is NaN.
    ABOVE_MAX : 2
        The price is above its no-arbitrage maximum (the discounted forward for
        a call, the discounted strike for a put) by more than its rounding.
        Vol is NaN.
    NO_VOL_INFORMATION : 3
        The price lies within a few ulps (4·ε·price) of intrinsic or of the
        maximum, or is zero/subnormal, or is otherwise not invertible in double
        precision: the vol is not identifiable from it. Vol is NaN.
    INVALID_INPUT : 4
        NaN or infinite input, spot/forward <= 0, strike <= 0 or t <= 0. Vol is NaN.
    """

    OK = OK
    BELOW_INTRINSIC = BELOW_INTRINSIC
    ABOVE_MAX = ABOVE_MAX
    NO_VOL_INFORMATION = NO_VOL_INFORMATION
    INVALID_INPUT = INVALID_INPUT

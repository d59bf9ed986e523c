"""Standard normal CDF and PDF, accurate in the tails and callable from numba kernels.

``norm_cdf(x) = erfc(-x/sqrt(2))/2`` uses the C library's ``erfc`` (math.erfc in
Python, libm's ``erfc`` in numba), which is accurate to a few ulp *relative*
for all x: ``norm_cdf(-38.0)`` is about 2.9e-316, not 0, and has no
cancellation — unlike ``(1 + erf(x/sqrt(2)))/2``, which loses all relative
accuracy for x below about -5.
"""

from __future__ import annotations

import math

import numba

#: 1/sqrt(2)
INV_SQRT2 = 0.7071067811865475244008443621048490392848
#: 1/sqrt(2*pi)
INV_SQRT_2PI = 0.3989422804014326779399460599343818684759


def norm_cdf_python(x: float) -> float:
    """Standard normal cumulative distribution Φ(x), relatively accurate in both tails.

    Parameters
    ----------
    x : float
        Argument (dimensionless).

    Returns
    -------
    float
        Φ(x) = P(Z <= x) for Z ~ N(0, 1).
    """
    return 0.5 * math.erfc(-x * INV_SQRT2)


def norm_pdf_python(x: float) -> float:
    """Standard normal density φ(x) = exp(-x²/2)/sqrt(2π).

    Parameters
    ----------
    x : float
        Argument (dimensionless).

    Returns
    -------
    float
        φ(x).
    """
    return INV_SQRT_2PI * math.exp(-0.5 * x * x)


norm_cdf = numba.njit(cache=True)(norm_cdf_python)
norm_pdf = numba.njit(cache=True)(norm_pdf_python)

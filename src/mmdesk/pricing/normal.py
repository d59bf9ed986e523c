"""Standard normal CDF and PDF, accurate in the tails and callable from numba kernels.

Two CDFs:

* ``norm_cdf(x)`` — standalone Φ(x).
* ``norm_cdf_given_pdf(x, pdf)`` — Φ(x) when the caller already has
  ``pdf = φ(x)``: W. J. Cody's rational Chebyshev approximations of erf/erfc
  ("Rational Chebyshev approximations for the error function", Math. Comp. 23
  (1969) 631-638; netlib ``specfun/calerf``) with the factor ``exp(-x²/2)``
  taken from the caller's φ instead of a fresh exponential.  The vectorised
  pricing kernels use the branch-free twin ``_vecmath.vnorm_cdf_given_pdf``
  (same coefficients), with φ from ``_vecmath.vexp``.
"""

from __future__ import annotations

import math

import numba

from mmdesk.pricing.erf_cody import (  # Cody's coefficients, one home
    _A0,
    _A1,
    _A2,
    _A3,
    _A4,
    _B0,
    _B1,
    _B2,
    _B3,
    _C0,
    _C1,
    _C2,
    _C3,
    _C4,
    _C5,
    _C6,
    _C7,
    _C8,
    _D0,
    _D1,
    _D2,
    _D3,
    _D4,
    _D5,
    _D6,
    _D7,
    _P0,
    _P1,
    _P2,
    _P3,
    _P4,
    _P5,
    _Q0,
    _Q1,
    _Q2,
    _Q3,
    _Q4,
    _SQRPI,
    _THRESH,
)

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


#: sqrt(pi/2): exp(-x²/2) = sqrt(2π)·φ(x) and Φ(-|x|) = erfc(|x|/√2)/2.
_SQRT_HALF_PI = 1.2533141373155002512078826424055226265035


def norm_cdf_given_pdf_python(x: float, pdf: float) -> float:
    """Standard normal CDF Φ(x) given ``pdf = φ(x)``, without evaluating an exponential.

    Parameters
    ----------
    x : float
        Argument (dimensionless).
    pdf : float
        φ(x) = exp(-x²/2)/sqrt(2π), as the caller computed it (a relative error
        of a few ulp in ``pdf`` passes through to the tail value).

    Returns
    -------
    float
        Φ(x), relatively accurate to a few ulp in both tails (Cody's
        approximations are good to about 1e-17 relative).
    """
    y = abs(x) * INV_SQRT2
    if y <= _THRESH:
        ysq = y * y
        xnum = (((_A4 * ysq + _A0) * ysq + _A1) * ysq + _A2) * ysq
        xden = (((ysq + _B0) * ysq + _B1) * ysq + _B2) * ysq
        return 0.5 + 0.5 * (x * INV_SQRT2) * (xnum + _A3) / (xden + _B3)
    if y <= 4.0:
        xnum = ((((((_C8 * y + _C0) * y + _C1) * y + _C2) * y + _C3) * y + _C4) * y + _C5) * y
        xden = ((((((y + _D0) * y + _D1) * y + _D2) * y + _D3) * y + _D4) * y + _D5) * y
        erfcx = ((xnum + _C6) * y + _C7) / ((xden + _D6) * y + _D7)
    else:
        ysq = 1.0 / (y * y)
        xnum = ((((_P5 * ysq + _P0) * ysq + _P1) * ysq + _P2) * ysq + _P3) * ysq
        xden = ((((ysq + _Q0) * ysq + _Q1) * ysq + _Q2) * ysq + _Q3) * ysq
        erfcx = (_SQRPI - ysq * (xnum + _P4) / (xden + _Q4)) / y
    tail = _SQRT_HALF_PI * pdf * erfcx  # Φ(-|x|) = exp(-y²)·erfcx(y)/2
    return tail if x < 0.0 else 1.0 - tail


norm_cdf = numba.njit(cache=True)(norm_cdf_python)
norm_pdf = numba.njit(cache=True)(norm_pdf_python)
norm_cdf_given_pdf = numba.njit(cache=True)(norm_cdf_given_pdf_python)

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

from mmdesk.pricing.erf_cody import (  # Cody's rationals, one home
    _THRESH,
    cody_erf_ratio,
    cody_erfcx_far,
    cody_erfcx_mid,
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
        return 0.5 + 0.5 * (x * INV_SQRT2) * cody_erf_ratio(y * y)
    erfcx = cody_erfcx_mid(y) if y <= 4.0 else cody_erfcx_far(y)
    tail = _SQRT_HALF_PI * pdf * erfcx  # Φ(-|x|) = exp(-y²)·erfcx(y)/2
    return tail if x < 0.0 else 1.0 - tail


norm_cdf = numba.njit(cache=True)(norm_cdf_python)
norm_pdf = numba.njit(cache=True)(norm_pdf_python)
norm_cdf_given_pdf = numba.njit(cache=True)(norm_cdf_given_pdf_python)

"""Cody's erfcx and the AS241 inverse normal in branch-free arithmetic, for vectorised LBR.

Branch-free twins of :func:`mmdesk.pricing.erf_cody.erfcx_cody` and
:func:`mmdesk.pricing.erf_cody.inverse_norm_cdf_from_log`: the same rational
pieces (``cody_erfcx_mid`` ..., ``as241_rational``, one copy in ``erf_cody``),
every range evaluated and one selected, with the C library's ``exp`` replaced by
:func:`mmdesk.pricing._vecmath.vexp`, so that a loop calling them has no library
call and no data-dependent branch and LLVM turns it into SIMD code.  They agree
with the scalar versions to the ulp by which ``vexp`` differs from the C
library (tested in ``tests/pricing/test_lbr_vector.py``).  The caller must be
compiled with ``error_model="numpy"`` (ranges that are not selected may divide
by zero).
"""

from __future__ import annotations

import math

from mmdesk.pricing import erf_cody as _c
from mmdesk.pricing._broadcast import njit_inline
from mmdesk.pricing._vecmath import vexp

_XNEG = -26.628
_XINF = 1.79e308


def _verfcx_tail_python(y: float) -> float:
    # erfcx(y) for y > 0.46875: Cody's (0.46875, 4] and (4, inf) rationals, one selected.
    return _c.cody_erfcx_mid(y) if y <= 4.0 else _c.cody_erfcx_far(max(y, 4.0))


_verfcx_tail = njit_inline(_verfcx_tail_python)


def verfcx_positive_python(y: float) -> float:
    """erfcx(y) = exp(y²)·erfc(y) for y >= 0, Cody's three ranges, one selected (no branch).

    Parameters
    ----------
    y : float
        Argument >= 0 (dimensionless).

    Returns
    -------
    float
        erfcx(y), as :func:`mmdesk.pricing.erf_cody.erfcx_cody`.
    """
    ysq = y * y
    central = vexp(ysq) * (1.0 - y * _c.cody_erf_ratio(ysq))
    return central if y <= _c._THRESH else _verfcx_tail(y)


verfcx_positive = njit_inline(verfcx_positive_python)


def verfc_or_erfcx_python(x: float, scaled: bool) -> float:
    """erfcx(x) if ``scaled`` else erfc(x), any sign, as ``erf_cody``'s functions, branch-free.

    One body for both: they share Cody's rationals and differ in the exponential,
    exp(±y²), split as Cody's exp(±h²)·exp(±δ), h = trunc(16y)/16,
    δ = (y - h)(y + h), so y² is never rounded (two ``vexp`` per call).  erfc is
    0 beyond 26.543; erfcx is 1.79e308 below -26.628.

    Parameters
    ----------
    x : float
        Argument (dimensionless).
    scaled : bool
        True for erfcx(x) = exp(x²)·erfc(x), False for erfc(x) = 1 - erf(x).

    Returns
    -------
    float
        erfcx(x) or erfc(x).
    """
    y = abs(x)
    central = y <= _c._THRESH
    ysq = y * y
    one_minus = 1.0 - x * _c.cody_erf_ratio(ysq)  # erfc(x) in the central range
    tail = _verfcx_tail(y)  # erfcx(|x|) beyond it
    yc = min(y, -_XNEG)
    head = math.floor(yc * 16.0) / 16.0
    delta = (yc - head) * (yc + head)
    sign = 1.0 if scaled else -1.0
    e = vexp(ysq if central else sign * head * head) * vexp(0.0 if central else sign * delta)
    erfc_positive = 0.0 if y >= _c._XBIG else e * tail
    erfc_wing = 2.0 - erfc_positive if x < 0.0 else erfc_positive
    erfcx_negative = _XINF if x < _XNEG else (e + e) - tail
    erfcx_wing = erfcx_negative if x < 0.0 else tail
    if scaled:
        return e * one_minus if central else erfcx_wing
    return one_minus if central else erfc_wing


verfc_or_erfcx = njit_inline(verfc_or_erfcx_python)


def vinverse_norm_cdf_from_log_python(log_u: float) -> float:
    """Lower-half Φ⁻¹(exp(log_u)), as :func:`mmdesk.pricing.erf_cody.inverse_norm_cdf_from_log`.

    AS241's central and two tail rationals are all evaluated and one selected.

    Parameters
    ----------
    log_u : float
        Natural log of a probability u in (0, 1/2].

    Returns
    -------
    float
        z <= 0 with Φ(z) = u.
    """
    q = vexp(log_u) - 0.5
    z_central = q * _c.as241_rational(_c._CONST1 - q * q, _c._PA, _c._PB)
    r = math.sqrt(-min(log_u, _c._LOG_CENTRAL_SPLIT))
    z_near = -_c.as241_rational(r - _c._CONST2, _c._PC, _c._PD)
    z_far = -_c.as241_rational(r - _c._SPLIT2, _c._PE, _c._PF)
    z_tail = z_near if r < _c._SPLIT2 else z_far
    return z_central if log_u >= _c._LOG_CENTRAL_SPLIT else z_tail


vinverse_norm_cdf_from_log = njit_inline(vinverse_norm_cdf_from_log_python)

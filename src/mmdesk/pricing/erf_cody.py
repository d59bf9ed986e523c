"""Cody's erfc/erfcx, an accurate normal CDF and the AS241 inverse normal, callable from numba.

Special functions needed by Jäckel's "Let's Be Rational" implied-vol algorithm
(:mod:`mmdesk.pricing.lets_be_rational`), ported from the reference code
(P. Jäckel, LetsBeRational, www.jaeckel.org, 2013-2014, in its Python port
``vollib/py_lets_be_rational``, files ``erf_cody.py`` and ``normaldistribution.py``):

- ``erfc_cody`` / ``erfcx_cody``: W. J. Cody, "Rational Chebyshev approximations
  for the error function", Math. Comp. 23 (1969) 631-638, netlib ``specfun/calerf``
  (IEEE double constants, latest modification March 19, 1990). ``erfcx(x) =
  exp(x²)·erfc(x)`` is evaluated for x > 4 *without* any exponential, which is
  what gives LBR's normalised Black function its accuracy in the wings. SciPy's
  ``erfcx`` is not callable from numba, hence this port.
- ``norm_cdf_lbr``: Φ(z) = erfc(-z/√2)/2, switching to the asymptotic expansion
  Abramowitz & Stegun (26.2.12) for z <= -10, as in LetsBeRational.
- ``inverse_norm_cdf``: Wichura's algorithm AS241 (PPND16), Appl. Statist. 37(3)
  (1988), accurate to about 1 part in 1e16.

Every function is a plain Python function ``foo_python`` (the readable
specification) and a numba kernel ``foo = njit(cache=True)(foo_python)``; a twin
that needs another special function calls its kernel (numba dispatchers are
callable from Python too).
Kernels are compiled with ``error_model="numpy"`` and ``fastmath={"contract"}``
(FMA only; see :mod:`mmdesk.pricing.lets_be_rational`).
"""

from __future__ import annotations

import math

import numba

from mmdesk.pricing._broadcast import njit_inline

_SQRPI = 0.56418958354775628695  # 1/sqrt(pi)
_THRESH = 0.46875
_XNEG = -26.628
_XSMALL = 1.11e-16
_XBIG = 26.543
_XHUGE = 6.71e7
_XMAX = 2.53e307
_XINF = 1.79e308

# Cody's coefficients: erf on |x| <= 0.46875 (A, B), erfc on (0.46875, 4] (C, D),
# erfc on (4, inf) (P, Q).
_A0, _A1, _A2, _A3, _A4 = (
    3.1611237438705656,
    113.864154151050156,
    377.485237685302021,
    3209.37758913846947,
    0.185777706184603153,
)
_B0, _B1, _B2, _B3 = (
    23.6012909523441209,
    244.024637934444173,
    1282.61652607737228,
    2844.23683343917062,
)
_C0, _C1, _C2, _C3, _C4, _C5, _C6, _C7, _C8 = (
    0.564188496988670089,
    8.88314979438837594,
    66.1191906371416295,
    298.635138197400131,
    881.95222124176909,
    1712.04761263407058,
    2051.07837782607147,
    1230.33935479799725,
    2.15311535474403846e-8,
)
_D0, _D1, _D2, _D3, _D4, _D5, _D6, _D7 = (
    15.7449261107098347,
    117.693950891312499,
    537.181101862009858,
    1621.38957456669019,
    3290.79923573345963,
    4362.61909014324716,
    3439.36767414372164,
    1230.33935480374942,
)
_P0, _P1, _P2, _P3, _P4, _P5 = (
    0.305326634961232344,
    0.360344899949804439,
    0.125781726111229246,
    0.0160837851487422766,
    6.58749161529837803e-4,
    0.0163153871373020978,
)
_Q0, _Q1, _Q2, _Q3, _Q4 = (
    2.56852019228982242,
    1.87295284992346047,
    0.527905102951428412,
    0.0605183413124413191,
    0.00233520497626869185,
)


def cody_erf_ratio_python(ysq: float) -> float:
    """erf(y)/y from ysq = y², Cody's rational for |y| <= 0.46875."""
    xnum = (((_A4 * ysq + _A0) * ysq + _A1) * ysq + _A2) * ysq
    xden = (((ysq + _B0) * ysq + _B1) * ysq + _B2) * ysq
    return (xnum + _A3) / (xden + _B3)


def cody_erfcx_mid_python(y: float) -> float:
    """erfcx(y) for 0.46875 < y <= 4, Cody's rational."""
    xnum = (
        ((((((_C8 * y + _C0) * y + _C1) * y + _C2) * y + _C3) * y + _C4) * y + _C5) * y + _C6
    ) * y
    xden = (((((((y + _D0) * y + _D1) * y + _D2) * y + _D3) * y + _D4) * y + _D5) * y + _D6) * y
    return (xnum + _C7) / (xden + _D7)


def cody_erfcx_far_python(y: float) -> float:
    """erfcx(y) for y > 4, Cody's rational in 1/y² (0 beyond 2.53e307)."""
    ysq = 1.0 / (y * y)
    xnum = ((((_P5 * ysq + _P0) * ysq + _P1) * ysq + _P2) * ysq + _P3) * ysq
    xden = ((((ysq + _Q0) * ysq + _Q1) * ysq + _Q2) * ysq + _Q3) * ysq
    result = ysq * (xnum + _P4) / (xden + _Q4)
    result = (_SQRPI - result) / y
    result = _SQRPI / y if y >= _XHUGE else result
    return 0.0 if y >= _XMAX else result


cody_erf_ratio = njit_inline(cody_erf_ratio_python)
cody_erfcx_mid = njit_inline(cody_erfcx_mid_python)
cody_erfcx_far = njit_inline(cody_erfcx_far_python)


def erfc_cody_python(x: float) -> float:
    """Complementary error function erfc(x) = 1 - erf(x), Cody's rational approximations.

    Parameters
    ----------
    x : float
        Argument (dimensionless).

    Returns
    -------
    float
        erfc(x), relatively accurate to a few ulp; 0 for x >= 26.543, 2 for x <= -26.543.
    """
    y = abs(x)
    if y <= _THRESH:
        ysq = y * y if y > _XSMALL else 0.0
        return 1.0 - x * cody_erf_ratio(ysq)
    if y <= 4.0:
        result = cody_erfcx_mid(y)
    elif y >= _XBIG:
        result = 0.0
    else:
        result = cody_erfcx_far(y)
    if result != 0.0:
        # exp(-y²) split as exp(-ysq²)·exp(-del) with ysq = trunc(16y)/16 (exact square).
        ysq = math.floor(y * 16.0) / 16.0
        delta = (y - ysq) * (y + ysq)
        result = math.exp(-ysq * ysq) * math.exp(-delta) * result
    if x < 0.0:
        result = 2.0 - result
    return result


def erfcx_cody_python(x: float) -> float:
    """Scaled complementary error function erfcx(x) = exp(x²)·erfc(x), Cody's approximations.

    For x > 4 no exponential is evaluated: erfcx(x) ~ 1/(x·√π) is computed from a
    rational function directly, which keeps full relative accuracy.

    Parameters
    ----------
    x : float
        Argument (dimensionless).

    Returns
    -------
    float
        erfcx(x), relatively accurate to a few ulp; 1.79e308 for x < -26.628.
    """
    y = abs(x)
    if y <= _THRESH:
        ysq = y * y if y > _XSMALL else 0.0
        return math.exp(ysq) * (1.0 - x * cody_erf_ratio(ysq))
    result = cody_erfcx_mid(y) if y <= 4.0 else cody_erfcx_far(y)
    if x < 0.0:
        if x < _XNEG:
            return _XINF
        ysq = math.trunc(x * 16.0) / 16.0
        delta = (x - ysq) * (x + ysq)
        e = math.exp(ysq * ysq) * math.exp(delta)
        result = (e + e) - result
    return result


erfc_cody = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(erfc_cody_python)
erfcx_cody = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(erfcx_cody_python)

_ONE_OVER_SQRT_TWO = 0.7071067811865475244008443621048490392848359376887
_ONE_OVER_SQRT_TWO_PI = 0.3989422804014326779399460599343818684758586311649
_DBL_EPSILON = 2.220446049250313e-16
_ASYMPTOTIC_FIRST_THRESHOLD = -10.0
_ASYMPTOTIC_SECOND_THRESHOLD = -1.0 / math.sqrt(_DBL_EPSILON)


def norm_cdf_lbr_python(z: float) -> float:
    """Standard normal CDF Φ(z) as in LetsBeRational (Cody's erfc, A&S 26.2.12 for z <= -10).

    Parameters
    ----------
    z : float
        Argument (dimensionless).

    Returns
    -------
    float
        Φ(z), relatively accurate in the lower tail.
    """
    if z <= _ASYMPTOTIC_FIRST_THRESHOLD:
        # Φ(z) = φ(z)/|z|·[1 - 1/z² + 3/z⁴ - ...], summed while the terms decrease.
        total = 1.0
        if z >= _ASYMPTOTIC_SECOND_THRESHOLD:
            zsqr = z * z
            i = 1.0
            g = 1.0
            lasta = 1.7976931348623157e308
            while True:
                xx = (4.0 * i - 3.0) / zsqr
                yy = xx * ((4.0 * i - 1.0) / zsqr)
                a = g * (xx - yy)
                total -= a
                g *= yy
                i += 1.0
                a = abs(a)
                if not (lasta > a >= abs(total * _DBL_EPSILON)):
                    break
                lasta = a
        return -_ONE_OVER_SQRT_TWO_PI * math.exp(-0.5 * z * z) * total / z
    return 0.5 * erfc_cody(-z * _ONE_OVER_SQRT_TWO)


# AS241 (PPND16) coefficients.
_SPLIT1 = 0.425
_SPLIT2 = 5.0
_CONST1 = 0.180625
_CONST2 = 1.6
_PA = (
    3.3871328727963666080e0,
    1.3314166789178437745e2,
    1.9715909503065514427e3,
    1.3731693765509461125e4,
    4.5921953931549871457e4,
    6.7265770927008700853e4,
    3.3430575583588128105e4,
    2.5090809287301226727e3,
)
_PB = (
    1.0,
    4.2313330701600911252e1,
    6.8718700749205790830e2,
    5.3941960214247511077e3,
    2.1213794301586595867e4,
    3.9307895800092710610e4,
    2.8729085735721942674e4,
    5.2264952788528545610e3,
)
_PC = (
    1.42343711074968357734e0,
    4.63033784615654529590e0,
    5.76949722146069140550e0,
    3.64784832476320460504e0,
    1.27045825245236838258e0,
    2.41780725177450611770e-1,
    2.27238449892691845833e-2,
    7.74545014278341407640e-4,
)
_PD = (
    1.0,
    2.05319162663775882187e0,
    1.67638483018380384940e0,
    6.89767334985100004550e-1,
    1.48103976427480074590e-1,
    1.51986665636164571966e-2,
    5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)
_PE = (
    6.65790464350110377720e0,
    5.46378491116411436990e0,
    1.78482653991729133580e0,
    2.96560571828504891230e-1,
    2.65321895265761230930e-2,
    1.24266094738807843860e-3,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_PF = (
    1.0,
    5.99832206555887937690e-1,
    1.36929880922735805310e-1,
    1.48753612908506148525e-2,
    7.86869131145613259100e-4,
    1.84631831751005468180e-5,
    1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)


def as241_rational_python(r: float, p: tuple[float, ...], q: tuple[float, ...]) -> float:
    """AS241's degree-7 rational p(r)/q(r) (q[0] = 1), Horner from the top coefficient."""
    num = (
        (((((p[7] * r + p[6]) * r + p[5]) * r + p[4]) * r + p[3]) * r + p[2]) * r + p[1]
    ) * r + p[0]
    den = (
        (((((q[7] * r + q[6]) * r + q[5]) * r + q[4]) * r + q[3]) * r + q[2]) * r + q[1]
    ) * r + 1.0
    return num / den


as241_rational = njit_inline(as241_rational_python)


def inverse_norm_cdf_python(u: float) -> float:
    """Inverse standard normal CDF Φ⁻¹(u), Wichura's AS241 (PPND16).

    Parameters
    ----------
    u : float
        Probability in (0, 1).

    Returns
    -------
    float
        z with Φ(z) = u, to about 1 part in 1e16; -inf for u <= 0 and +inf for u >= 1.
    """
    if u <= 0.0:
        return -math.inf
    if u >= 1.0:
        return math.inf
    q = u - 0.5
    if abs(q) <= _SPLIT1:
        return q * as241_rational(_CONST1 - q * q, _PA, _PB)
    r = u if q < 0.0 else 1.0 - u
    r = math.sqrt(-math.log(r))
    if r < _SPLIT2:
        ret = as241_rational(r - _CONST2, _PC, _PD)
    else:
        ret = as241_rational(r - _SPLIT2, _PE, _PF)
    return -ret if q < 0.0 else ret


inverse_norm_cdf = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    inverse_norm_cdf_python
)


_LOG_CENTRAL_SPLIT = math.log(0.5 - _SPLIT1)


def inverse_norm_cdf_from_log_python(log_u: float) -> float:
    """Lower-half inverse normal Φ⁻¹(u), u = exp(log_u) <= 1/2, from log u (AS241).

    In AS241's tail branches only sqrt(-log u) is needed, so a caller that has
    log u (LBR's lower map, u = v^(1/3)) saves a power and a logarithm.

    Parameters
    ----------
    log_u : float
        Natural log of a probability u in (0, 1/2].

    Returns
    -------
    float
        z <= 0 with Φ(z) = u; -inf for log_u = -inf.
    """
    if log_u >= _LOG_CENTRAL_SPLIT:
        return inverse_norm_cdf(math.exp(log_u))
    r = math.sqrt(-log_u)
    if r < _SPLIT2:
        return -as241_rational(r - _CONST2, _PC, _PD)
    return -as241_rational(r - _SPLIT2, _PE, _PF)


inverse_norm_cdf_from_log = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    inverse_norm_cdf_from_log_python
)
norm_cdf_lbr = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    norm_cdf_lbr_python
)

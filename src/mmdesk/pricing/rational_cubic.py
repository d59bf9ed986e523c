"""Shape-preserving rational cubic interpolation (Delbourgo & Gregory), for LBR's initial guesses.

R. Delbourgo and J. A. Gregory, "Shape preserving piecewise rational
interpolation", SIAM J. Sci. Stat. Comput. 6(4) (1985) 967-976. Ported from
P. Jäckel's LetsBeRational reference code (``rationalcubic.cpp``, 2013-2014;
Python port ``vollib/py_lets_be_rational/rationalcubic.py``). All functions are
numba kernels with plain-Python twins ``*_python``.
"""

from __future__ import annotations

import math

import numba

_DBL_EPSILON = 2.220446049250313e-16
_DBL_MIN = 2.2250738585072014e-308
_DBL_MAX = 1.7976931348623157e308
MIN_CONTROL = -(1.0 - math.sqrt(_DBL_EPSILON))
MAX_CONTROL = 2.0 / (_DBL_EPSILON * _DBL_EPSILON)


def rational_cubic_interpolation_python(
    x: float, x_l: float, x_r: float, y_l: float, y_r: float, d_l: float, d_r: float, r: float
) -> float:
    """Rational cubic through (x_l, y_l), (x_r, y_r) with slopes d_l, d_r and control r.

    Parameters
    ----------
    x : float
        Abscissa to interpolate at.
    x_l, x_r : float
        Interval edges.
    y_l, y_r : float
        Values at the edges.
    d_l, d_r : float
        Slopes at the edges.
    r : float
        Control parameter (> -1); r = 3 is the cubic Hermite, r -> inf linear.

    Returns
    -------
    float
        Interpolated value (formula (2.4) over (2.5) of Delbourgo & Gregory).
    """
    h = x_r - x_l
    if abs(h) <= 0.0:
        return 0.5 * (y_l + y_r)
    t = (x - x_l) / h
    if not (r >= MAX_CONTROL):
        omt = 1.0 - t
        t2 = t * t
        omt2 = omt * omt
        return (
            y_r * t2 * t
            + (r * y_r - h * d_r) * t2 * omt
            + (r * y_l + h * d_l) * t * omt2
            + y_l * omt2 * omt
        ) / (1.0 + (r - 3.0) * t * omt)
    return y_r * t + y_l * (1.0 - t)


def _minimum_control_python(d_l: float, d_r: float, s: float, prefer_shape: bool) -> float:
    monotonic = d_l * s >= 0.0 and d_r * s >= 0.0
    convex = d_l <= s <= d_r
    concave = d_l >= s >= d_r
    if not monotonic and not convex and not concave:
        return MIN_CONTROL
    d_r_m_d_l = d_r - d_l
    d_r_m_s = d_r - s
    s_m_d_l = s - d_l
    r1 = -_DBL_MAX
    r2 = r1
    if monotonic:
        if abs(s) >= _DBL_MIN:
            r1 = (d_r + d_l) / s  # (3.8)
        elif prefer_shape:
            r1 = MAX_CONTROL
    if convex or concave:
        if not (abs(s_m_d_l) < _DBL_MIN or abs(d_r_m_s) < _DBL_MIN):  # (3.18)
            r2 = max(abs(d_r_m_d_l / d_r_m_s), abs(d_r_m_d_l / s_m_d_l))
        elif prefer_shape:
            r2 = MAX_CONTROL
    elif monotonic and prefer_shape:
        r2 = MAX_CONTROL
    return max(MIN_CONTROL, max(r1, r2))


_minimum_control = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    _minimum_control_python
)


def _control_ratio_python(numerator: float, denominator: float) -> float:
    """numerator/denominator of a convex control, 0 or a bound where either vanishes."""
    if abs(numerator) < _DBL_MIN:
        return 0.0
    if abs(denominator) < _DBL_MIN:
        return MAX_CONTROL if numerator > 0.0 else MIN_CONTROL
    return numerator / denominator


_control_ratio = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    _control_ratio_python
)


def convex_control_left_python(
    x_l: float,
    x_r: float,
    y_l: float,
    y_r: float,
    d_l: float,
    d_r: float,
    second_derivative_l: float,
    prefer_shape: bool,
) -> float:
    """Control parameter matching the second derivative at the left edge, kept shape-preserving.

    Parameters
    ----------
    x_l, x_r, y_l, y_r, d_l, d_r : float
        Interval edges, values and slopes as in :func:`rational_cubic_interpolation_python`.
    second_derivative_l : float
        Target second derivative at ``x_l``.
    prefer_shape : bool
        Prefer shape preservation over smoothness when they conflict.

    Returns
    -------
    float
        Control parameter r.
    """
    h = x_r - x_l
    numerator = 0.5 * h * second_derivative_l + (d_r - d_l)
    denominator = (y_r - y_l) / h - d_l
    r = _control_ratio(numerator, denominator)
    return max(r, _minimum_control(d_l, d_r, (y_r - y_l) / h, prefer_shape))


def convex_control_right_python(
    x_l: float,
    x_r: float,
    y_l: float,
    y_r: float,
    d_l: float,
    d_r: float,
    second_derivative_r: float,
    prefer_shape: bool,
) -> float:
    """Control parameter matching the second derivative at the right edge, kept shape-preserving.

    Parameters
    ----------
    x_l, x_r, y_l, y_r, d_l, d_r : float
        Interval edges, values and slopes as in :func:`rational_cubic_interpolation_python`.
    second_derivative_r : float
        Target second derivative at ``x_r``.
    prefer_shape : bool
        Prefer shape preservation over smoothness when they conflict.

    Returns
    -------
    float
        Control parameter r.
    """
    h = x_r - x_l
    numerator = 0.5 * h * second_derivative_r + (d_r - d_l)
    denominator = d_r - (y_r - y_l) / h
    r = _control_ratio(numerator, denominator)
    return max(r, _minimum_control(d_l, d_r, (y_r - y_l) / h, prefer_shape))


rational_cubic_interpolation = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    rational_cubic_interpolation_python
)
convex_control_left = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    convex_control_left_python
)
convex_control_right = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})(
    convex_control_right_python
)

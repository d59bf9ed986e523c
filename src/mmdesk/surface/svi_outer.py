"""Outer search of the raw-SVI calibration over ``(m, log σ)``, in one numba kernel.

:func:`_fit_outer` is the coarse 7 × 7 grid then the Nelder–Mead polish of
:func:`mmdesk.surface.svi_inner._svi_objective`, run without leaving the kernel:
a fit makes ~200 objective evaluations of a few µs each, and calling the kernel
from Python (16 arguments) and stepping the simplex on Python floats cost as
much as the evaluations. It is :func:`_fit_outer_reference` — the grid in Python
and :func:`mmdesk.surface.neldermead.nelder_mead` (scipy's algorithm, step for
step) — with the same floating-point operations in the same order, the same
tie rule in the sort and the same exp (:func:`exp_as_numpy`), so it visits the
same points and returns the same fit, bit for bit (tests check it).
"""

from __future__ import annotations

import numba
import numpy as np

from mmdesk.surface.neldermead import nelder_mead
from mmdesk.surface.numpy_exp import exp_as_numpy
from mmdesk.surface.svi_inner import _svi_objective
from mmdesk.typing import Float64Array

# Nelder-Mead stopping rule of the polish (scipy's xatol, fatol, maxiter)
_XATOL = 1e-6
_FATOL = 1e-12
_MAXITER = 400


def _sigma_at_python(z: float, sig_floor: float) -> float:
    """``σ = max(exp(z), sig_floor)``: numpy's exp of the search variable ``z = log σ``, floored.

    Below the floor the outer objective is flat (the floor's value), so the search
    never returns a ``σ`` the quotes cannot resolve (see :func:`mmdesk.surface.svi.sigma_floor`).
    """
    sig = exp_as_numpy(z)
    return sig_floor if sig < sig_floor else sig


_sigma_at = numba.njit(cache=True)(_sigma_at_python)


def _after_python(a: float, b: float) -> bool:
    """True when ``a`` sorts strictly after ``b`` in ``np.argsort`` (NaN last)."""
    return a > b or (a != a and b == b)


_after = numba.njit(cache=True)(_after_python)


def _sort_simplex_python(sim: Float64Array, fsim: Float64Array) -> None:
    """Reorder the 3 vertices of ``sim`` (3 × 2) by ``fsim``, as ``np.argsort`` would.

    numpy's argsort of 3 floats is stable with NaN last (an insertion sort);
    :func:`mmdesk.surface.neldermead._order` uses it whenever two values tie.
    """
    order = [0, 1, 2]
    for i in range(1, 3):
        j = i
        while j > 0 and _after(fsim[order[j - 1]], fsim[order[j]]):
            order[j - 1], order[j] = order[j], order[j - 1]
            j -= 1
    f0, f1, f2 = fsim[order[0]], fsim[order[1]], fsim[order[2]]
    a0, a1, a2 = sim[order[0], 0], sim[order[1], 0], sim[order[2], 0]
    b0, b1, b2 = sim[order[0], 1], sim[order[1], 1], sim[order[2], 1]
    fsim[0], fsim[1], fsim[2] = f0, f1, f2
    sim[0, 0], sim[1, 0], sim[2, 0] = a0, a1, a2
    sim[0, 1], sim[1, 1], sim[2, 1] = b0, b1, b2


_sort_simplex = numba.njit(cache=True)(_sort_simplex_python)


def _fit_outer_python(
    m_nodes: Float64Array,
    s_nodes: Float64Array,
    k_all: Float64Array,
    target: Float64Array,
    wt_all: Float64Array,
    lo_all: Float64Array,
    hi_all: Float64Array,
    pen_all: Float64Array,
    G: Float64Array,
    h0: Float64Array,
    h: Float64Array,
    x: Float64Array,
    y: Float64Array,
    scale: float,
    kg: Float64Array,
    butterfly_penalty: float,
    sig_floor: float,
    z: Float64Array,
) -> float:
    """Grid then Nelder–Mead over ``z = (m, log σ)``; returns the final objective.

    ``m_nodes`` and ``s_nodes`` (7 each) span the grid in ``m`` (log-moneyness)
    and ``log σ``; the other arrays are those of :func:`_svi_objective`. Writes the
    best ``z`` into ``z`` and leaves its ``(a, d, c)`` in ``x``.
    """
    args = (
        k_all,
        target,
        wt_all,
        lo_all,
        hi_all,
        pen_all,
        G,
        h0,
        h,
        x,
        y,
        scale,
        kg,
        butterfly_penalty,
    )
    best = np.inf
    best0 = m_nodes[3]
    best1 = s_nodes[3]
    for m0 in m_nodes:
        for s0 in s_nodes:
            v = _svi_objective(m0, _sigma_at(s0, sig_floor), *args)
            if v < best:
                best, best0, best1 = v, m0, s0
    dm = m_nodes[1] - m_nodes[0]
    ds = s_nodes[1] - s_nodes[0]
    sim = np.empty((3, 2))
    fsim = np.empty(3)
    sim[0, 0], sim[0, 1] = best0, best1
    sim[1, 0], sim[1, 1] = best0 + dm, best1 + 0.0
    sim[2, 0], sim[2, 1] = best0 + 0.0, best1 + ds
    # scipy's Nelder-Mead (mmdesk.surface.neldermead) with N = 2, operation for operation
    for i in range(3):
        fsim[i] = _svi_objective(sim[i, 0], _sigma_at(sim[i, 1], sig_floor), *args)
    _sort_simplex(sim, fsim)
    _sort_simplex(sim, fsim)  # scipy sorts the first simplex twice
    iterations = 1
    while iterations < _MAXITER:
        done = True
        for i in range(1, 3):
            for j in range(2):
                if not abs(sim[i, j] - sim[0, j]) <= _XATOL:
                    done = False
            if not abs(fsim[0] - fsim[i]) <= _FATOL:
                done = False
        if done:
            break
        w0, w1 = sim[2, 0], sim[2, 1]
        xbar0 = (0.0 + sim[0, 0] + sim[1, 0]) / 2
        xbar1 = (0.0 + sim[0, 1] + sim[1, 1]) / 2
        xr0, xr1 = 2 * xbar0 - w0, 2 * xbar1 - w1
        fxr = _svi_objective(xr0, _sigma_at(xr1, sig_floor), *args)
        if fxr < fsim[0]:
            xe0, xe1 = 3 * xbar0 - 2 * w0, 3 * xbar1 - 2 * w1
            fxe = _svi_objective(xe0, _sigma_at(xe1, sig_floor), *args)
            if fxe < fxr:
                sim[2, 0], sim[2, 1], fsim[2] = xe0, xe1, fxe
            else:
                sim[2, 0], sim[2, 1], fsim[2] = xr0, xr1, fxr
        elif fxr < fsim[1]:
            sim[2, 0], sim[2, 1], fsim[2] = xr0, xr1, fxr
        else:
            shrink = False
            if fxr < fsim[2]:  # outside contraction
                xc0, xc1 = 1.5 * xbar0 - 0.5 * w0, 1.5 * xbar1 - 0.5 * w1
                fxc = _svi_objective(xc0, _sigma_at(xc1, sig_floor), *args)
                if fxc <= fxr:
                    sim[2, 0], sim[2, 1], fsim[2] = xc0, xc1, fxc
                else:
                    shrink = True
            else:  # inside contraction
                xcc0, xcc1 = 0.5 * xbar0 + 0.5 * w0, 0.5 * xbar1 + 0.5 * w1
                fxcc = _svi_objective(xcc0, _sigma_at(xcc1, sig_floor), *args)
                if fxcc < fsim[2]:
                    sim[2, 0], sim[2, 1], fsim[2] = xcc0, xcc1, fxcc
                else:
                    shrink = True
            if shrink:
                for i in range(1, 3):
                    sim[i, 0] = sim[0, 0] + 0.5 * (sim[i, 0] - sim[0, 0])
                    sim[i, 1] = sim[0, 1] + 0.5 * (sim[i, 1] - sim[0, 1])
                    fsim[i] = _svi_objective(sim[i, 0], _sigma_at(sim[i, 1], sig_floor), *args)
        iterations += 1
        _sort_simplex(sim, fsim)
    res_fun = fsim[0]  # np.min(fsim): NaN if any value is NaN
    for i in range(1, 3):
        if fsim[i] != fsim[i] or fsim[i] < res_fun:
            res_fun = fsim[i]
    if res_fun <= best:
        z[0], z[1] = sim[0, 0], sim[0, 1]
    else:
        z[0], z[1] = best0, best1
    return _svi_objective(z[0], _sigma_at(z[1], sig_floor), *args)


_fit_outer = numba.njit(cache=True)(_fit_outer_python)


def _fit_outer_reference(
    m_nodes: Float64Array,
    s_nodes: Float64Array,
    k_all: Float64Array,
    target: Float64Array,
    wt_all: Float64Array,
    lo_all: Float64Array,
    hi_all: Float64Array,
    pen_all: Float64Array,
    G: Float64Array,
    h0: Float64Array,
    h: Float64Array,
    x: Float64Array,
    y: Float64Array,
    scale: float,
    kg: Float64Array,
    butterfly_penalty: float,
    sig_floor: float,
    z: Float64Array,
) -> float:
    """:func:`_fit_outer` the readable way: the grid in Python, then :func:`nelder_mead`."""

    def objective(zz: Float64Array | list[float]) -> float:
        m, sig = float(zz[0]), _sigma_at(float(zz[1]), sig_floor)
        v = _svi_objective(
            m, sig, k_all, target, wt_all, lo_all, hi_all, pen_all, G, h0, h, x, y, scale, kg,
            butterfly_penalty,
        )  # fmt: skip
        return float(v)

    best_z = np.array([m_nodes[3], s_nodes[3]])
    best = np.inf
    for m0 in m_nodes:
        for s0 in s_nodes:
            zz = np.array([m0, s0])
            v = objective(zz)
            if v < best:
                best, best_z = v, zz
    dm = m_nodes[1] - m_nodes[0]
    ds = s_nodes[1] - s_nodes[0]
    simplex = np.array([best_z, best_z + np.array([dm, 0.0]), best_z + np.array([0.0, ds])])
    res_x, res_fun, _, _ = nelder_mead(objective, simplex.tolist(), _XATOL, _FATOL, _MAXITER)
    z[:] = np.array(res_x) if res_fun <= best else best_z
    return objective(z)

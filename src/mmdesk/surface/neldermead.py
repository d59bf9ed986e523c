"""Nelder–Mead on Python floats: scipy's algorithm, step for step, without its overhead.

:func:`nelder_mead` is :func:`scipy.optimize.minimize` with ``method="Nelder-Mead"``,
an ``initial_simplex``, ``xatol``/``fatol``/``maxiter`` and no bounds, adaptive
parameters or callback, rewritten on lists of floats: the same reflection,
expansion, contraction and shrink coefficients (ρ = 1, χ = 2, ψ = ½, σ = ½),
the same floating-point operations in the same order, the same tie-breaking in
the sort and the same stopping rule, so it visits the same points and returns
the same minimum, bit for bit (a test checks it against scipy). The SVI
calibration polishes ~150 times per fit; scipy's per-step numpy calls on
two-element vectors cost more than the objective.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def _order(fsim: list[float]) -> list[int]:
    """``np.argsort(fsim)``: a plain sort when no two values tie, numpy's when some do."""
    if len(set(fsim)) == len(fsim) and all(f == f for f in fsim):
        return sorted(range(len(fsim)), key=fsim.__getitem__)
    return [int(i) for i in np.argsort(np.array(fsim))]


def nelder_mead(
    fun: Callable[[list[float]], float],
    simplex: Sequence[Sequence[float]],
    xatol: float,
    fatol: float,
    maxiter: int,
) -> tuple[list[float], float, int, int]:
    """Minimise ``fun`` from ``simplex`` (N + 1 vertices of N coordinates).

    Parameters
    ----------
    fun : callable
        Objective of a list of N floats (a fresh list each call), returning a float.
    simplex : sequence of sequences of float
        The initial simplex, shape (N + 1, N).
    xatol, fatol : float
        Stop when every vertex is within ``xatol`` of the best one in every
        coordinate and every value within ``fatol`` of the best value.
    maxiter : int
        Most iterations (scipy's count, which starts at 1).

    Returns
    -------
    x : list of float
        Best vertex.
    fun : float
        Its value.
    nit : int
        Iterations (scipy's ``nit``).
    nfev : int
        Objective evaluations.
    """
    sim = [[float(v) for v in row] for row in simplex]
    n = len(sim[0])
    if len(sim) != n + 1:
        raise ValueError(f"nelder_mead: simplex has {len(sim)} vertices, expected {n + 1}")
    nfev = 0

    def f(x: list[float]) -> float:
        nonlocal nfev
        nfev += 1
        return float(fun(list(x)))

    fsim = [f(row) for row in sim]
    for _ in range(2):  # scipy sorts the first simplex twice (ties may swap again)
        ind = _order(fsim)
        sim = [sim[i] for i in ind]
        fsim = [fsim[i] for i in ind]
    iterations = 1
    while iterations < maxiter:
        best = sim[0]
        if all(abs(row[j] - best[j]) <= xatol for row in sim[1:] for j in range(n)) and all(
            abs(fsim[0] - fv) <= fatol for fv in fsim[1:]
        ):
            break
        worst = sim[-1]
        xbar = []
        for j in range(n):
            acc = 0.0
            for row in sim[:-1]:
                acc += row[j]
            xbar.append(acc / n)
        xr = [2 * xbar[j] - worst[j] for j in range(n)]
        fxr = f(xr)
        if fxr < fsim[0]:
            xe = [3 * xbar[j] - 2 * worst[j] for j in range(n)]
            fxe = f(xe)
            if fxe < fxr:
                sim[-1], fsim[-1] = xe, fxe
            else:
                sim[-1], fsim[-1] = xr, fxr
        elif fxr < fsim[-2]:
            sim[-1], fsim[-1] = xr, fxr
        else:
            shrink = False
            if fxr < fsim[-1]:  # outside contraction
                xc = [1.5 * xbar[j] - 0.5 * worst[j] for j in range(n)]
                fxc = f(xc)
                if fxc <= fxr:
                    sim[-1], fsim[-1] = xc, fxc
                else:
                    shrink = True
            else:  # inside contraction
                xcc = [0.5 * xbar[j] + 0.5 * worst[j] for j in range(n)]
                fxcc = f(xcc)
                if fxcc < fsim[-1]:
                    sim[-1], fsim[-1] = xcc, fxcc
                else:
                    shrink = True
            if shrink:
                for i in range(1, n + 1):
                    sim[i] = [best[j] + 0.5 * (sim[i][j] - best[j]) for j in range(n)]
                    fsim[i] = f(sim[i])
        iterations += 1
        ind = _order(fsim)
        sim = [sim[i] for i in ind]
        fsim = [fsim[i] for i in ind]
    return sim[0], float(np.min(fsim)), iterations, nfev

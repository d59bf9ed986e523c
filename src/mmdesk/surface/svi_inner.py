"""Inner kernels of the raw-SVI calibration (:mod:`mmdesk.surface.svi`).

For a fixed ``(m, σ)`` the best ``(a, d, c)`` solves a small convex quadratic
programme (:func:`_fit_adc`: band fixed-point iteration, each step an exact
3-variable QP by active-set enumeration, :func:`_qp_active_set`);
:func:`_svi_objective` adds Durrleman's butterfly penalty
(:func:`_min_durrleman`). Each kernel has its plain-Python twin ``*_python``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from mmdesk.typing import Float64Array

# ---------------------------------------------------------------------------
# Inner problem: exact small QP in (a, d, c) for fixed (m, sigma)
# ---------------------------------------------------------------------------


def _solve_small_python(A: Float64Array, b: Float64Array, x: Float64Array) -> bool:
    """Solve ``A x = b`` in place (Gaussian elimination, partial pivoting); False if singular."""
    n = b.shape[0]
    scale = 0.0
    for i in range(n):
        for j in range(n):
            scale = max(scale, abs(A[i, j]))
    tol = 1e-13 * max(scale, 1e-300)
    for col in range(n):
        piv = col
        for r in range(col + 1, n):
            if abs(A[r, col]) > abs(A[piv, col]):
                piv = r
        if abs(A[piv, col]) <= tol:
            return False
        if piv != col:
            for j in range(n):
                A[col, j], A[piv, j] = A[piv, j], A[col, j]
            b[col], b[piv] = b[piv], b[col]
        for r in range(col + 1, n):
            f = A[r, col] / A[col, col]
            if f != 0.0:
                for j in range(col, n):
                    A[r, j] -= f * A[col, j]
                b[r] -= f * b[col]
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= A[i, j] * x[j]
        x[i] = s / A[i, i]
    return True


_solve_small = numba.njit(cache=True)(_solve_small_python)


def _qp_active_set_python(
    H: Float64Array, g: Float64Array, G: Float64Array, h: Float64Array, x: Float64Array
) -> bool:
    """Minimise ``½ xᵀHx − gᵀx`` subject to ``G x ≥ h`` (3 variables) by active-set enumeration.

    Subsets of at most three active constraints are tried in order of size; the
    first KKT point (feasible, multipliers ≥ 0) is optimal for this convex QP.
    If none qualifies (degenerate vertex), the best feasible candidate is kept.
    Writes the solution into ``x``; returns False when no feasible candidate exists.
    """
    nc = G.shape[0]
    best = np.inf
    found = False
    K = np.empty((6, 6))
    rhs = np.empty(6)
    sol = np.empty(6)
    idx = np.empty(3, dtype=np.int64)
    gtol = 1e-10
    n_sub = 1 + nc + nc * (nc - 1) // 2 + nc * (nc - 1) * (nc - 2) // 6
    for s_id in range(n_sub):
        # decode subset id -> (size, indices) in the order: {}, singles, pairs, triples
        if s_id == 0:
            size = 0
        elif s_id <= nc:
            size = 1
            idx[0] = s_id - 1
        elif s_id <= nc + nc * (nc - 1) // 2:
            size = 2
            r = s_id - nc - 1
            i0 = 0
            while r >= nc - 1 - i0:
                r -= nc - 1 - i0
                i0 += 1
            idx[0] = i0
            idx[1] = i0 + 1 + r
        else:
            size = 3
            r = s_id - 1 - nc - nc * (nc - 1) // 2
            i0 = 0
            while True:
                rem = nc - 1 - i0
                cnt = rem * (rem - 1) // 2
                if r < cnt:
                    break
                r -= cnt
                i0 += 1
            i1 = i0 + 1
            while r >= nc - 1 - i1:
                r -= nc - 1 - i1
                i1 += 1
            idx[0] = i0
            idx[1] = i1
            idx[2] = i1 + 1 + r
        n = 3 + size
        for i in range(n):
            for j in range(n):
                K[i, j] = 0.0
        for i in range(3):
            for j in range(3):
                K[i, j] = H[i, j]
            rhs[i] = g[i]
        for s in range(size):
            row = idx[s]
            for j in range(3):
                K[3 + s, j] = G[row, j]
                K[j, 3 + s] = -G[row, j]
            rhs[3 + s] = h[row]
        if not _solve_small(K[:n, :n], rhs[:n], sol[:n]):
            continue
        feasible = True
        for i in range(nc):
            v = G[i, 0] * sol[0] + G[i, 1] * sol[1] + G[i, 2] * sol[2]
            if v < h[i] - gtol * (1.0 + abs(h[i])):
                feasible = False
                break
        if not feasible:
            continue
        kkt = True
        for s in range(size):
            if sol[3 + s] < -1e-12:
                kkt = False
        obj = 0.0
        for i in range(3):
            hx = H[i, 0] * sol[0] + H[i, 1] * sol[1] + H[i, 2] * sol[2]
            obj += 0.5 * sol[i] * hx - g[i] * sol[i]
        if kkt:
            x[0], x[1], x[2] = sol[0], sol[1], sol[2]
            return True
        if obj < best:
            best = obj
            x[0], x[1], x[2] = sol[0], sol[1], sol[2]
            found = True
    return found


_qp_active_set = numba.njit(cache=True)(_qp_active_set_python)


def _fit_adc_python(
    y: Float64Array,
    target: Float64Array,
    wt: Float64Array,
    lo: Float64Array,
    hi: Float64Array,
    pen: Float64Array,
    G: Float64Array,
    h: Float64Array,
    x: Float64Array,
) -> float:
    """Best ``(a, d, c)`` for fixed ``(m, σ)`` (``y = (k − m)/σ``); returns the objective.

    Objective: ``Σ wt (w − target)² + Σ pen · dist(w, [lo, hi])²`` with ``w = a + d y +
    c sqrt(y² + 1)``, subject to ``G (a, d, c) ≥ h``. The set of band violations is
    found by fixed-point iteration (each step an exact QP); writes into ``x``. The
    iteration can cycle between violation sets (a point on its band's edge): when a
    set comes back, or after 30 steps, the best point visited is kept.
    """
    n = y.shape[0]
    max_steps = 30
    state = np.zeros(n, dtype=np.int8)
    seen = np.zeros((max_steps + 1, n), dtype=np.int8)  # violation sets visited
    best_x = np.empty(3)
    best = np.inf
    converged = False
    H = np.empty((3, 3))
    g = np.empty(3)
    phi = np.empty(3)
    obj = np.inf
    for step in range(max_steps):
        for i in range(3):
            g[i] = 0.0
            for j in range(3):
                H[i, j] = 1e-14 if i == j else 0.0
        for p in range(n):
            phi[0] = 1.0
            phi[1] = y[p]
            phi[2] = np.sqrt(y[p] * y[p] + 1.0)
            wgt = wt[p]
            tgt = wt[p] * target[p]
            if state[p] > 0:
                wgt += pen[p]
                tgt += pen[p] * hi[p]
            elif state[p] < 0:
                wgt += pen[p]
                tgt += pen[p] * lo[p]
            if wgt == 0.0:
                continue
            for i in range(3):
                g[i] += tgt * phi[i]
                for j in range(3):
                    H[i, j] += wgt * phi[i] * phi[j]
        # equilibrate: H and g scaled by a power of two to max|H| ~ 1 (same minimiser),
        # so the KKT solves' pivot tolerance compares like with like
        hmax = 0.0
        for i in range(3):
            for j in range(3):
                hmax = max(hmax, abs(H[i, j]))
        _, e = math.frexp(hmax)
        f2 = math.ldexp(1.0, -e)
        for i in range(3):
            g[i] *= f2
            for j in range(3):
                H[i, j] *= f2
        if not _qp_active_set(H, g, G, h, x):
            return np.inf
        changed = False
        obj = 0.0
        for p in range(n):
            w = x[0] + x[1] * y[p] + x[2] * np.sqrt(y[p] * y[p] + 1.0)
            new = np.int8(0)
            if w > hi[p]:
                new = np.int8(1)
                obj += pen[p] * (w - hi[p]) ** 2
            elif w < lo[p]:
                new = np.int8(-1)
                obj += pen[p] * (lo[p] - w) ** 2
            obj += wt[p] * (w - target[p]) ** 2
            if new != state[p]:
                changed = True
                state[p] = new
        if not changed:
            converged = True
            break
        if obj < best:
            best = obj
            best_x[0], best_x[1], best_x[2] = x[0], x[1], x[2]
        cycle = False
        for s in range(step + 1):
            same = True
            for p in range(n):
                if seen[s, p] != state[p]:
                    same = False
                    break
            if same:
                cycle = True
                break
        if cycle:
            break
        seen[step + 1, :] = state
    if not converged and best < obj:
        x[0], x[1], x[2] = best_x[0], best_x[1], best_x[2]
        obj = best
    return obj


_fit_adc = numba.njit(cache=True)(_fit_adc_python)


def _min_durrleman_python(
    a: float, b: float, rho: float, m: float, sigma: float, kgrid: Float64Array
) -> tuple[float, float]:
    """``(min g(k), Σ min(g, 0)²)`` of Durrleman's function over ``kgrid`` for raw SVI."""
    gmin = np.inf
    neg2 = 0.0
    for k in kgrid:
        x = k - m
        r = np.sqrt(x * x + sigma * sigma)
        w = a + b * (rho * x + r)
        if w <= 0.0:
            return -np.inf, np.inf
        w1 = b * (rho + x / r)
        w2 = b * sigma * sigma / (r * r * r)
        gk = (1.0 - k * w1 / (2.0 * w)) ** 2 - 0.25 * w1 * w1 * (1.0 / w + 0.25) + 0.5 * w2
        gmin = min(gmin, gk)
        if gk < 0.0:
            neg2 += gk * gk
    return gmin, neg2


_min_durrleman = numba.njit(cache=True)(_min_durrleman_python)


def _svi_objective_python(
    m: float,
    sig: float,
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
) -> float:
    """The outer objective of :func:`calibrate_svi` at ``(m, σ)`` (normalised units).

    The inner fit (:func:`_fit_adc`, best ``(a, d, c)`` left in ``x``) plus
    ``butterfly_penalty`` × Σ min(g, 0)² of Durrleman's g on ``kg``; 1e30 when the
    inner problem has no solution. ``h`` and ``y`` are work space.
    """
    h[:] = h0
    h[3] = h0[3] * sig  # Lee rows scale with sigma
    h[4] = h0[4] * sig
    for i in range(k_all.shape[0]):
        y[i] = (k_all[i] - m) / sig
    obj = _fit_adc(y, target, wt_all, lo_all, hi_all, pen_all, G, h, x)
    if not np.isfinite(obj):
        return 1e30
    c = x[2] * scale
    b = c / sig
    rho = x[1] * scale / c if c > 0.0 else 0.0
    _, neg2 = _min_durrleman(x[0] * scale, b, rho, m, sig, kg)
    return obj + butterfly_penalty * neg2


_svi_objective = numba.njit(cache=True)(_svi_objective_python)

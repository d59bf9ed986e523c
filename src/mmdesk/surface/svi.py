"""Raw SVI smile (Gatheral 2004) and its quasi-explicit calibration (Zeliade 2009).

A smile is described in total implied variance ``w = σ² T`` against log-moneyness
``k = ln(K / F)`` (``F`` the forward of the expiry)::

    w(k) = a + b (ρ (k − m) + sqrt((k − m)² + σ²))

Parameter domain enforced by :func:`calibrate_svi`: ``b ≥ 0``, ``|ρ| ≤ 1``,
``σ > 0``, minimum variance ``a + b σ sqrt(1 − ρ²) ≥ w_floor > 0`` and Roger
Lee's wing bound ``b (1 + |ρ|) ≤ 2``.

Calibration (the quasi-explicit reduction of Zeliade Systems, 2009): with
``y = (k − m)/σ``, ``d = ρ b σ`` and ``c = b σ`` the smile is linear in
``(a, d, c)``::

    w = a + d y + c sqrt(y² + 1)

so for a fixed ``(m, σ)`` the best ``(a, d, c)`` solves a small convex
quadratic programme (weighted least squares on the mid total variances,
quadratic penalties for leaving the bid/ask band, linear parameter
constraints), solved exactly by enumerating active sets (:func:`solve_adc`).
The outer problem over ``(m, log σ)`` is two-dimensional: a coarse grid then a
Nelder–Mead polish, both deterministic. Durrleman's butterfly condition enters
the outer objective as a penalty (see :mod:`mmdesk.surface.arbitrage`).
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from mmdesk.surface.neldermead import nelder_mead
from mmdesk.typing import Float64Array, FloatLike

#: Roger Lee's moment bound on the wing slopes of total variance: ``b (1 + |ρ|) ≤ 2``.
LEE_WING_BOUND = 2.0

# Nodes of the piecewise-linear under-estimate of sqrt(1 − ρ²) used to impose the
# minimum-variance constraint a + c sqrt(1 − ρ²) ≥ floor as linear inequalities.
_CHORD_RHO = np.array([-1.0, -0.97, -0.9, -0.75, -0.5, 0.0, 0.5, 0.75, 0.9, 0.97, 1.0])


class SVIParams(NamedTuple):
    """Raw SVI parameters of one expiry (total-variance units, ``k = ln(K/F)``).

    Attributes
    ----------
    a : float
        Level of total variance (year · vol²).
    b : float
        Angle between the wings (≥ 0).
    rho : float
        Rotation / skew, in [−1, 1].
    m : float
        Horizontal shift of the smile in log-moneyness.
    sigma : float
        ATM curvature scale (> 0), in log-moneyness.
    """

    a: float
    b: float
    rho: float
    m: float
    sigma: float

    def min_variance(self) -> float:
        """Minimum total variance of the smile, ``a + b σ sqrt(1 − ρ²)``."""
        return self.a + self.b * self.sigma * float(np.sqrt(max(1.0 - self.rho**2, 0.0)))

    def wing_slopes(self) -> tuple[float, float]:
        """Asymptotic slopes ``(b (1 − ρ), b (1 + ρ))`` of ``w`` for ``k → −∞`` and ``+∞``."""
        return self.b * (1.0 - self.rho), self.b * (1.0 + self.rho)

    def is_admissible(self, tol: float = 1e-12) -> bool:
        """True when the parameters satisfy the domain listed in the module docstring."""
        return (
            self.b >= -tol
            and abs(self.rho) <= 1.0 + tol
            and self.sigma > 0.0
            and self.min_variance() >= -tol
            and self.b * (1.0 + abs(self.rho)) <= LEE_WING_BOUND + 1e-9
        )


def svi_total_variance(k: FloatLike, p: SVIParams) -> Float64Array:
    """Total implied variance ``w(k)`` of a raw SVI smile.

    Parameters
    ----------
    k : float or array
        Log-moneyness ``ln(K / F)``.
    p : SVIParams
        Smile parameters.

    Returns
    -------
    ndarray
        Total variance ``σ_BS² T`` (year · vol²), same shape as ``k``.
    """
    x = np.asarray(k, dtype=np.float64) - p.m
    return np.asarray(p.a + p.b * (p.rho * x + np.sqrt(x * x + p.sigma**2)), dtype=np.float64)


def svi_derivatives(k: FloatLike, p: SVIParams) -> tuple[Float64Array, Float64Array, Float64Array]:
    """``(w, ∂w/∂k, ∂²w/∂k²)`` of a raw SVI smile at log-moneyness ``k``."""
    x = np.asarray(k, dtype=np.float64) - p.m
    r = np.sqrt(x * x + p.sigma**2)
    w = p.a + p.b * (p.rho * x + r)
    w1 = p.b * (p.rho + x / r)
    w2 = p.b * p.sigma**2 / (r * r * r)
    return np.asarray(w), np.asarray(w1), np.asarray(w2)


def svi_from_ssvi_slice(theta: float, phi: float, rho: float) -> SVIParams:
    """Raw SVI parameters of the SSVI slice ``θ/2 (1 + ρφk + sqrt((φk + ρ)² + 1 − ρ²))``.

    Gatheral & Jacquier (2014), Lemma 3.2: ``a = θ(1 − ρ²)/2``, ``b = θφ/2``,
    ``m = −ρ/φ``, ``σ = sqrt(1 − ρ²)/φ``.
    """
    s = float(np.sqrt(max(1.0 - rho * rho, 1e-12)))
    return SVIParams(0.5 * theta * (1.0 - rho * rho), 0.5 * theta * phi, rho, -rho / phi, s / phi)


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


def _constraints(
    sigma: float, w_floor: float, scale: float = 1.0
) -> tuple[Float64Array, Float64Array]:
    """Linear constraints ``G (a, d, c) ≥ h`` of the raw-SVI domain for a given σ.

    ``(a, d, c)`` are in units of ``scale`` (total variance), ``w_floor`` too.
    """
    rows: list[tuple[float, float, float]] = [
        (0.0, 0.0, 1.0),  # c >= 0  (b >= 0)
        (0.0, -1.0, 1.0),  # c - d >= 0  (rho <= 1)
        (0.0, 1.0, 1.0),  # c + d >= 0  (rho >= -1)
        (0.0, -1.0, -1.0),  # c + d <= L sigma  (b (1 + rho) <= L)
        (0.0, 1.0, -1.0),  # c - d <= L sigma  (b (1 - rho) <= L)
    ]
    lee = LEE_WING_BOUND * sigma / scale
    rhs = [0.0, 0.0, 0.0, -lee, -lee]
    s = np.sqrt(np.maximum(1.0 - _CHORD_RHO**2, 0.0))
    for j in range(_CHORD_RHO.size - 1):
        slope = (s[j + 1] - s[j]) / (_CHORD_RHO[j + 1] - _CHORD_RHO[j])
        alpha = s[j] - slope * _CHORD_RHO[j]
        rows.append((1.0, slope, alpha))  # a + alpha c + slope d >= floor
        rhs.append(w_floor)
    return np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64)


class SVIFitResult(NamedTuple):
    """Outcome of :func:`calibrate_svi`.

    Attributes
    ----------
    params : SVIParams
        Fitted smile.
    objective : float
        Final value of the penalised weighted least-squares objective (normalised units).
    min_g : float
        Minimum of Durrleman's g over the check grid (≥ 0: no butterfly arbitrage).
    """

    params: SVIParams
    objective: float
    min_g: float


def calibrate_svi(
    k: FloatLike,
    w_mid: FloatLike,
    weight: FloatLike | None = None,
    w_lo: FloatLike | None = None,
    w_hi: FloatLike | None = None,
    *,
    band_penalty: float = 100.0,
    kgrid: FloatLike | None = None,
    grid_lo: FloatLike | None = None,
    grid_hi: FloatLike | None = None,
    grid_penalty: float = 0.0,
    butterfly_penalty: float = 1e3,
) -> SVIFitResult:
    """Fit a raw SVI smile to total variances (quasi-explicit, deterministic).

    Parameters
    ----------
    k : array
        Log-moneyness ``ln(K / F)`` of the quotes.
    w_mid : array
        Target total variances ``σ_mid² T`` (year · vol²).
    weight : array, optional
        Non-negative weights of the squared mid residuals (default 1); only their
        ratios matter.
    w_lo, w_hi : array, optional
        Bid/ask band of total variance per quote (``−inf``/``+inf`` where open).
        Leaving the band costs ``band_penalty × weight × distance²``.
    band_penalty : float
        Multiplier of the band penalty relative to the mid weight.
    kgrid : array, optional
        Dense log-moneyness grid on which butterfly arbitrage is penalised (and on
        which the calendar bounds ``grid_lo``/``grid_hi`` apply). Defaults to the
        quotes' range widened by half its width on each side.
    grid_lo, grid_hi : array, optional
        Bounds on ``w`` at ``kgrid`` (e.g. neighbouring expiries' total variance,
        for calendar no-arbitrage), penalised with weight ``grid_penalty`` each.
    grid_penalty : float
        Weight per grid point of the calendar penalty (relative to the largest
        mid weight).
    butterfly_penalty : float
        Weight of ``Σ min(g, 0)²`` on ``kgrid`` in the outer objective.

    Returns
    -------
    SVIFitResult
    """
    kk = np.asarray(k, dtype=np.float64).ravel()
    wm = np.asarray(w_mid, dtype=np.float64).ravel()
    n = kk.size
    if n < 3:
        raise ValueError(f"calibrate_svi needs at least 3 quotes, got k of size {n}")
    if wm.size != n:
        raise ValueError(f"w_mid has size {wm.size}, expected {n} (size of k)")
    if not (np.all(np.isfinite(kk)) and np.all(np.isfinite(wm))):
        raise ValueError("k and w_mid must be finite")
    if np.any(wm <= 0.0):
        raise ValueError(f"w_mid must be positive, got min {wm.min()!r}")
    wt = np.ones(n) if weight is None else np.broadcast_to(np.asarray(weight, float), n).copy()
    if np.any(~np.isfinite(wt)) or np.any(wt < 0.0) or wt.max() <= 0.0:
        raise ValueError("weight must be finite, non-negative and not all zero")
    lo = np.full(n, -np.inf) if w_lo is None else np.broadcast_to(np.asarray(w_lo, float), n)
    hi = np.full(n, np.inf) if w_hi is None else np.broadcast_to(np.asarray(w_hi, float), n)

    scale = float(np.median(wm))  # work in units of the median total variance
    wt = wt / wt.max()
    kmin, kmax = float(kk.min()), float(kk.max())
    width = max(kmax - kmin, 1e-4)
    if kgrid is None:
        kg = np.linspace(kmin - 0.5 * width, kmax + 0.5 * width, 101)
    else:
        kg = np.asarray(kgrid, dtype=np.float64).ravel()
    ng = kg.size
    glo = np.full(ng, -np.inf) if grid_lo is None else np.asarray(grid_lo, float) / scale
    ghi = np.full(ng, np.inf) if grid_hi is None else np.asarray(grid_hi, float) / scale

    # data points then grid points (grid points carry no mid weight, only bounds)
    k_all = np.concatenate([kk, kg])
    target = np.concatenate([wm / scale, np.zeros(ng)])
    wt_all = np.concatenate([wt, np.zeros(ng)])
    lo_all = np.concatenate([np.asarray(lo, float) / scale, glo])
    hi_all = np.concatenate([np.asarray(hi, float) / scale, ghi])
    pen_all = np.concatenate([band_penalty * wt, np.full(ng, grid_penalty)])
    w_floor = 1e-3 * float(wm.min()) / scale
    x = np.zeros(3)
    G, h0 = _constraints(1.0, w_floor, scale)
    h = h0.copy()
    has_grid = bool(np.any(np.isfinite(glo)) or np.any(np.isfinite(ghi)))
    if not has_grid:  # grid points carry no bound: leave them out of the inner problem
        k_all, target, wt_all = k_all[:n], target[:n], wt_all[:n]
        lo_all, hi_all, pen_all = lo_all[:n], hi_all[:n], pen_all[:n]

    y = np.empty(k_all.shape[0])

    def objective(z: Float64Array | list[float]) -> float:
        # np.exp, not math.exp: the two differ in the last bit now and then
        m, sig = float(z[0]), float(np.exp(z[1]))
        return _svi_objective(
            m, sig, k_all, target, wt_all, lo_all, hi_all, pen_all, G, h0, h, x, y, scale, kg,
            butterfly_penalty,
        )  # fmt: skip

    # coarse grid over (m, log sigma), then Nelder-Mead polish from the best node
    m_nodes = np.linspace(kmin, kmax, 7)
    s_nodes = np.linspace(np.log(0.02 * width), np.log(1.5 * width), 7)
    best_z = np.array([m_nodes[3], s_nodes[3]])
    best = np.inf
    for m0 in m_nodes:
        for s0 in s_nodes:
            z = np.array([m0, s0])
            v = objective(z)
            if v < best:
                best, best_z = v, z
    dm = m_nodes[1] - m_nodes[0]
    ds = s_nodes[1] - s_nodes[0]
    simplex = np.array([best_z, best_z + np.array([dm, 0.0]), best_z + np.array([0.0, ds])])
    # scipy's Nelder-Mead step for step (mmdesk.surface.neldermead), on Python floats
    res_x, res_fun, _, _ = nelder_mead(objective, simplex.tolist(), 1e-6, 1e-12, 400)
    z = np.array(res_x) if res_fun <= best else best_z
    final = objective(z)  # leaves the matching (a, d, c) in x
    m, sig = float(z[0]), float(np.exp(z[1]))
    a, d, c = x[0] * scale, x[1] * scale, x[2] * scale
    b = c / sig
    rho = float(np.clip(d / c, -1.0, 1.0)) if c > 0.0 else 0.0
    params = SVIParams(float(a), float(b), rho, m, sig)
    gmin, _ = _min_durrleman(params.a, params.b, params.rho, params.m, params.sigma, kg)
    return SVIFitResult(params, float(final), float(gmin))

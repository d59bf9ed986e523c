"""Surface fit: per-expiry raw SVI slices, free of static arbitrage, as one ``FittedSurface``.

Pipeline of :func:`fit_slices` (array level; :mod:`mmdesk.surface.chain_fit` feeds it
from an :class:`~mmdesk.market.chain.OptionChain`):

1. Each expiry brings its quotes as :class:`SliceQuotes`: the out-of-the-money
   option at each strike (puts below the forward, calls at or above), with the
   Black-76 implied vols of its bid, mid and ask on the implied forward. A bid
   with no implied vol (below intrinsic value, or zero) puts the lower edge of
   the band at zero vol.
2. Weights: the squared mid residual in vol is weighted by ``1 / s²`` where
   ``s = max(σ_ask − σ_bid, spread_floor)`` is the bid–ask width in vol, i.e.
   ``(vega / price spread)²``: wide or low-vega quotes count less.
3. A global SSVI surface (arbitrage-free by construction) is fitted first; its
   slices anchor the butterfly repair.
4. SVI slices are fitted from the longest expiry down; each shorter slice is
   penalised for exceeding the next longer slice's total variance on the
   check grid (calendar), for leaving its bid/ask band, and for negative
   Durrleman g (butterfly).
5. Repairs, then re-check: a slice with butterfly arbitrage is moved towards
   its SSVI anchor (:func:`~mmdesk.surface.arbitrage.repair_butterfly`); then,
   from the shortest expiry up, a slice below its predecessor is lifted
   (:func:`~mmdesk.surface.arbitrage.lift_to_floor`). The final
   :class:`~mmdesk.surface.arbitrage.ArbitrageReport` is what the surface carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numba
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.surface.arbitrage import (
    ArbitrageReport,
    butterfly_free,
    check_grid,
    check_smiles,
    g_from_derivatives,
    repair_butterfly,
)
from mmdesk.surface.residual import SplineCorrection, fit_correction
from mmdesk.surface.ssvi import SSVIParams, fit_ssvi
from mmdesk.surface.svi import SVIParams, calibrate_svi, svi_derivatives, svi_total_variance
from mmdesk.typing import BoolArray, Float64Array, FloatLike


class SurfaceFitConfig(BaseModel):
    """Settings of the surface fit (all optional; defaults are the documented method).

    Attributes
    ----------
    min_points : int
        Fewest usable quotes (OTM, two-sided, with a mid vol) to fit an expiry.
    min_t : float
        Expiries closer than this (years) are not fitted.
    spread_floor : float
        Floor of the bid–ask width in vol used in the weights (annualised vol).
    band_penalty : float
        Weight of leaving the bid/ask band relative to the mid residual.
    calendar_penalty : float
        Weight per grid point of exceeding the next expiry's total variance.
    butterfly_penalty : float
        Weight of ``Σ min(g, 0)²`` on the grid.
    butterfly_escalations : int
        Refits of an SVI slice left with butterfly arbitrage, each with a
        penalty 100 times larger, before the repair towards the SSVI anchor.
    grid_points : int
        Points of the check grid.
    grid_margin : float
        Fraction of the quoted log-moneyness range added to each side of the grid.
    band_tol : float
        Tolerance (annualised vol) of the inside-the-band count.
    band_margins : tuple of float
        The correction is fitted aiming at the band shrunk by each of these
        fractions of its width on each side; the one leaving the most
        two-sided quotes inside the full band is kept (ties: the first).
    correction : bool
        Add the smooth spline correction (:mod:`mmdesk.surface.residual`) to
        each SVI slice, shrunk as far as needed to stay arbitrage-free.
    points_per_knot : int
        Quotes per knot interval of the correction (4 to ``max_knots`` intervals).
    max_knots : int
        Most knot intervals of the correction.
    smoothness : float
        Second-difference penalty of the correction's coefficients.
    correction_band_penalty : float
        Weight of leaving the band in the correction's fit.
    g_iterations, g_margin, g_penalty : int, float, float
        Sequential linearisation of ``g ≥ g_margin`` in the correction's fit:
        rounds, margin, and the cost of a unit shortfall of g in "quotes out of
        the band by one median half-width".
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_points: int = Field(5, ge=3)
    min_t: float = Field(1.0 / (365.0 * 24.0), gt=0.0)
    spread_floor: float = Field(0.002, gt=0.0)
    band_penalty: float = Field(100.0, ge=0.0)
    calendar_penalty: float = Field(1e3, ge=0.0)
    butterfly_penalty: float = Field(1e3, ge=0.0)
    butterfly_escalations: int = Field(2, ge=0)
    grid_points: int = Field(241, ge=11)
    grid_margin: float = Field(0.02, ge=0.0)
    band_tol: float = Field(1e-6, ge=0.0)
    band_margins: tuple[float, ...] = (0.0, 0.1, 0.2)
    correction: bool = True
    points_per_knot: int = Field(2, ge=2)
    smoothness: float = Field(1e-4, ge=0.0)
    correction_band_penalty: float = Field(100.0, ge=0.0)
    max_knots: int = Field(40, ge=4)
    g_iterations: int = Field(8, ge=0)
    g_margin: float = Field(1e-3, ge=0.0)
    g_penalty: float = Field(1e2, ge=0.0)


@dataclass(frozen=True)
class SliceQuotes:
    """Quotes of one expiry prepared for the fit (one OTM option per strike).

    Attributes
    ----------
    t : float
        Time to expiry (years).
    forward : float
        Implied forward (currency).
    discount : float
        Discount factor to expiry.
    strike, k : ndarray
        Strike and log-moneyness ``ln(K/F)``.
    is_call : ndarray of bool
        Which option represents the strike (the OTM one).
    bid, ask : ndarray
        Quotes (currency; European-equivalent for American chains).
    bid_vol, mid_vol, ask_vol : ndarray
        Black-76 implied vols (annualised); ``bid_vol`` is 0 where the bid has
        no vol, ``mid_vol``/``ask_vol`` NaN where they have none.
    two_sided : ndarray of bool
        ``bid > 0``, ``ask > bid`` and an ask vol exists: the strikes the band
        statistics count.
    rows : ndarray of int
        Row of each quote in the source chain (−1 when built from arrays).
    label : str
        Expiry label (e.g. ``2018-02-28``).
    """

    t: float
    forward: float
    discount: float
    strike: Float64Array
    k: Float64Array
    is_call: BoolArray
    bid: Float64Array
    ask: Float64Array
    bid_vol: Float64Array
    mid_vol: Float64Array
    ask_vol: Float64Array
    two_sided: BoolArray
    rows: np.ndarray
    label: str = ""

    @property
    def usable(self) -> BoolArray:
        """Quotes entering the fit: two-sided with a finite, positive mid vol."""
        with np.errstate(invalid="ignore"):
            return self.two_sided & np.isfinite(self.mid_vol) & (self.mid_vol > 0.0)


@dataclass(frozen=True)
class SliceSummary:
    """Fit figures of one expiry (the rows of the CLI table).

    Attributes
    ----------
    label : str
        Expiry label.
    t : float
        Years to expiry.
    n_points : int
        Quotes used in the fit.
    n_two_sided : int
        Two-sided strikes (with an ask vol) counted by the band statistic.
    rmse_vol_pts : float
        Root mean square of (fit − mid vol) over the points used, in vol points.
    inside_band : float
        Share of two-sided strikes whose fitted vol lies in ``[bid vol, ask vol]``.
    min_g : float
        Minimum of Durrleman's g on the check grid.
    butterfly_ok, calendar_ok : bool
        Static-arbitrage status after repair.
    repaired : str
        Which repairs were applied ("", "butterfly", "calendar" or both).
    """

    label: str
    t: float
    n_points: int
    n_two_sided: int
    rmse_vol_pts: float
    inside_band: float
    min_g: float
    butterfly_ok: bool
    calendar_ok: bool
    repaired: str


class SliceModel(NamedTuple):
    """One expiry's smile: raw SVI plus a compactly supported spline correction.

    Attributes
    ----------
    svi : SVIParams
        The SVI part (it alone governs the wings).
    corr : SplineCorrection
        Correction inside the quoted range (zero outside).
    """

    svi: SVIParams
    corr: SplineCorrection

    def total_variance(self, k: FloatLike) -> Float64Array:
        """Total variance ``w(k)`` (year · vol²)."""
        return np.asarray(svi_total_variance(k, self.svi) + self.corr.value(k))

    def derivatives(self, k: FloatLike) -> tuple[Float64Array, Float64Array, Float64Array]:
        """``(w, w', w'')`` at ``k``."""
        w, w1, w2 = svi_derivatives(k, self.svi)
        return (w + self.corr.value(k), w1 + self.corr.value(k, 1), w2 + self.corr.value(k, 2))


def _interp_extrap(x: Float64Array, xp: Float64Array, fp: Float64Array) -> Float64Array:
    """Piecewise-linear interpolation with linear extrapolation of the end segments."""
    if xp.size == 1:
        return np.full(np.shape(x), fp[0])
    y = np.interp(x, xp, fp)
    lo = x < xp[0]
    hi = x > xp[-1]
    s0 = (fp[1] - fp[0]) / (xp[1] - xp[0])
    s1 = (fp[-1] - fp[-2]) / (xp[-1] - xp[-2])
    y = np.where(lo, fp[0] + s0 * (x - xp[0]), y)
    return np.asarray(np.where(hi, fp[-1] + s1 * (x - xp[-1]), y))


def surface_w_python(
    k: Float64Array,
    t: Float64Array,
    tn: Float64Array,
    P: Float64Array,
    klo: Float64Array,
    h: Float64Array,
    coef: Float64Array,
    ncoef: np.ndarray,
    out: Float64Array,
) -> None:
    """Total variance of a slice surface at each (k, t): spec of ``FittedSurface.total_variance``.

    Slice ``s``: raw SVI ``P[s] = (a, b, ρ, m, σ)`` plus the uniform cubic B-spline
    ``Σ_j coef[s, j] B((k − klo[s])/h[s] − j − 2)`` for ``j < ncoef[s]``. Linear in
    ``t`` between the expiries ``tn`` at fixed ``k``; ``w ∝ t`` outside; 0 for ``t ≤ 0``.
    """
    n = tn.shape[0]
    for i in range(k.shape[0]):
        ti = t[i]
        if ti <= 0.0:
            out[i] = 0.0
            continue
        if ti <= tn[0]:
            s0, s1, lam, scale = 0, 0, 0.0, ti / tn[0]
        elif ti >= tn[n - 1]:
            s0, s1, lam, scale = n - 1, n - 1, 0.0, ti / tn[n - 1]
        else:
            lo, hi = 0, n - 1
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if tn[mid] <= ti:
                    lo = mid
                else:
                    hi = mid
            s0, s1, lam, scale = lo, hi, (ti - tn[lo]) / (tn[hi] - tn[lo]), 1.0
        acc = 0.0
        for side in range(2):
            sl = s0 if side == 0 else s1
            wt = 1.0 - lam if side == 0 else lam
            if wt == 0.0:
                continue
            x = k[i] - P[sl, 3]
            w = P[sl, 0] + P[sl, 1] * (P[sl, 2] * x + np.sqrt(x * x + P[sl, 4] * P[sl, 4]))
            m = ncoef[sl]
            if m > 0:
                u0 = (k[i] - klo[sl]) / h[sl]
                j_hi = int(np.floor(u0))
                for j in range(j_hi - 3, j_hi + 1):
                    if j < 0 or j >= m:
                        continue
                    a = abs(u0 - (j + 2.0))
                    if a < 1.0:
                        w += coef[sl, j] * (2.0 / 3.0 - a * a + 0.5 * a * a * a)
                    elif a < 2.0:
                        w += coef[sl, j] * (2.0 - a) ** 3 / 6.0
            acc += wt * w
        out[i] = acc * scale


surface_w = numba.njit(cache=True)(surface_w_python)


@dataclass(frozen=True)
class FittedSurface:
    """An arbitrage-checked implied-vol surface: SVI slices, forwards and discounts.

    Between expiries total variance is interpolated linearly in ``T`` at fixed
    ``k = ln(K/F(T))``; before the first and after the last expiry the implied
    vol at fixed ``k`` is held flat (``w ∝ T``). ``ln F`` is linear in ``T``
    between expiries (through the spot at ``T = 0`` when known) and extrapolated
    with the end segments' carry; ``ln D`` is linear in ``T`` through ``D(0) = 1``
    and extrapolated with the last segment's rate.

    Attributes
    ----------
    t : ndarray
        Fitted expiries (years), increasing.
    labels : tuple of str
        Expiry labels.
    slices : tuple of SliceModel
        One smile per expiry (SVI plus correction).
    forwards, discounts : ndarray
        Implied forward (currency) and discount factor per expiry.
    spot : float
        Underlying price when known (NaN otherwise).
    kgrid : ndarray
        The check grid of the arbitrage report.
    arbitrage : ArbitrageReport
        Butterfly and calendar status of the slices on ``kgrid``.
    summaries : tuple of SliceSummary
        Per-expiry fit figures.
    ssvi : SSVIParams or None
        The global SSVI fit used as repair anchor.
    """

    t: Float64Array
    labels: tuple[str, ...]
    slices: tuple[SliceModel, ...]
    forwards: Float64Array
    discounts: Float64Array
    spot: float
    kgrid: Float64Array
    arbitrage: ArbitrageReport
    summaries: tuple[SliceSummary, ...]
    ssvi: SSVIParams | None = None
    _cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    def _packed(
        self,
    ) -> tuple[Float64Array, Float64Array, Float64Array, Float64Array, np.ndarray]:
        """Slice parameters as arrays for the numba kernel (computed once, cached)."""
        cached = self._cache.get("packed")
        if cached is None:
            n = len(self.slices)
            mmax = max([sm.corr.coef.size for sm in self.slices] + [1])
            P = np.array([list(sm.svi) for sm in self.slices], dtype=np.float64)
            coef = np.zeros((n, mmax))
            for i, sm in enumerate(self.slices):
                coef[i, : sm.corr.coef.size] = sm.corr.coef
            klo = np.array([sm.corr.k_lo for sm in self.slices], dtype=np.float64)
            h = np.array([sm.corr.h for sm in self.slices], dtype=np.float64)
            ncoef = np.array([sm.corr.coef.size for sm in self.slices], dtype=np.int64)
            cached = (P, klo, h, coef, ncoef)
            self._cache["packed"] = cached
        return cached  # type: ignore[return-value]

    def total_variance(self, k: FloatLike, t: FloatLike) -> Float64Array:
        """Total implied variance ``σ² T`` at log-moneyness ``k`` and time ``t`` (years).

        Broadcasts ``k`` and ``t``; ``t ≤ 0`` gives 0.
        """
        kk, tt = np.broadcast_arrays(np.asarray(k, float), np.asarray(t, float))
        kk = np.ascontiguousarray(kk).ravel()
        tt = np.ascontiguousarray(tt).ravel()
        w = np.empty(kk.size)
        surface_w(kk, tt, self.t, *self._packed(), w)
        return np.asarray(w.reshape(np.broadcast_shapes(np.shape(k), np.shape(t))))

    def forward(self, t: FloatLike) -> Float64Array:
        """Forward price (currency) for time ``t`` in years."""
        tt = np.asarray(t, dtype=np.float64)
        xp, fp = self.t, np.log(self.forwards)
        if np.isfinite(self.spot):
            xp = np.concatenate([[0.0], xp])
            fp = np.concatenate([[np.log(self.spot)], fp])
        return np.asarray(np.exp(_interp_extrap(tt, xp, fp)))

    def discount(self, t: FloatLike) -> Float64Array:
        """Discount factor for time ``t`` in years (``D(0) = 1``)."""
        tt = np.asarray(t, dtype=np.float64)
        xp = np.concatenate([[0.0], self.t])
        fp = np.concatenate([[0.0], np.log(self.discounts)])
        return np.asarray(np.exp(_interp_extrap(tt, xp, fp)))

    def vol(self, strike: FloatLike, t: FloatLike) -> Float64Array:
        """Implied vol (annualised) of strike ``strike`` (currency) at time ``t`` (years).

        NaN where ``t ≤ 0`` or ``strike ≤ 0``.
        """
        kk = np.asarray(strike, dtype=np.float64)
        tt = np.asarray(t, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.log(kk / self.forward(tt))
            w = self.total_variance(k, tt)
            v = np.sqrt(np.maximum(w, 0.0) / tt)
        return np.asarray(np.where((tt > 0.0) & (kk > 0.0), v, np.nan))

    @property
    def ok(self) -> bool:
        """True when every slice passes the butterfly and calendar checks."""
        return self.arbitrage.ok

    def smooth(self) -> FittedSurface:
        """The same surface with the spline corrections removed (SVI slices only).

        A smoother reference for stickout screening; its arbitrage report is
        recomputed and is not guaranteed to pass.
        """
        slices = tuple(SliceModel(sm.svi, SplineCorrection.zero()) for sm in self.slices)
        report = check_smiles([sm.derivatives(self.kgrid) for sm in slices], self.kgrid)
        return replace(self, slices=slices, arbitrage=report, _cache={})


def _weights(q: SliceQuotes, floor: float) -> Float64Array:
    spread = np.maximum(q.ask_vol - q.bid_vol, floor)
    return np.asarray(1.0 / (spread * spread))


def _summary(
    q: SliceQuotes,
    sm: SliceModel,
    cfg: SurfaceFitConfig,
    report: ArbitrageReport,
    i: int,
    repaired: str,
) -> SliceSummary:
    used = q.usable
    fit_vol = np.sqrt(np.maximum(sm.total_variance(q.k), 0.0) / q.t)
    rmse = float(np.sqrt(np.mean((fit_vol[used] - q.mid_vol[used]) ** 2))) * 100.0
    ts = q.two_sided
    inside = (fit_vol >= q.bid_vol - cfg.band_tol) & (fit_vol <= q.ask_vol + cfg.band_tol)
    share = float(np.mean(inside[ts])) if np.any(ts) else float("nan")
    return SliceSummary(
        q.label,
        q.t,
        int(used.sum()),
        int(ts.sum()),
        rmse,
        share,
        float(report.min_g[i]),
        bool(report.butterfly_ok[i]),
        bool(report.calendar_ok[i]),
        repaired,
    )


def _inside(q: SliceQuotes, sm: SliceModel, tol: float) -> int:
    """Number of two-sided quotes whose fitted vol lies in their bid/ask band."""
    fit_vol = np.sqrt(np.maximum(sm.total_variance(q.k), 0.0) / q.t)
    ok = (fit_vol >= q.bid_vol - tol) & (fit_vol <= q.ask_vol + tol)
    return int(np.sum(ok & q.two_sided))


def _lift(sm: SliceModel, kgrid: Float64Array, floor: Float64Array) -> SliceModel:
    """Raise the SVI level ``a`` until the smile clears ``floor`` on the grid."""
    gap = float(np.max(floor - sm.total_variance(kgrid)))
    if gap <= 0.0:
        return sm
    return SliceModel(sm.svi._replace(a=sm.svi.a + gap * (1.0 + 1e-9) + 1e-15), sm.corr)


def _g_jacobian(
    kg: Float64Array, w: Float64Array, w1: Float64Array
) -> tuple[Float64Array, Float64Array, Float64Array]:
    """Partial derivatives of Durrleman's g with respect to (w, w', w'') on the grid."""
    u = 1.0 - kg * w1 / (2.0 * w)
    dg_dw = 2.0 * u * kg * w1 / (2.0 * w * w) + 0.25 * w1 * w1 / (w * w)
    dg_dw1 = -u * kg / w - 0.5 * w1 * (1.0 / w + 0.25)
    return dg_dw, dg_dw1, np.full(kg.shape, 0.5)


def _corrected(
    base: SVIParams,
    data: tuple[Float64Array, ...],
    kgrid: Float64Array,
    ceiling: Float64Array | None,
    cfg: SurfaceFitConfig,
    kcal: Float64Array,
    ceiling_cal: Float64Array | None,
) -> SplineCorrection:
    """Spline correction of ``base`` keeping g ≥ 0 (linearised, then shrunk) and the ceiling.

    The fit sees the light grid ``kcal``; the final guard uses the full ``kgrid``.
    """
    k, w_mid, wt_w, w_lo, w_hi = data[:5]
    n = k.size
    w0 = svi_total_variance(k, base)
    g0 = svi_total_variance(kgrid, base)
    gc = svi_total_variance(kcal, base)
    hi_cal = np.full(kcal.size, np.inf) if ceiling_cal is None else ceiling_cal - gc
    args = (
        np.concatenate([k, kcal]),
        np.concatenate([w_mid - w0, np.zeros(kcal.size)]),
        np.concatenate([wt_w / wt_w.max(), np.zeros(kcal.size)]),
        np.concatenate([w_lo - w0, np.full(kcal.size, -np.inf)]),
        np.concatenate([w_hi - w0, hi_cal]),
        cfg.correction_band_penalty,
        cfg.smoothness,
        int(np.clip(n // cfg.points_per_knot, 4, cfg.max_knots)),
        (float(k.min()), float(k.max())),
    )
    corr = fit_correction(*args)
    if corr.coef.size == 0:
        return corr
    Wc, Wc1, Wc2 = svi_derivatives(kcal, base)
    inside = (kcal > corr.k_lo) & (kcal < corr.k_lo + (corr.coef.size + 3) * corr.h)
    kin = kcal[inside]
    B0, B1, B2 = (corr.basis(kin, o) for o in (0, 1, 2))
    wt_n = wt_w / wt_w.max()
    half_w = 0.5 * float(np.median(w_hi - w_lo))
    g_unit = cfg.correction_band_penalty * float(np.mean(wt_n)) * half_w**2
    rows: dict[int, tuple[Float64Array, float]] = {}
    for _ in range(cfg.g_iterations):  # sequential linearisation of g >= margin
        c = corr.coef
        w, w1, w2 = Wc[inside] + B0 @ c, Wc1[inside] + B1 @ c, Wc2[inside] + B2 @ c
        g = g_from_derivatives(kin, w, w1, w2)
        bad = np.flatnonzero(g < cfg.g_margin)
        if bad.size == 0:
            break
        dw, dw1, dw2 = _g_jacobian(kin[bad], w[bad], w1[bad])
        J = dw[:, None] * B0[bad] + dw1[:, None] * B1[bad] + dw2[:, None] * B2[bad]
        for r, jb in enumerate(bad.tolist()):
            rows[jb] = (J[r], float(2 * cfg.g_margin - g[jb] + J[r] @ c))
        keys = sorted(rows)
        corr = fit_correction(
            *args,
            extra_rows=np.array([rows[j][0] for j in keys]),
            extra_lo=np.array([rows[j][1] for j in keys]),
            extra_penalty=cfg.g_penalty * g_unit,
        )
    W, W1, W2 = svi_derivatives(kgrid, base)
    C0, C1, C2 = (corr.value(kgrid, o) for o in (0, 1, 2))
    cal0 = 0.0 if ceiling is None else max(float(np.max(g0 - ceiling)), 0.0)
    tol = 1e-12 + 1e-9 * float(np.max(np.abs(g0)))

    def ok(lam: float) -> bool:
        g = g_from_derivatives(kgrid, W + lam * C0, W1 + lam * C1, W2 + lam * C2)
        if float(g.min()) < 1e-7:
            return False
        return ceiling is None or float(np.max(g0 + lam * C0 - ceiling)) <= cal0 + tol

    if ok(1.0):
        return corr
    # local repair: shrink the basis functions around the worst point until g >= 0
    coef = corr.coef.copy()
    centres = corr.k_lo + (np.arange(coef.size) + 2.0) * corr.h
    B0, B1, B2 = (corr.basis(kgrid, o) for o in (0, 1, 2))
    for _ in range(200):
        g = g_from_derivatives(kgrid, W + B0 @ coef, W1 + B1 @ coef, W2 + B2 @ coef)
        j = int(np.argmin(g))
        cal_bad = ceiling is not None and float(np.max(g0 + B0 @ coef - ceiling)) > cal0 + tol
        if g[j] >= 1e-7 and not cal_bad:
            return SplineCorrection(corr.k_lo, corr.h, coef)
        if g[j] < 1e-7:
            near = np.abs(centres - kgrid[j]) < 2.0 * corr.h
        else:
            jc = int(np.argmax(g0 + B0 @ coef - ceiling))  # type: ignore[operator]
            near = np.abs(centres - kgrid[jc]) < 2.0 * corr.h
        coef[near] *= 0.7
        coef[near & (np.abs(coef) < 1e-12)] = 0.0
    # fall back to a uniform shrink (lambda = 0 is the arbitrage-free SVI slice)
    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return corr.scaled(lo)


def _grid(
    qs: list[SliceQuotes], cfg: SurfaceFitConfig, local_points: int = 101, global_points: int = 0
) -> Float64Array:
    """Check grid: the whole quoted range plus a fine grid over each expiry's own range."""
    parts = []
    for q in qs:
        kq = q.k[q.usable]
        parts.append(check_grid(float(kq.min()), float(kq.max()), local_points, cfg.grid_margin))
    k_all = np.concatenate(parts)
    lo, hi = float(k_all.min()), float(k_all.max())
    parts.append(np.linspace(lo, hi, global_points or cfg.grid_points))
    return np.unique(np.concatenate(parts))


def fit_slices(
    quotes: list[SliceQuotes], config: SurfaceFitConfig | None = None, spot: float = float("nan")
) -> FittedSurface:
    """Fit an arbitrage-checked SVI surface to prepared quotes of several expiries.

    Parameters
    ----------
    quotes : list of SliceQuotes
        One per expiry (any order); expiries with fewer than ``min_points``
        usable quotes or ``t < min_t`` are skipped.
    config : SurfaceFitConfig, optional
        Fit settings.
    spot : float
        Underlying price if known (anchors the forward curve at ``T = 0``).

    Returns
    -------
    FittedSurface
    """
    cfg = config or SurfaceFitConfig()
    qs = sorted(
        (q for q in quotes if q.t >= cfg.min_t and int(q.usable.sum()) >= cfg.min_points),
        key=lambda q: q.t,
    )
    if not qs:
        raise ValueError(
            f"fit_slices: no expiry has >= {cfg.min_points} usable quotes and t >= {cfg.min_t}"
        )
    t = np.array([q.t for q in qs])
    if np.any(np.diff(t) <= 0.0):
        raise ValueError(f"fit_slices: two slices share an expiry time, t = {t}")
    kgrid = _grid(qs, cfg)

    data = []
    for q in qs:
        u = q.usable
        wt_vol = _weights(q, cfg.spread_floor)[u]
        w_mid = q.mid_vol[u] ** 2 * q.t
        wt_w = wt_vol / (2.0 * q.mid_vol[u] * q.t) ** 2  # vol residual -> total-variance residual
        w_lo = q.bid_vol[u] ** 2 * q.t
        w_hi = q.ask_vol[u] ** 2 * q.t
        data.append((q.k[u], w_mid, wt_w, w_lo, w_hi, wt_vol))

    ssvi_box: list[SSVIParams] = []

    def anchor(i: int) -> SVIParams:
        """SSVI slice of expiry i (the global SSVI fit runs once, on first need)."""
        if not ssvi_box:
            sub = [np.linspace(0, d[0].size - 1, min(d[0].size, 25)).astype(int) for d in data]
            ssvi_box.append(
                fit_ssvi(
                    t,
                    [d[0][j] for d, j in zip(data, sub, strict=True)],
                    [d[1][j] for d, j in zip(data, sub, strict=True)],
                    [d[5][j] for d, j in zip(data, sub, strict=True)],
                )
            )
        return ssvi_box[0].slice(i)

    # the calibration sees a lighter grid than the final check
    kcal = _grid(qs, cfg, local_points=15, global_points=101)

    n = t.size
    fitted: list[SliceModel] = [SliceModel(SVIParams(0, 0, 0, 0, 1), SplineCorrection.zero())] * n
    repaired = [[False, False] for _ in range(n)]
    for i in range(n - 1, -1, -1):  # longest first: each slice stays under the next one
        k, w_mid, wt_w, w_lo, w_hi, _ = data[i]
        ceiling = fitted[i + 1].total_variance(kgrid) if i + 1 < n else None
        ceiling_cal = fitted[i + 1].total_variance(kcal) if i + 1 < n else None
        p = SVIParams(0.0, 0.0, 0.0, 0.0, 1.0)
        for escalation in range(cfg.butterfly_escalations + 1):
            res = calibrate_svi(
                k,
                w_mid,
                wt_w,
                w_lo,
                w_hi,
                band_penalty=cfg.band_penalty,
                kgrid=kcal,
                grid_hi=ceiling_cal,
                grid_penalty=cfg.calendar_penalty if ceiling is not None else 0.0,
                butterfly_penalty=cfg.butterfly_penalty * 100.0**escalation,
            )
            p = res.params
            if butterfly_free(p, kgrid):
                break
        if not butterfly_free(p, kgrid):
            p, _ = repair_butterfly(p, anchor(i), kgrid)
            repaired[i][0] = True
        corr = None
        if cfg.correction:
            best = -1
            q = qs[i]
            for margin in cfg.band_margins:
                inset = margin * (q.ask_vol[q.usable] - q.bid_vol[q.usable])
                lo_m = (q.bid_vol[q.usable] + inset) ** 2 * q.t
                hi_m = (q.ask_vol[q.usable] - inset) ** 2 * q.t
                trial = _corrected(
                    p, (k, w_mid, wt_w, lo_m, hi_m), kgrid, ceiling, cfg, kcal, ceiling_cal
                )
                inside = _inside(q, SliceModel(p, trial), cfg.band_tol)
                if inside > best:
                    best, corr = inside, trial
                if best == int(q.two_sided.sum()):
                    break  # every two-sided quote already inside
        fitted[i] = SliceModel(p, corr if corr is not None else SplineCorrection.zero())
    slices = fitted
    for i in range(1, n):  # shortest first: lift any slice below its predecessor
        floor = slices[i - 1].total_variance(kgrid)
        lifted = _lift(slices[i], kgrid, floor)
        if lifted is not slices[i]:
            repaired[i][1] = True
            w, w1, w2 = lifted.derivatives(kgrid)
            if float(g_from_derivatives(kgrid, w, w1, w2).min()) < 0.0:
                base, _ = repair_butterfly(lifted.svi, anchor(i), kgrid)
                lifted = _lift(SliceModel(base, SplineCorrection.zero()), kgrid, floor)
            slices[i] = lifted
    report = check_smiles([sm.derivatives(kgrid) for sm in slices], kgrid)
    summaries = tuple(
        _summary(
            q,
            slices[i],
            cfg,
            report,
            i,
            ",".join(nm for nm, f in zip(("butterfly", "calendar"), repaired[i], strict=True) if f),
        )
        for i, q in enumerate(qs)
    )
    return FittedSurface(
        t=t,
        labels=tuple(q.label for q in qs),
        slices=tuple(slices),
        forwards=np.array([q.forward for q in qs]),
        discounts=np.array([q.discount for q in qs]),
        spot=float(spot),
        kgrid=kgrid,
        arbitrage=report,
        summaries=summaries,
        ssvi=ssvi_box[0] if ssvi_box else None,
    )


def slice_quotes(
    t: float,
    forward: float,
    discount: float,
    strike: FloatLike,
    is_call: FloatLike,
    bid: FloatLike,
    ask: FloatLike,
    *,
    label: str = "",
    rows: np.ndarray | None = None,
    otm_only: bool = True,
) -> SliceQuotes:
    """Prepare one expiry's quotes: keep the OTM option per strike, imply bid/mid/ask vols.

    Parameters
    ----------
    t : float
        Years to expiry.
    forward : float
        Forward price of the expiry (currency).
    discount : float
        Discount factor to expiry.
    strike, is_call, bid, ask : arrays
        All options of the expiry (European or European-equivalent prices).
    label : str
        Expiry label.
    rows : int array, optional
        Row numbers in the source chain, carried through.
    otm_only : bool
        Keep only the out-of-the-money option at each strike (the fit's input).

    Returns
    -------
    SliceQuotes
        Puts with ``K < F`` and calls with ``K ≥ F`` (every option when
        ``otm_only`` is False, e.g. to screen stickouts), sorted by strike.
    """
    from mmdesk.pricing.implied_vol import black76_implied_vol

    if not (t > 0.0 and forward > 0.0 and 0.0 < discount <= 1.5):
        raise ValueError(
            f"slice_quotes: need t > 0, forward > 0, discount in (0, 1.5]; got t={t!r}, "
            f"forward={forward!r}, discount={discount!r}"
        )
    K = np.asarray(strike, dtype=np.float64).ravel()
    c = np.asarray(is_call, dtype=bool).ravel()
    b = np.asarray(bid, dtype=np.float64).ravel()
    a = np.asarray(ask, dtype=np.float64).ravel()
    r = np.arange(K.size) if rows is None else np.asarray(rows).ravel()
    otm = np.where(c, K >= forward, K < forward) if otm_only else np.ones(K.size, dtype=bool)
    idx = np.flatnonzero(otm)
    idx = idx[np.argsort(K[idx], kind="stable")]
    K, c, b, a, r = K[idx], c[idx], b[idx], a[idx], r[idx]
    rate = -np.log(discount) / t
    with np.errstate(invalid="ignore"):
        fin = np.isfinite(b) & np.isfinite(a)
        two = fin & (b > 0.0) & (a > b)
        mid = np.where(two, 0.5 * (b + a), np.nan)
    bid_px = np.where(fin & (b > 0.0), b, np.nan)
    ask_px = np.where(fin & (a > 0.0), a, np.nan)
    vols = np.asarray(
        black76_implied_vol(
            np.concatenate([bid_px, mid, ask_px]),
            forward,
            np.tile(K, 3),
            t,
            rate,
            np.tile(c, 3),
        ),
        dtype=np.float64,
    )
    n = K.size
    bid_vol = np.nan_to_num(vols[:n], nan=0.0)
    mid_vol = vols[n : 2 * n]
    ask_vol = vols[2 * n :]
    two = two & np.isfinite(ask_vol)
    return SliceQuotes(
        t=float(t),
        forward=float(forward),
        discount=float(discount),
        strike=K,
        k=np.log(K / forward),
        is_call=c,
        bid=b,
        ask=a,
        bid_vol=bid_vol,
        mid_vol=mid_vol,
        ask_vol=ask_vol,
        two_sided=two,
        rows=r,
        label=label,
    )

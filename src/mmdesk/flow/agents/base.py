"""What every flow agent shares: its view of the world and a few vectorised helpers.

Agents are *simulator* participants: besides the public market data they may
hold an :class:`Oracle` on the latent fair value (the informed see its future,
the vol-informed its future realised vol, liquidity providers its present).
The desk never gets an oracle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from mmdesk.flow.agents._draws import half_z2, masked_weights
from mmdesk.flow.agents._kernels import order_rows, tau_live
from mmdesk.typing import BoolArray, Float64Array, Int64Array
from mmdesk.venue.listing import Listing
from mmdesk.venue.participant import ORDER_DTYPE, TIF_IOC
from mmdesk.venue.ticks import TickTable

#: Seconds per ACT/365 year.
S_PER_YEAR: float = 365.0 * 86_400.0
_SQRT_2PI = float(np.sqrt(2.0 * np.pi))
#: ``Listing.tau``'s default floor, seconds.
_TAU_FLOOR_S = 60.0


class Oracle(Protocol):
    """Simulator-side knowledge of the latent fair value (``mmdesk.sim`` implements it)."""

    def fair_value(self, ts_ns: int) -> float:
        """Latent fair value now (exogenous path plus price impact), currency."""
        ...

    def future_log_return(self, ts_ns: int, horizon_ns: int) -> float:
        """Log return of the exogenous fair-value path from ``ts_ns`` to ``ts_ns + horizon_ns``."""
        ...

    def realised_vol(self, ts_ns: int, horizon_ns: int) -> float:
        """Annualised realised vol of the exogenous path over ``[ts_ns, ts_ns + horizon_ns]``."""
        ...

    def variance_years(self, t0_ns: int, t1_ns: int) -> float:
        """Variance time between two instants, years (public: the session clock is known)."""
        ...

    def activity(self, ts_ns: int) -> float:
        """Intraday activity multiplier (mean 1 over a session) scaling arrival rates."""
        ...


@dataclass(frozen=True, eq=False)
class AgentContext:
    """Static facts every agent needs.

    Attributes
    ----------
    listing
        The option series (instrument ids 1..n; 0 is the underlying).
    option_ticks, underlying_ticks
        Tick tables (integer price units).
    price_unit
        Currency per integer price unit.
    rate, div_yield
        Continuously compounded rate and dividend yield per year.
    oracle
        The simulator's latent fair value.
    """

    listing: Listing
    option_ticks: TickTable
    underlying_ticks: TickTable
    price_unit: float
    rate: float
    div_yield: float
    oracle: Oracle
    _at: list[Any] = field(
        default_factory=lambda: [None, None, None, None, {}], init=False, repr=False, compare=False
    )
    _lm: list[Any] = field(
        default_factory=lambda: [math.nan, None], init=False, repr=False, compare=False
    )

    def tau_live(self, now_ns: int) -> tuple[Float64Array, BoolArray, Float64Array]:
        """``listing.tau(now_ns)`` (years), ``listing.live(now_ns)`` and ``sqrt(tau)``.

        Computed once per ``now_ns`` and shared by every agent due then: the arrays
        are read-only (callers derive new arrays from them).
        """
        at = self._at
        if at[0] != now_ns:
            lst = self.listing
            n = lst.n_options
            tau, live, sqrt_tau = np.empty(n), np.empty(n, dtype=np.bool_), np.empty(n)
            tau_live(lst.expiry_ns, now_ns, _TAU_FLOOR_S, S_PER_YEAR, tau, live, sqrt_tau)
            for a in (tau, live, sqrt_tau):
                a.flags.writeable = False
            at[:] = [now_ns, tau, live, sqrt_tau, {}]
        return at[1], at[2], at[3]

    def choice_weights(
        self,
        now_ns: int,
        spot: float,
        vol: float,
        width_sd: float,
        tau_scale_years: float,
        live: BoolArray,
    ) -> Float64Array:
        """:func:`moneyness_weights` of the listing at ``now_ns`` (same values), with the
        terms that depend only on the time (``sqrt(tau)``, the expiry preference)
        computed once per time and shared by the agents due then."""
        tau, _, sqrt_tau = self.tau_live(now_ns)
        expiry: dict[float, Float64Array] = self._at[4]
        w_exp = expiry.get(tau_scale_years)
        if w_exp is None and tau_scale_years != 0.0:
            w_exp = expiry[tau_scale_years] = _expiry_weight(tau, tau_scale_years)
        return moneyness_weights(
            self.listing.strike, spot, tau, vol, width_sd, tau_scale_years, live,
            sqrt_tau=sqrt_tau, expiry_weight=w_exp,
        )  # fmt: skip

    def log_moneyness(self, spot: float) -> Float64Array:
        """``np.log(listing.strike / spot)`` (read-only; kept while ``spot`` is unchanged)."""
        lm = self._lm
        if lm[0] != spot:
            out = np.log(self.listing.strike / spot)
            out.flags.writeable = False
            lm[:] = [spot, out]
        arr: Float64Array = lm[1]
        return arr

    def raw_choice_weights(
        self,
        now_ns: int,
        spot: float,
        vol: float,
        width_sd: float,
        tau_scale_years: float,
        live: BoolArray,
    ) -> tuple[Float64Array, float]:
        """:meth:`choice_weights` before the normalisation: ``(w, s)`` with ``w / s`` the
        same floats (``s`` is 1.0 when no live series has a positive weight)."""
        tau, _, sqrt_tau = self.tau_live(now_ns)
        expiry: dict[float, Float64Array] = self._at[4]
        w_exp = expiry.get(tau_scale_years)
        if w_exp is None:
            if tau_scale_years != 0.0:
                w_exp = expiry[tau_scale_years] = _expiry_weight(tau, tau_scale_years)
            else:  # times 1.0 is exact
                w_exp = expiry[0.0] = np.ones(tau.shape[0])
        e = np.exp(half_z2(self.log_moneyness(spot), width_sd * vol, sqrt_tau))
        w = masked_weights(e, w_exp, live)
        s = float(w.sum())
        if not s > 0.0:
            return np.where(live, 1.0, 0.0) / max(int(live.sum()), 1), 1.0
        return w, s


def poisson_counts(
    rng: np.random.Generator, rate_per_s: float, dt_s: float, n: int, activity: float
) -> Int64Array:
    """Arrivals of ``n`` independent Poisson streams over ``dt_s`` seconds.

    Parameters
    ----------
    rate_per_s
        Average arrivals per second of one stream (before seasonality).
    activity
        Intraday multiplier of the rate (dimensionless).
    """
    lam = max(rate_per_s * dt_s * activity, 0.0)
    return rng.poisson(lam, size=n).astype(np.int64, copy=False)


def ioc_orders(
    keep: BoolArray,
    instrument: Int64Array,
    side: Int64Array,
    price: Int64Array,
    qty: Int64Array,
    owner: Int64Array,
) -> npt.NDArray[np.void]:
    """IOC ORDER_DTYPE rows of the kept candidates (prices in integer units), in order."""
    out = np.zeros(int(np.count_nonzero(keep)), dtype=ORDER_DTYPE)
    order_rows(keep, instrument, side, price, qty, TIF_IOC, owner, out)
    return out


def _expiry_weight(tau: Float64Array, tau_scale_years: float) -> Float64Array:
    """The expiry preference ``exp(-(tau - min tau) / tau_scale_years)`` (tau in years)."""
    return np.asarray(np.exp(-(tau - tau.min()) / tau_scale_years))


def moneyness_weights(
    strike: Float64Array,
    spot: float,
    tau: Float64Array,
    vol: float,
    width_sd: float,
    tau_scale_years: float,
    live: BoolArray,
    *,
    sqrt_tau: Float64Array | None = None,
    expiry_weight: Float64Array | None = None,
) -> Float64Array:
    """Choice weights favouring near-the-money, short-dated (``tau_scale_years`` > 0) or
    long-dated (``tau_scale_years`` < 0) series; zero for expired ones.

    ``w = exp(-0.5 (ln(K/S) / (width_sd vol sqrt(tau)))**2) * exp(-tau / tau_scale_years)``,
    normalised to sum to one. Units: tau in years, vol annualised. ``sqrt_tau`` and
    ``expiry_weight`` (:func:`_expiry_weight`) may be passed when already computed.
    """
    sd = width_sd * vol * (np.sqrt(tau) if sqrt_tau is None else sqrt_tau)
    z = np.log(strike / spot) / sd
    w = np.exp(-0.5 * z * z)
    if tau_scale_years != 0.0:
        w = w * (_expiry_weight(tau, tau_scale_years) if expiry_weight is None else expiry_weight)
    w = np.where(live, w, 0.0)
    s = float(w.sum())
    if not s > 0.0:
        return np.where(live, 1.0, 0.0) / max(int(live.sum()), 1)
    return np.asarray(w / s)


def weighted_choice(rng: np.random.Generator, p: Float64Array, n: int) -> Int64Array:
    """``rng.choice(len(p), size=n, p=p)`` without its input checks: the same draws.

    ``p`` must be non-negative and sum to one (as :func:`moneyness_weights` gives).
    The sampling is numpy's own (cumulative sum, normalised, one uniform per draw,
    ``searchsorted`` to the right); a test checks it against ``Generator.choice``.
    """
    cdf = p.cumsum()
    cdf /= cdf[-1]
    out: Int64Array = cdf.searchsorted(rng.random(n), side="right")
    return out


def bs_vega(
    spot: float, strike: Float64Array, tau: Float64Array, vol: Float64Array, rate: float, q: float
) -> Float64Array:
    """Black–Scholes vega per 1.00 of vol (currency per unit vol), vectorised."""
    sq = np.sqrt(tau)
    d1 = (np.log(spot / strike) + (rate - q + 0.5 * vol * vol) * tau) / (vol * sq)
    return np.asarray(spot * np.exp(-q * tau) * np.exp(-0.5 * d1 * d1) / _SQRT_2PI * sq)

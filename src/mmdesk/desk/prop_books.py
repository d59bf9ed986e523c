"""Example prop strategies: a directional view, a volatility view, and an uninformed control.

The directional book holds a target position in the underlying proportional
to a signal about the coming move. The signal mixes the truth with noise::

    signal = ρ · z + sqrt(1 − ρ²) · ε,     ε ~ N(0, 1)

where z is the standardised true move over the book's horizon (supplied by
the caller — in simulation, from the fair-value path the desk cannot see) and
ρ = ``quality`` is the signal's correlation with the truth. ρ = 0 is the
uninformed control: the same book trading on pure noise. The target is
``size · clip(signal, −1, 1)`` shares and the book crosses the difference with
the central book whenever it exceeds ``min_trade`` shares.

The truth callable is the prop book's private information: it is given to the
strategy at construction and never to the central book.

The volatility book (:class:`VolatilityBook`) trades ATM straddles of one
expiry: long when the straddle's implied vol (from the central book's internal
mids) is below its forecast of the realised vol to expiry, short when above::

    edge = forecast − implied            (annualised vol)
    target = size · clip(edge / full_edge, −1, 1)   straddles (contracts per leg)

Its forecast is either honest — the realised vol of the internal spot mids it
has seen (ratio of exponentially weighted sums, Σw·r² / Σw·Δt, with Δt in
ACT/365 years so overnight gaps count with the calendar time they span) — or a
noisy view of the true realised vol to expiry (``truth(ts_ns, expiry_ns)``,
supplied by the experiment): view = truth · exp(noise · ε), ε ~ N(0, 1).
It holds nothing within ``flatten_days`` of the expiry (crossed options are
never held into settlement).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from enum import StrEnum

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.desk.firm_records import CrossRequest
from mmdesk.desk.prop import PropContext
from mmdesk.pricing import implied_vol
from mmdesk.typing import Float64Array
from mmdesk.venue.listing import Listing

_NS_PER_YEAR = 365.0 * 86_400.0 * 1e9


class DirectionalConfig(BaseModel):
    """A directional view on the underlying."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    quality: float = Field(
        0.3, ge=0.0, le=1.0, description="ρ, correlation of the signal with the true move"
    )
    size: float = Field(1_000.0, gt=0.0, description="target shares at |signal| = 1")
    min_trade: float = Field(100.0, gt=0.0, description="smallest re-targeting cross, shares")


class DirectionalBook:
    """A prop strategy that leans the underlying on a noisy view of the coming move.

    Parameters
    ----------
    config : DirectionalConfig
        Signal quality and sizing.
    truth : callable
        ``truth(ts_ns) -> z``: the standardised true move of the underlying
        over the view's horizon from ``ts_ns`` (dimensionless, ~N(0, 1)).
    seed : int or numpy.random.SeedSequence
        Seed of the signal's noise.
    """

    def __init__(
        self,
        config: DirectionalConfig,
        truth: Callable[[int], float],
        seed: int | np.random.SeedSequence,
    ) -> None:
        self.config = config
        self._truth = truth
        self._rng = np.random.default_rng(seed)
        self.last_signal = 0.0

    def signal(self, ts_ns: int) -> float:
        """The book's view at ``ts_ns``: ρ·z + sqrt(1 − ρ²)·ε (dimensionless)."""
        rho = self.config.quality
        z = float(self._truth(ts_ns)) if rho > 0.0 else 0.0
        if not math.isfinite(z):
            raise ValueError(f"truth({ts_ns})={z} must be finite")
        return rho * z + math.sqrt(1.0 - rho * rho) * float(self._rng.standard_normal())

    def decide(self, context: PropContext) -> Sequence[CrossRequest]:
        """Cross toward ``size · clip(signal, −1, 1)`` shares of the underlying."""
        s = self.signal(context.state.ts_ns)
        self.last_signal = s
        target = self.config.size * max(-1.0, min(1.0, s))
        trade = round(target - context.state.shares)
        if abs(trade) < self.config.min_trade:
            return []
        return [CrossRequest(0, float(trade))]


def uninformed_book(
    config: DirectionalConfig, seed: int | np.random.SeedSequence
) -> DirectionalBook:
    """The control: the directional book with ρ = 0 (pure noise, no truth consulted)."""

    def no_truth(ts_ns: int) -> float:
        return 0.0

    return DirectionalBook(config.model_copy(update={"quality": 0.0}), no_truth, seed)


class VolForecast(StrEnum):
    """Where the volatility book's forecast of realised vol comes from."""

    REALISED = "realised"  #: honest: EWMA realised vol of the spot mids it has seen
    VIEW = "view"  #: a noisy view of the true realised vol to expiry (experiment-supplied)


class VolatilityConfig(BaseModel):
    """A volatility view traded as ATM straddles of one expiry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    expiry: int = Field(0, ge=0, description="index of the traded expiry in listing.expiries_ns")
    size: float = Field(20.0, gt=0.0, description="straddles (contracts per leg) at full edge")
    full_edge: float = Field(
        0.03, gt=0.0, description="forecast − implied (annualised vol) giving the full size"
    )
    min_trade: float = Field(2.0, gt=0.0, description="smallest re-targeting cross, contracts")
    forecast: VolForecast = VolForecast.REALISED
    halflife_s: float = Field(
        7_200.0, gt=0.0, description="half-life of the realised-vol EWMA, seconds of clock time"
    )
    min_returns: int = Field(10, ge=1, description="returns seen before the honest forecast")
    view_noise: float = Field(
        0.1, ge=0.0, description="log-sd of the view around the true vol (0 = perfect)"
    )
    view_refresh_s: float = Field(
        0.0,
        ge=0.0,
        description="the view's error is re-drawn once per this many seconds of clock time "
        "(0: at every decision)",
    )
    flatten_days: float = Field(
        1.0, ge=0.0, description="holds nothing this close to expiry, days (ACT)"
    )


class VolatilityBook:
    """A prop strategy that buys vol below its forecast and sells it above, as straddles.

    Parameters
    ----------
    config : VolatilityConfig
        Expiry, sizing and forecast.
    listing : Listing
        The chain's static facts (public: strikes, expiries, call/put).
    rate, div_yield : float
        Continuously compounded, per year (for the implied vols).
    truth : callable, optional
        ``truth(ts_ns, expiry_ns) -> vol``: the annualised realised vol of the
        underlying from ``ts_ns`` to ``expiry_ns`` (required for ``VolForecast.VIEW``).
    seed : int or numpy.random.SeedSequence
        Seed of the view's noise.
    """

    def __init__(
        self,
        config: VolatilityConfig,
        listing: Listing,
        rate: float,
        div_yield: float,
        truth: Callable[[int, int], float] | None = None,
        seed: int | np.random.SeedSequence = 0,
    ) -> None:
        if config.expiry >= listing.expiries_ns.size:
            raise ValueError(
                f"expiry={config.expiry} outside the listing ({listing.expiries_ns.size} expiries)"
            )
        if config.forecast is VolForecast.VIEW and truth is None:
            raise ValueError("forecast='view' needs a truth callable")
        self.config = config
        self._rng = np.random.default_rng(seed)
        self._error = 0.0  # the view's standard-normal error ...
        self._error_slot: int | None = None  # ... and the refresh slot it was drawn in
        self._truth = truth
        self.rate, self.div_yield = float(rate), float(div_yield)
        self.expiry_ns = int(listing.expiries_ns[config.expiry])
        opts = np.flatnonzero(listing.expiry_index == config.expiry)
        self._options = opts
        self._strike = listing.strike[opts]
        self._is_call = listing.is_call[opts]
        self._last: tuple[int, float] | None = None
        self._w_r2 = 0.0
        self._w_dt = 0.0
        self.n_returns = 0
        self.last_signal = 0.0
        self.last_implied = math.nan
        self.last_forecast = math.nan

    def observe(self, ts_ns: int, spot: float) -> None:
        """Add the spot mid seen at ``ts_ns`` (currency) to the realised-vol estimator."""
        if not (math.isfinite(spot) and spot > 0.0):
            return
        if self._last is not None:
            t0, s0 = self._last
            dt = (ts_ns - t0) / _NS_PER_YEAR
            if dt <= 0.0:
                return
            decay = 0.5 ** ((ts_ns - t0) * 1e-9 / self.config.halflife_s)
            r = math.log(spot / s0)
            self._w_r2 = decay * self._w_r2 + r * r
            self._w_dt = decay * self._w_dt + dt
            self.n_returns += 1
        self._last = (int(ts_ns), float(spot))

    def realised_vol(self) -> float:
        """sqrt(Σw·r² / Σw·Δt): annualised (ACT/365) realised vol, NaN before any return."""
        return math.sqrt(self._w_r2 / self._w_dt) if self._w_dt > 0.0 else math.nan

    def forecast(self, ts_ns: int) -> float:
        """The book's forecast of realised vol to expiry (annualised; NaN when it has none)."""
        cfg = self.config
        if cfg.forecast is VolForecast.REALISED:
            return self.realised_vol() if self.n_returns >= cfg.min_returns else math.nan
        assert self._truth is not None
        true_vol = float(self._truth(ts_ns, self.expiry_ns))
        if not (math.isfinite(true_vol) and true_vol > 0.0):
            return math.nan
        return true_vol * math.exp(cfg.view_noise * self._view_error(ts_ns))

    def _view_error(self, ts_ns: int) -> float:
        """The view's standard-normal error, held ``view_refresh_s`` (0: fresh at every call)."""
        period = int(self.config.view_refresh_s * 1e9)
        slot = ts_ns // period if period > 0 else None
        if slot is None or slot != self._error_slot:
            self._error = float(self._rng.standard_normal())
            self._error_slot = slot
        return self._error

    def implied(self, ts_ns: int, spot: float, mid: Float64Array) -> tuple[int, int, float]:
        """The ATM straddle of the expiry and its implied vol from the internal mids.

        Returns
        -------
        call, put : int
            Option indices of the straddle's legs (−1 when none is priced).
        vol : float
            Mean of the two legs' implied vols, annualised (NaN when unpriced).
        """
        tau = (self.expiry_ns - ts_ns) / _NS_PER_YEAR
        if not (tau > 0.0 and spot > 0.0):
            return -1, -1, math.nan
        fwd = spot * math.exp((self.rate - self.div_yield) * tau)
        px = mid[self._options + 1]
        priced = np.isfinite(px) & (px > 0.0)
        both = [
            k
            for k in np.unique(self._strike)
            if priced[(self._strike == k) & self._is_call].any()
            and priced[(self._strike == k) & ~self._is_call].any()
        ]
        if not both:
            return -1, -1, math.nan
        k_atm = min(both, key=lambda k: abs(math.log(k / fwd)))
        c = int(np.flatnonzero((self._strike == k_atm) & self._is_call)[0])
        p = int(np.flatnonzero((self._strike == k_atm) & ~self._is_call)[0])
        legs = np.array([c, p])
        vols = np.asarray(
            implied_vol(px[legs], spot, k_atm, tau, self.rate, self.div_yield, self._is_call[legs]),
            dtype=np.float64,
        )
        good = vols[np.isfinite(vols)]
        vol = float(good.mean()) if good.size else math.nan
        return int(self._options[c]), int(self._options[p]), vol

    def decide(self, context: PropContext) -> Sequence[CrossRequest]:
        """Cross toward the target straddle; close everything else of the expiry."""
        cfg = self.config
        ts = context.state.ts_ns
        spot = float(context.quote.mid[0])
        self.observe(ts, spot)
        held = np.asarray(context.state.contracts, dtype=np.float64)
        target = np.zeros(held.size)
        days_left = (self.expiry_ns - ts) / (86_400.0 * 1e9)
        self.last_signal = 0.0
        if days_left > cfg.flatten_days:
            call, put, iv = self.implied(ts, spot, context.quote.mid)
            fc = self.forecast(ts)
            self.last_implied, self.last_forecast = iv, fc
            if math.isfinite(iv) and math.isfinite(fc):
                self.last_signal = fc - iv
                n = round(cfg.size * max(-1.0, min(1.0, self.last_signal / cfg.full_edge)))
                target[[call, put]] = n
        trade = np.zeros(held.size)
        trade[self._options] = target[self._options] - held[self._options]
        closing = (target == 0.0) & (held != 0.0)
        go = (np.abs(trade) >= cfg.min_trade) | (closing & (trade != 0.0))
        return [CrossRequest(int(i) + 1, float(trade[i])) for i in np.flatnonzero(go)]

"""Competing option market makers: every option quoted around each maker's own noisy theo.

They give the book a market without the desk. Each maker ``m`` values every
live option with Black–Scholes at the underlying mid it sees and the vol

    vol_mi = consensus * (1 + skew * x_i + curvature * x_i**2) + eps_m + eta_mi,
    x_i = ln(K_i / S) / sqrt(tau_i),

where ``consensus`` is the market's shared vol estimate (a prior drawn at the
start, ``vol_prior * exp(vol_prior_dispersion * z)``, updated from the realised
variance of the underlying mids they sample every ``vol_sample_s`` seconds, the
prior weighing as much as ``prior_weight_s`` seconds of observations),
``eps_m`` a per-maker AR(1) vol error (sd ``vol_noise``) and ``eta_mi`` a
per-option error (sd ``vol_noise_option``), both redrawn every
``noise_refresh_s``. They quote ``theo ± half_spread`` rounded away from theo
onto the tick grid, with

    half_spread = max(min_half_spread, half_spread_vol * vega + half_spread_frac * theo),

and ``quote_size`` contracts a side, never through the market (bids at most
one tick below the best ask they see or send, asks one tick above the best
bid). A leg is requoted only when its theo has moved more than
``requote_frac`` × half_spread from the mid it was quoted around, and only
changed legs are sent, except at a full refresh every ``full_refresh_s``
(which also replenishes sides eaten by fills). Quotes whose bid would be below one tick
are one-sided (ask only). The consensus moving toward the realised vol is how
vol information reaches prices during a day. RFQs are answered around the same
theo, the half-spread scaled by ``rfq_size_factor * qty / quote_size``.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.flow.agents._kernels import mm_requote, mm_theo
from mmdesk.flow.agents.base import AgentContext
from mmdesk.flow.agents.tags import AgentKind, tags_for
from mmdesk.typing import Float64Array
from mmdesk.venue.participant import (
    QUOTE_DTYPE,
    Commands,
    MarketView,
    ParticipantBase,
    RfqAnswer,
    RfqRequest,
)

_NS_PER_S = 1_000_000_000


class MarketMakerConfig(BaseModel):
    """Competing option market makers (see the module docstring for the model)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_makers: int = Field(default=4, ge=0, le=99)
    vol_prior: float = Field(default=0.20, gt=0.0)
    vol_prior_dispersion: float = Field(default=0.2, ge=0.0)
    prior_weight_s: float = Field(default=3600.0, gt=0.0)
    vol_sample_s: float = Field(default=60.0, gt=0.0)
    skew: float = -0.10
    curvature: float = Field(default=0.05, ge=0.0)
    vol_noise: float = Field(default=0.004, ge=0.0)
    vol_noise_option: float = Field(default=0.002, ge=0.0)
    noise_persistence: float = Field(default=0.9, ge=0.0, lt=1.0)
    noise_refresh_s: float = Field(default=60.0, gt=0.0)
    min_half_spread: float = Field(default=0.02, gt=0.0)
    half_spread_vol: float = Field(default=0.005, ge=0.0)
    half_spread_frac: float = Field(default=0.01, ge=0.0)
    quote_size: int = Field(default=20, ge=1)
    rfq_size_factor: float = Field(default=0.5, ge=0.0)
    full_refresh_s: float = Field(default=30.0, gt=0.0)
    requote_frac: float = Field(default=0.5, ge=0.0)
    timer_ms: int = Field(default=5000, ge=1)


class MarketMakers(ParticipantBase):
    """A group of competing option market makers, requoting together on one timer."""

    kind = AgentKind.MARKET_MAKER

    def __init__(
        self,
        config: MarketMakerConfig,
        context: AgentContext,
        participant_ids: tuple[int, ...],
        rng: np.random.Generator,
    ) -> None:
        if len(participant_ids) != config.n_makers:
            raise ValueError(
                f"MarketMakers: {len(participant_ids)} participant_ids for "
                f"n_makers={config.n_makers}"
            )
        self.config = config
        self.ctx = context
        self.participant_ids = tuple(participant_ids)
        self.tags = tags_for(AgentKind.MARKET_MAKER, config.n_makers)
        self.timer_ns = config.timer_ms * 1_000_000
        self.rng = rng
        self.view: MarketView | None = None
        m, n = config.n_makers, context.listing.n_options
        #: vol the market believed at the start (annualised)
        self.vol_open = config.vol_prior * math.exp(
            config.vol_prior_dispersion * float(rng.standard_normal())
        )
        self._sum_r2 = 0.0
        self._sum_vt = 0.0
        self._last_sample_ns = -1
        self._last_sample_mid = math.nan
        self._eps = config.vol_noise * rng.standard_normal(m)
        self._eta = config.vol_noise_option * rng.standard_normal((m, n))
        self._last_refresh_ns = -1
        self._prior_vt = config.prior_weight_s / (252.0 * 23_400.0)
        self.last_spot = math.nan
        self._last_full_ns = -1
        self._ids = np.asarray(self.participant_ids, dtype=np.int64)
        self._no_view = np.full(n + 1, -1, dtype=np.int64)  # instrument 0 and the options
        self._quote_template = np.zeros(0, dtype=QUOTE_DTYPE)
        zeros = np.zeros((m, n), dtype=np.int64)
        self._sent_bid, self._sent_ask, self._sent_bq, self._sent_aq = zeros, zeros, zeros, zeros

    @property
    def consensus_vol(self) -> float:
        """The market's current vol estimate (annualised): prior blended with realised."""
        v0 = self.vol_open**2
        return math.sqrt((self._prior_vt * v0 + self._sum_r2) / (self._prior_vt + self._sum_vt))

    def on_market_data(self, view: MarketView) -> Commands | None:
        """Keep the latest top of book."""
        self.view = view
        return None

    def _observe(self, now_ns: int, spot: float) -> None:
        cfg = self.config
        if self._last_sample_ns < 0:
            self._last_sample_ns, self._last_sample_mid = now_ns, spot
            return
        if now_ns - self._last_sample_ns >= cfg.vol_sample_s * _NS_PER_S:
            r = math.log(spot / self._last_sample_mid)
            self._sum_r2 += r * r
            self._sum_vt += self.ctx.oracle.variance_years(self._last_sample_ns, now_ns)
            self._last_sample_ns, self._last_sample_mid = now_ns, spot

    def _refresh_noise(self, now_ns: int) -> None:
        cfg, rng = self.config, self.rng
        if self._last_refresh_ns >= 0 and (
            now_ns - self._last_refresh_ns < cfg.noise_refresh_s * _NS_PER_S
        ):
            return
        self._last_refresh_ns = now_ns
        rho = cfg.noise_persistence
        shock = math.sqrt(1.0 - rho * rho)
        self._eps = rho * self._eps + shock * cfg.vol_noise * rng.standard_normal(self._eps.shape)
        self._eta = rho * self._eta + shock * cfg.vol_noise_option * rng.standard_normal(
            self._eta.shape
        )

    def theo(self, now_ns: int, spot: float) -> tuple[Float64Array, Float64Array]:
        """Every maker's theo and vega for every option, each (n_makers, n_options), currency."""
        cfg, ctx = self.config, self.ctx
        lst = ctx.listing
        tau, _, sqrt_tau = ctx.tau_live(now_ns)
        x = ctx.log_moneyness(spot) / sqrt_tau  # np.log(strike / spot), shared with the takers
        theo = np.empty(self._eta.shape)
        vega = np.empty(self._eta.shape)
        mm_theo(
            spot, x, lst.strike, tau, sqrt_tau, self.consensus_vol, cfg.skew, cfg.curvature,
            self._eps, self._eta, ctx.rate, ctx.div_yield, lst.is_call, theo, vega,
        )  # fmt: skip
        return theo, vega

    def _spot(self, now_ns: int) -> float:
        view = self.view
        if view is not None:
            mid = view.mid_at(0)  # the same float as from the numpy scalars, NaN if a side is empty
            if mid == mid:
                return mid
        return self.ctx.oracle.fair_value(now_ns)

    def on_timer(self, now_ns: int) -> Commands | None:
        """Requote every live option for every maker (one mass quote per maker)."""
        cfg, ctx = self.config, self.ctx
        if cfg.n_makers == 0:
            return None
        spot = self._spot(now_ns)
        self.last_spot = spot
        self._observe(now_ns, spot)
        self._refresh_noise(now_ns)
        theo, vega = self.theo(now_ns, spot)
        full = self._last_full_ns < 0 or now_ns - self._last_full_ns >= cfg.full_refresh_s * 1e9
        if full:
            self._last_full_ns = now_ns
        view = self.view
        if view is not None:  # options are instruments 1..n
            view_bid, view_ask = view.bid, view.ask
        else:
            view_bid = view_ask = self._no_view
        ticks = ctx.option_ticks
        bid, ask, bid_qty, ask_qty, quotes = mm_requote(
            theo, vega, self._sent_bid, self._sent_ask, self._sent_bq, self._sent_aq,
            view_bid, view_ask, ctx.tau_live(now_ns)[1], ctx.price_unit, cfg.min_half_spread,
            cfg.half_spread_vol, cfg.half_spread_frac, cfg.requote_frac, cfg.quote_size, full,
            ticks.starts, ticks.steps, ticks.nbands, self._ids, ctx.listing.instrument,
            self._quote_template,
        )  # fmt: skip
        self._sent_bid, self._sent_ask, self._sent_bq, self._sent_aq = bid, ask, bid_qty, ask_qty
        if quotes.shape[0] == 0:
            return None
        return Commands(quotes=quotes)

    def on_rfq(self, request: RfqRequest) -> list[RfqAnswer]:
        """Every maker's two-sided price for the full RFQ size (integer units)."""
        cfg, ctx = self.config, self.ctx
        now_ns = request.ts_ns
        i = request.instrument - 1
        if cfg.n_makers == 0 or not ctx.listing.live(now_ns)[i]:
            return []
        theo, vega = self.theo(now_ns, self._spot(now_ns))
        hs = np.maximum(
            cfg.min_half_spread,
            cfg.half_spread_vol * vega[:, i] + cfg.half_spread_frac * theo[:, i],
        ) * (1.0 + cfg.rfq_size_factor * request.qty / cfg.quote_size)
        unit = ctx.price_unit
        bid = ctx.option_ticks.round_down(
            np.floor((theo[:, i] - hs) / unit + 1e-9).astype(np.int64)
        )
        ask = ctx.option_ticks.round_up(np.ceil((theo[:, i] + hs) / unit - 1e-9).astype(np.int64))
        return [
            RfqAnswer(request.rfq_id, pid, int(b) if b > 0 else -1, int(a))
            for pid, b, a in zip(self.participant_ids, bid, ask, strict=True)
        ]

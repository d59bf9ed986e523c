"""Hard limits of a book: per name, per expiry, per strike, per option, loss and flow.

All greek limits are absolute values in natural units of the whole book:
delta in shares, gamma in shares per 1 currency unit of spot move, vega in
currency per 1.00 of vol (so 1 vol point = vega/100), notional in currency.
Contract limits count option contracts. A limit of ``inf`` is off.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, model_validator


class LimitsConfig(BaseModel):
    """The hard, non-negotiable limits checked before every order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # per name (one underlying)
    delta: float = Field(5_000.0, gt=0.0, description="|book delta|, shares")
    gamma: float = Field(2_000.0, gt=0.0, description="|book gamma|, shares per 1.00 spot move")
    vega: float = Field(50_000.0, gt=0.0, description="|book vega|, currency per 1.00 vol")
    notional: float = Field(
        50_000_000.0, gt=0.0, description="gross notional Σ|contracts|·multiplier·S + |shares|·S"
    )
    # per expiry bucket
    expiry_vega: float = Field(30_000.0, gt=0.0, description="|vega| per expiry, currency/1.00 vol")
    expiry_gamma: float = Field(1_500.0, gt=0.0, description="|gamma| per expiry, shares per 1.00")
    expiry_contracts: float = Field(2_000.0, gt=0.0, description="gross contracts per expiry")
    # per strike (pin risk) and per option
    strike_contracts: float = Field(
        400.0, gt=0.0, description="gross contracts per (expiry, strike)"
    )
    strike_contracts_near_expiry: float = Field(
        100.0, gt=0.0, description="gross contracts per (expiry, strike) inside the pin window"
    )
    pin_window_days: float = Field(
        2.0, ge=0.0, description="days to expiry below which the near-expiry strike limit applies"
    )
    pin_lead_days: float = Field(
        1.0,
        ge=0.0,
        description="the gate sizes and reduces against the near-expiry strike limit this many "
        "days before the pin window opens, so positions are under it when it binds",
    )
    option_position: float = Field(200.0, gt=0.0, description="|contracts| in one option")
    run_down_minutes: float = Field(
        30.0,
        ge=0.0,
        description="minutes before an expiry from which its options are quoted only to close "
        "positions: gamma and pin risk explode into expiry, so no new risk is opened (0 = off)",
    )
    overnight_gamma_minutes: float = Field(
        60.0,
        ge=0.0,
        description="minutes before a session's close from which gamma (per name and per "
        "expiry) is measured at the larger of now and the next open's time to expiry: the "
        "front expiry's gamma jumps overnight while the market is shut (0 = off)",
    )
    opening_sweep_s: float = Field(
        60.0,
        ge=0.0,
        description="seconds after the open of a session that follows a night (the desk's "
        "opening delay included) during which every resting quote is sized as if all of them "
        "filled at once (sweep share 1): the first quotes after a gap rest on a theo the gap "
        "may have left stale, and the market takes all of them together (0 = off)",
    )
    overnight_headroom: float = Field(
        0.15,
        ge=0.0,
        lt=1.0,
        description="share of the gamma and vega limits kept free over a night for the opening "
        "gap: from overnight_gamma_minutes before a close followed by another session the "
        "limits see gamma and vega divided by (1 − overnight_headroom) (0 = off)",
    )
    expiry_gamma_move: float = Field(
        0.01,
        ge=0.0,
        lt=1.0,
        description="on an option's expiry date its gamma in the limits is a delta ladder's, "
        "(Δ(S(1+m)) − Δ(S(1−m)))/(2mS) with this m: analytic gamma has no bound at the strike "
        "as τ → 0 (mmdesk.risk.expiry_gamma; 0 = analytic gamma)",
    )
    # loss
    daily_loss: float = Field(250_000.0, gt=0.0, description="loss since the day's open, currency")
    drawdown: float = Field(500_000.0, gt=0.0, description="loss from the run's P&L peak, currency")
    # flow
    order_rate: float = Field(200.0, gt=0.0, description="messages per second (token bucket)")
    order_burst: float = Field(400.0, gt=0.0, description="token-bucket depth, messages")
    order_reserve: float = Field(
        2.0,
        ge=0.0,
        description="messages a requote leaves in the bucket for hedges and unwinds, which "
        "reduce risk and must not wait behind quotes",
    )
    collar_ticks: float = Field(
        20.0, ge=0.0, description="max distance of a price from theo, ticks"
    )
    collar_fraction: float = Field(
        0.25, ge=0.0, description="max distance of a price from theo, fraction of theo"
    )
    # breach procedure
    breach_fraction: float = Field(
        0.9,
        gt=0.0,
        le=1.0,
        description="share of each hard limit at which the book counts as breached (REDUCING) "
        "and up to which quotes are sized; the rest absorbs fills racing a requote and greeks "
        "drifting with the market, so the hard limit itself is never crossed",
    )
    sweep_share: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description="share of all resting quotes' combined worst case assumed to fill at once "
        "(quotes adding to an exposure are scaled so it fits the hard limit; 1 = every quote)",
    )
    sweep_move_sd: float = Field(
        3.0,
        ge=0.0,
        description="a leg priced within reach of a move of the underlying of this many standard "
        "deviations over sweep_horizon_s (|delta|·move ≥ its distance from theo) is assumed to "
        "fill in full in a sweep, not sweep_share of it (0 = off)",
    )
    sweep_horizon_s: float = Field(
        1.0,
        ge=0.0,
        description="seconds of underlying move behind sweep_move_sd: how stale a competitor's "
        "fair value may be against the desk's when it refreshes its quotes through the desk's",
    )
    resume_fraction: float = Field(
        0.8, gt=0.0, le=1.0, description="return to ACTIVE once every exposure is below this share"
    )
    reducing_widen: float = Field(2.0, ge=1.0, description="half-spread multiplier while REDUCING")
    unwind_cost_budget: float = Field(
        5_000.0, ge=0.0, description="currency the automatic unwind may pay in spread per day"
    )

    @model_validator(mode="after")
    def _check_fractions(self) -> LimitsConfig:
        if self.order_reserve >= self.order_burst:
            raise ValueError(
                f"order_reserve={self.order_reserve} must be below order_burst={self.order_burst}"
            )
        if self.resume_fraction > self.breach_fraction:
            raise ValueError(
                f"resume_fraction={self.resume_fraction} must not exceed "
                f"breach_fraction={self.breach_fraction}"
            )
        return self

    def scaled(self, fraction: float) -> LimitsConfig:
        """The exposure limits (greeks, notional, contracts) times ``fraction``; the rest as is."""
        names = (
            "delta",
            "gamma",
            "vega",
            "notional",
            "expiry_vega",
            "expiry_gamma",
            "expiry_contracts",
            "strike_contracts",
            "strike_contracts_near_expiry",
            "option_position",
        )
        return self.model_copy(update={n: getattr(self, n) * fraction for n in names})

    def strike_limit(self, days_to_expiry: float) -> float:
        """Per-strike gross contract limit for an expiry ``days_to_expiry`` away."""
        if days_to_expiry <= self.pin_window_days:
            return min(self.strike_contracts, self.strike_contracts_near_expiry)
        return self.strike_contracts


def is_off(limit: float) -> bool:
    """True for a limit that is switched off (infinite)."""
    return math.isinf(limit)

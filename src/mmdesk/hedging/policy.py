"""Delta-hedging policies: when to hedge and how much.

A policy looks at the book's greeks (one underlying) and answers with the
number of shares to trade now (0 = stay put). Band policies trade back to the
nearest edge of their no-trade band, not to zero delta (Whalley & Wilmott
1997); the fixed-interval policy trades to zero delta on a clock.

Units: deltas in shares (an option contract's delta × its multiplier × the
position), gamma in shares per currency unit of spot move, vanna in shares per
1.00 of vol, time in years, clock in int64 nanoseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from mmdesk.hedging.bands import whalley_wilmott_half_width_scalar, zakamouline_band_scalar


@dataclass(frozen=True, slots=True)
class HedgeInputs:
    """What a policy sees of the book at one instant.

    Attributes
    ----------
    now_ns : int
        Clock time (ns).
    spot : float
        Underlying price (currency per share).
    delta : float
        Book delta in shares, options and underlying position included.
    gamma : float
        Book gamma (shares per currency unit of spot move).
    vanna : float
        Book ∂Δ/∂σ (shares per 1.00 of vol); used to re-centre Zakamouline's band.
    vol : float
        Annualised vol used for the book's greeks.
    t : float
        Gamma-weighted time to expiry of the option book (years).
    rate : float
        Continuously compounded rate.
    cost : float
        Proportional cost λ of a hedge trade (fraction of notional).
    last_hedge_ns : int
        Clock time of the book's last hedge trade (ns); a large negative
        number before the first one.
    """

    now_ns: int
    spot: float
    delta: float
    gamma: float
    vanna: float
    vol: float
    t: float
    rate: float
    cost: float
    last_hedge_ns: int


class HedgePolicy(Protocol):
    """Decides the hedge trade (shares, signed: + buys) for the book's state."""

    def hedge_quantity(self, state: HedgeInputs) -> float:
        """Signed shares to trade now; 0.0 when the book stays inside its band."""
        ...


def trade_to_band(delta: float, centre: float, half_width: float) -> float:
    """Shares to trade so that the delta lands on the nearest band edge.

    Parameters
    ----------
    delta : float
        Book delta in shares.
    centre : float
        Band centre in shares (0 for a plain delta band).
    half_width : float
        Band half-width in shares, ≥ 0.

    Returns
    -------
    float
        Signed shares to trade (+ buys); 0.0 inside the band.
    """
    upper = centre + half_width
    lower = centre - half_width
    if delta > upper:
        return upper - delta
    if delta < lower:
        return lower - delta
    return 0.0


class FixedBandConfig(BaseModel):
    """Hedge back to ±``half_width`` shares whenever the delta leaves that band."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["fixed_band"] = "fixed_band"
    half_width: float = Field(100.0, ge=0.0, description="band half-width, shares")

    def hedge_quantity(self, state: HedgeInputs) -> float:
        """Trade to the nearest edge of a constant band around zero delta."""
        return trade_to_band(state.delta, 0.0, self.half_width)


class FixedIntervalConfig(BaseModel):
    """Hedge to zero delta every ``interval_s`` seconds, whatever the delta."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["fixed_interval"] = "fixed_interval"
    interval_s: float = Field(300.0, gt=0.0, description="hedging interval, seconds")

    def hedge_quantity(self, state: HedgeInputs) -> float:
        """Trade to zero delta once ``interval_s`` has passed since the last hedge."""
        due = state.now_ns - state.last_hedge_ns >= int(self.interval_s * 1e9)
        return -state.delta if due else 0.0


class WhalleyWilmottConfig(BaseModel):
    """Cost- and gamma-aware band of Whalley & Wilmott (1997)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["whalley_wilmott"] = "whalley_wilmott"
    risk_aversion: float = Field(1e-4, gt=0.0, description="γ, 1/currency")
    min_half_width: float = Field(0.0, ge=0.0, description="floor on the band, shares")

    def hedge_quantity(self, state: HedgeInputs) -> float:
        """Trade to the nearest edge of H = ((3/2)e^{-rτ}λSΓ²/γ)^{1/3}."""
        h = whalley_wilmott_half_width_scalar(
            state.spot, state.gamma, state.t, state.rate, state.cost, self.risk_aversion
        )
        return trade_to_band(state.delta, 0.0, max(h, self.min_half_width))


class ZakamoulineConfig(BaseModel):
    """Zakamouline's (2006) band: H0 + H1 around the modified-vol delta."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["zakamouline"] = "zakamouline"
    risk_aversion: float = Field(1e-4, gt=0.0, description="γ, 1/currency")

    def hedge_quantity(self, state: HedgeInputs) -> float:
        """Trade to the nearest edge of the band centred on Δ(σ_m).

        The centre is the first-order shift of the book delta when its vol
        moves from σ to σ_m: −vanna·σ·(σ_m/σ − 1) (the hedge offsets it).
        """
        half, mult = zakamouline_band_scalar(
            state.spot,
            state.gamma,
            state.vol,
            max(state.t, 1e-6),
            state.rate,
            state.cost,
            self.risk_aversion,
        )
        centre = -state.vanna * state.vol * (mult - 1.0)
        return trade_to_band(state.delta, centre, half)


HedgeConfig = Annotated[
    FixedBandConfig | FixedIntervalConfig | WhalleyWilmottConfig | ZakamoulineConfig,
    Field(discriminator="kind"),
]

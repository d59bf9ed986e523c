"""The delta hedger: IOC orders in the underlying when the book's delta leaves the policy's band.

The policy (:mod:`mmdesk.hedging`: fixed band, fixed interval, Whalley–Wilmott,
Zakamouline) answers with the shares to trade; the hedger turns that into a
marketable immediate-or-cancel order priced ``slippage_ticks`` through the
opposite best (inside the risk gate's collar around the mid), sized in whole
shares, no more often than ``cooldown_ms`` (so a hedge in flight is not sent
twice). The venue charges the spread, the taker fee and the price impact.

Proportional cost λ handed to the cost-aware bands (fraction of notional):
(half the quoted spread + taker fee per share + ``impact_bps``) / spot.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from mmdesk.hedging import FixedBandConfig, FixedIntervalConfig, HedgeConfig, HedgeInputs


class HedgerConfig(BaseModel):
    """How the central book delta-hedges.

    Attributes
    ----------
    policy
        The band/interval policy (discriminated by ``kind``).
    slippage_ticks
        Limit price this many ticks through the opposite best (IOC).
    cooldown_ms
        Minimum time between two hedge orders, ms.
    taker_fee
        Fee per share of a hedge (currency), for the cost estimate.
    impact_bps
        Expected price impact of a hedge, basis points of spot.
    min_shares
        Smallest hedge sent, shares.
    settlement_window_s
        From this many seconds before an expiry's settlement the hedger hedges
        the delta the book will hold after it (:mod:`mmdesk.desk.settlement_hedge`;
        0 = off).
    settlement_keep_fraction
        Share of the quoting delta limit the book may carry into a settlement
        to get there.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    policy: HedgeConfig = Field(default_factory=lambda: FixedBandConfig(half_width=500.0))
    slippage_ticks: int = Field(2, ge=0)
    cooldown_ms: float = Field(50.0, ge=0.0)
    taker_fee: float = Field(0.003, ge=0.0)
    impact_bps: float = Field(0.5, ge=0.0)
    min_shares: int = Field(1, ge=1)
    settlement_window_s: float = Field(120.0, ge=0.0)
    settlement_keep_fraction: float = Field(0.8, ge=0.0, le=1.0)


@dataclass(frozen=True, slots=True)
class HedgeOrder:
    """A hedge the hedger wants to send (before the risk gate).

    Attributes
    ----------
    shares : int
        Signed shares (+ buys).
    price_units : int
        IOC limit price, integer price units.
    delta_before : float
        Book delta when decided, shares.
    target : float
        Shares the policy asked for (unrounded).
    """

    shares: int
    price_units: int
    delta_before: float
    target: float


class DeltaHedger:
    """Turns the policy's answer into hedge orders and remembers the last hedge time."""

    def __init__(self, config: HedgerConfig) -> None:
        self.config = config
        self.last_hedge_ns = -(1 << 62)
        self.last_sent_ns = -(1 << 62)

    def cost_fraction(self, spot: float, best_bid: float, best_ask: float) -> float:
        """Proportional cost λ of a hedge: (half-spread + fee + impact) / spot."""
        half = 0.5 * (best_ask - best_bid) if best_ask > best_bid > 0.0 else 0.01
        return (half + self.config.taker_fee) / spot + self.config.impact_bps * 1e-4

    def decide(
        self,
        state: HedgeInputs,
        best_bid_units: int,
        best_ask_units: int,
        tick_units: int,
    ) -> HedgeOrder | None:
        """The hedge to send now, or None (inside the band, cooling down, or no market).

        Parameters
        ----------
        state : HedgeInputs
            The book as the policy sees it (``last_hedge_ns`` is overwritten).
        best_bid_units, best_ask_units : int
            Underlying best bid and ask, integer units (≤ 0 when empty).
        tick_units : int
            Underlying tick, integer units.
        """
        cfg = self.config
        if state.now_ns - self.last_sent_ns < int(cfg.cooldown_ms * 1e6):
            return None
        inputs = (
            state
            if state.last_hedge_ns == self.last_hedge_ns
            else HedgeInputs(
                now_ns=state.now_ns,
                spot=state.spot,
                delta=state.delta,
                gamma=state.gamma,
                vanna=state.vanna,
                vol=state.vol,
                t=state.t,
                rate=state.rate,
                cost=state.cost,
                last_hedge_ns=self.last_hedge_ns,
            )
        )
        target = float(cfg.policy.hedge_quantity(inputs))
        shares = round(target)
        if abs(shares) < cfg.min_shares:
            policy = cfg.policy
            if isinstance(policy, FixedIntervalConfig) and (
                state.now_ns - self.last_hedge_ns >= int(policy.interval_s * 1e9)
            ):
                self.last_hedge_ns = state.now_ns  # the interval elapsed with nothing to do
            return None
        if shares > 0:
            if best_ask_units <= 0:
                return None
            price = best_ask_units + cfg.slippage_ticks * tick_units
        else:
            if best_bid_units <= 0:
                return None
            price = max(best_bid_units - cfg.slippage_ticks * tick_units, tick_units)
        return HedgeOrder(shares, int(price), state.delta, target)

    def sent(self, now_ns: int) -> None:
        """Record that a hedge left at ``now_ns`` (after the risk gate allowed it)."""
        self.last_sent_ns = now_ns
        self.last_hedge_ns = now_ns

"""Mechanical delta-hedgers: they hold open interest at one strike and hedge it into expiry.

The hedgers hold ``contracts`` options (signed: + long, so long gamma) at
``strike`` of one listed expiry, bought before the run (they never trade the
option), and on every timer re-hedge the underlying to ``−contracts ·
multiplier · Δ`` shares with an immediate-or-cancel order that sweeps the book.
Δ is the Black–Scholes call delta with r = q = 0 (a put's delta differs by a
constant, which never trades) on the *variance time* left to expiry (the
session clock is public), so Γ concentrates at the strike in the last minutes
exactly as the market's variance does.

Their trades are aggressive, so the venue's price impact moves the latent fair
value the liquidity providers quote around: long-gamma hedgers sell rallies
and buy dips, short-gamma hedgers buy rallies and sell dips (``docs/pinning.md``).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.analytics.pinning import hedger_delta_gamma
from mmdesk.flow.agents.base import AgentContext
from mmdesk.flow.agents.tags import AgentKind, tags_for
from mmdesk.market.events import EventKind
from mmdesk.venue.participant import TIF_IOC, Commands, MarketView, ParticipantBase, make_orders


class HedgerConfig(BaseModel):
    """A block of open interest held by mechanical delta-hedgers.

    Attributes
    ----------
    strike
        Strike of the options held, currency.
    contracts
        Options held, signed (+ long: long gamma; − short: short gamma).
    multiplier
        Shares per contract.
    expiry_index
        Which listed expiry the options belong to (index into ``Listing.expiries_ns``).
    vol
        Annualised vol the hedgers use for delta (on variance time).
    timer_ms
        Re-hedge period, ms.
    sweep_ticks
        How far beyond the touch the IOC limit is placed, underlying ticks.
    hedged_at_start
        True: the position and its hedge were put on before the run (the first
        timer books the hedge at the first mid without trading). False: the
        hedgers trade their whole initial hedge on the first timer.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    strike: float = Field(gt=0.0)
    contracts: float
    multiplier: float = Field(default=100.0, gt=0.0)
    expiry_index: int = Field(default=0, ge=0)
    vol: float = Field(default=0.2, gt=0.0)
    timer_ms: int = Field(default=30_000, ge=1)
    sweep_ticks: int = Field(default=100, ge=0)
    hedged_at_start: bool = True


class DeltaHedgers(ParticipantBase):
    """Hedgers of one strike's open interest (one venue owner), re-hedging on a timer.

    Parameters
    ----------
    config
        The block held and how it is hedged.
    participant_ids, tags
        Venue owner id and counterparty tag (default: the first hedger tag, 700).
    context
        The agents' shared view (listing, ticks, price unit, session clock); may
        be bound later with :meth:`bind` (e.g. once the loop that owns it exists).
    """

    kind = AgentKind.HEDGER

    def __init__(
        self,
        config: HedgerConfig,
        participant_ids: tuple[int, ...],
        tags: tuple[int, ...] | None = None,
        context: AgentContext | None = None,
    ) -> None:
        if len(participant_ids) != 1:
            raise ValueError(f"DeltaHedgers: participant_ids={participant_ids}; expected one id")
        self.config = config
        self.participant_ids = tuple(participant_ids)
        self.tags = tuple(tags) if tags is not None else tags_for(AgentKind.HEDGER, 1)
        self.timer_ns = config.timer_ms * 1_000_000
        self.option_shares = config.contracts * config.multiplier
        self.shares = 0  #: underlying position, shares
        self._started = False
        self.view: MarketView | None = None
        self._strikes = np.array([config.strike])
        self._held = np.array([self.option_shares])
        self.ctx: AgentContext | None = None
        self.expiry_ns = -1
        if context is not None:
            self.bind(context)

    def bind(self, context: AgentContext) -> None:
        """Attach the venue's context (listing, ticks, session clock) before the run."""
        n_exp = context.listing.expiries_ns.size
        if self.config.expiry_index >= n_exp:
            raise ValueError(
                f"DeltaHedgers: expiry_index={self.config.expiry_index} but {n_exp} expiries listed"
            )
        self.ctx = context
        self.expiry_ns = int(context.listing.expiries_ns[self.config.expiry_index])

    def _expiry(self) -> int:
        self._context()
        return self.expiry_ns

    def _context(self) -> AgentContext:
        if self.ctx is None:
            raise RuntimeError("DeltaHedgers: bind(context) before the run")
        return self.ctx

    def target_shares(self, spot: float, now_ns: int) -> int:
        """Underlying position that flattens the options' delta at ``spot`` (shares, rounded)."""
        ctx = self._context()
        tau = ctx.oracle.variance_years(now_ns, self.expiry_ns) if now_ns < self.expiry_ns else 0.0
        held, vol = self._held, self.config.vol
        delta = hedger_delta_gamma(spot, self._strikes, held, max(tau, 0.0), vol)[0]
        return -round(delta)

    def on_market_data(self, view: MarketView) -> Commands | None:
        """Keep the latest top of book."""
        self.view = view
        return None

    def on_fill(self, fills: npt.NDArray[np.void]) -> Commands | None:
        """Book own underlying fills into the hedge."""
        mine = (fills["instrument"] == 0) & ((fills["flags"] & int(EventKind.FILL)) != 0)
        if mine.any():
            self.shares += int((fills["side"][mine].astype(np.int64) * fills["qty"][mine]).sum())
        return None

    def on_timer(self, now_ns: int) -> Commands | None:
        """Re-hedge to the delta at the current mid with one sweeping IOC order."""
        view = self.view
        if view is None or now_ns >= self._expiry() or view.bid[0] <= 0 or view.ask[0] <= 0:
            return None
        mid = 0.5 * (view.bid[0] + view.ask[0]) * view.price_unit
        if not math.isfinite(mid) or mid <= 0.0:
            return None
        target = self.target_shares(mid, now_ns)
        if not self._started:
            self._started = True
            if self.config.hedged_at_start:
                self.shares += target
                return None
        trade = target - self.shares
        if trade == 0:
            return None
        side = 1 if trade > 0 else -1
        ticks = self._context().underlying_ticks
        step = int(ticks.steps[0])
        if side > 0:
            price = int(ticks.round_up(np.array([view.ask[0] + self.config.sweep_ticks * step]))[0])
        else:
            limit = max(view.bid[0] - self.config.sweep_ticks * step, step)
            price = int(ticks.round_down(np.array([limit]))[0])
        orders = make_orders(0, side, price, abs(trade), TIF_IOC)
        return Commands(orders=orders)

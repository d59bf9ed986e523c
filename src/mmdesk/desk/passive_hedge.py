"""Working the hedge: a resting underlying order that lays the book's delta off passively.

The IOC hedger (:mod:`mmdesk.desk.hedger`) trades only when the delta leaves
the policy's band, and then only back to the band's edge, paying the spread,
the taker fee and the impact. Inside the band the book used to wait for its
option skew to bring the delta home. A desk also *works* that delta: it rests
an order on the risk-reducing side of the underlying's book — a bid when short,
an offer when long — for the delta beyond ``keep_shares``, one tick inside the
others' best when the spread allows (first in the queue), never crossing. A
fill earns the spread and the maker rebate instead of paying them.

Price rule (integer price units, ``tick`` the underlying's tick), for a bid::

    if the desk's own bid is the best bid:       keep its price (no pennying itself)
    else:   min(best bid + improve_ticks·tick,  best ask − tick)

and symmetrically for an offer; no order when the other side is empty or the
rule leaves no room inside the spread. Size: ``min(|delta| − keep_shares,
max_shares)`` whole shares, nothing when that is below ``min_shares``.

The leg rides on the desk's mass quote (instrument 0, the other side pulled),
so a change replaces it in one message; the risk gate checks it like a hedge
(it can only reduce |delta| at the moment it is sent).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PassiveHedgeConfig", "PassiveLeg", "passive_hedge_leg"]


class PassiveHedgeConfig(BaseModel):
    """How the book works its delta with a resting underlying order.

    Attributes
    ----------
    enabled
        Rest the order at all (off: only the IOC hedger trades the underlying).
    keep_shares
        Delta left unworked, shares (the order is for the delta beyond it).
    max_shares
        Largest resting order, shares.
    min_shares
        Smallest order worth resting, shares.
    improve_ticks
        Ticks inside the others' best (0 joins it), when the spread allows.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = False
    keep_shares: float = Field(100.0, ge=0.0)
    max_shares: int = Field(1_000, ge=1)
    min_shares: int = Field(50, ge=1)
    improve_ticks: int = Field(1, ge=0)


@dataclass(frozen=True, slots=True)
class PassiveLeg:
    """The desk's resting underlying quote (integer price units, shares; qty 0 = no order).

    Attributes
    ----------
    bid, bid_qty : int
        Bid price and size (the book is short delta).
    ask, ask_qty : int
        Ask price and size (the book is long delta).
    """

    bid: int = 0
    bid_qty: int = 0
    ask: int = 0
    ask_qty: int = 0

    @property
    def signed_shares(self) -> int:
        """Shares the leg would trade if filled in full (+ buys)."""
        return self.bid_qty - self.ask_qty


NO_LEG = PassiveLeg()


def passive_hedge_leg(
    delta: float,
    best_bid: int,
    best_ask: int,
    resting: PassiveLeg,
    tick: int,
    config: PassiveHedgeConfig,
) -> PassiveLeg:
    """The resting order that works ``delta`` down toward ``±keep_shares``.

    Parameters
    ----------
    delta : float
        The book's delta, shares.
    best_bid, best_ask : int
        The underlying's visible best bid and ask, integer price units (≤ 0:
        empty side); the desk's own resting leg included.
    resting : PassiveLeg
        The leg the desk has resting now (as last sent, fills deducted).
    tick : int
        The underlying's tick, integer price units (> 0).
    config : PassiveHedgeConfig
        Sizes and the improvement rule.

    Returns
    -------
    PassiveLeg
        The leg to rest (``NO_LEG`` when nothing should rest).
    """
    if tick <= 0:
        raise ValueError(f"tick must be > 0 price units, got {tick}")
    if not config.enabled or best_bid <= 0 or best_ask <= 0:
        return NO_LEG
    qty = min(int(abs(delta) - config.keep_shares), config.max_shares)
    if qty < config.min_shares:
        return NO_LEG
    step = config.improve_ticks * tick
    if delta < 0.0:  # short: bid
        if resting.bid_qty > 0 and resting.bid == best_bid:
            price = resting.bid
        else:
            price = min(best_bid + step, best_ask - tick)
        return PassiveLeg(bid=price, bid_qty=qty) if price > 0 else NO_LEG
    if resting.ask_qty > 0 and resting.ask == best_ask:
        price = resting.ask
    else:
        price = max(best_ask - step, best_bid + tick)
    return PassiveLeg(ask=price, ask_qty=qty)

"""Example prop strategies: a directional view of configurable quality, and its uninformed control.

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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.desk.firm_records import CrossRequest
from mmdesk.desk.prop import PropContext


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

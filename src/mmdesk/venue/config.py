"""Frozen configs for the venue's rules: tick tables, fees, sizes, self-trade prevention, latency.

All prices here are in currency (e.g. 3.00 dollars) except where a field says
"units"; the engine converts them to integer price units once (see ticks.py).
"""

from __future__ import annotations

import itertools
from enum import IntEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "DEFAULT_OPTION_TICKS",
    "DEFAULT_UNDERLYING_TICKS",
    "DelayConfig",
    "FeeConfig",
    "InstrumentClassConfig",
    "LatencyConfig",
    "STPMode",
    "TickBand",
    "TickTableConfig",
    "VenueConfig",
]


class STPMode(IntEnum):
    """Self-trade prevention: what happens when an order meets its owner's resting order."""

    CANCEL_RESTING = 0  #: cancel the resting order, keep matching the incoming one
    CANCEL_NEWEST = 1  #: cancel the incoming order's remaining quantity, resting stays


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TickBand(_Frozen):
    """One band of a tick table: from ``start`` (currency) upwards, prices step by ``step``."""

    start: float = Field(ge=0.0, description="lowest price of the band, currency")
    step: float = Field(gt=0.0, description="price increment inside the band, currency")


class TickTableConfig(_Frozen):
    """A tick-size table: bands sorted by start; the first band must start at 0.

    ``unit`` is the integer price unit (currency per integer): every band start
    and step must be an integer multiple of it. Default: options 0.01 below 3.00,
    0.05 at and above 3.00.
    """

    unit: float = Field(default=0.01, gt=0.0, description="currency per integer price unit")
    bands: tuple[TickBand, ...] = (TickBand(start=0.0, step=0.01),)

    @model_validator(mode="after")
    def _check(self) -> TickTableConfig:
        if not self.bands:
            raise ValueError("bands must not be empty")
        if self.bands[0].start != 0.0:
            raise ValueError(f"bands[0].start must be 0.0, got {self.bands[0].start}")
        starts = [b.start for b in self.bands]
        if any(b <= a for a, b in itertools.pairwise(starts)):
            raise ValueError(f"bands must have strictly increasing starts, got {starts}")
        for i, b in enumerate(self.bands):
            for name, v in (("start", b.start), ("step", b.step)):
                k = v / self.unit
                if abs(k - round(k)) > 1e-9 * max(1.0, abs(k)):
                    raise ValueError(f"bands[{i}].{name}={v} is not a multiple of unit={self.unit}")
        return self


DEFAULT_OPTION_TICKS = TickTableConfig(
    unit=0.01, bands=(TickBand(start=0.0, step=0.01), TickBand(start=3.0, step=0.05))
)
DEFAULT_UNDERLYING_TICKS = TickTableConfig(unit=0.01, bands=(TickBand(start=0.0, step=0.01),))


class FeeConfig(_Frozen):
    """Maker/taker fees per contract (options) or per share (underlying), in currency.

    A negative fee is a rebate paid to the participant.
    """

    maker: float = Field(default=-0.20, description="currency per unit qty for the resting side")
    taker: float = Field(default=0.50, description="currency per unit qty for the aggressor")


class InstrumentClassConfig(_Frozen):
    """Rules shared by all instruments of one class (the underlying, the options)."""

    name: str
    ticks: TickTableConfig
    fees: FeeConfig = FeeConfig()
    min_qty: int = Field(default=1, ge=1, description="minimum order size, contracts/shares")
    max_qty: int = Field(default=1_000_000, ge=1, description="maximum order size")

    @model_validator(mode="after")
    def _check(self) -> InstrumentClassConfig:
        if self.max_qty < self.min_qty:
            raise ValueError(f"max_qty={self.max_qty} < min_qty={self.min_qty}")
        return self


def _default_classes() -> tuple[InstrumentClassConfig, ...]:
    return (
        InstrumentClassConfig(
            name="underlying",
            ticks=DEFAULT_UNDERLYING_TICKS,
            fees=FeeConfig(maker=-0.002, taker=0.003),
            min_qty=1,
        ),
        InstrumentClassConfig(
            name="option",
            ticks=DEFAULT_OPTION_TICKS,
            fees=FeeConfig(maker=-0.20, taker=0.50),
            min_qty=1,
        ),
    )


class VenueConfig(_Frozen):
    """The venue's rules. Instrument class 0 is the underlying, 1 the options (by default)."""

    classes: tuple[InstrumentClassConfig, ...] = Field(default_factory=_default_classes)
    stp: STPMode = STPMode.CANCEL_RESTING
    max_participants: int = Field(default=64, ge=1, le=1_000_000)
    emit_top: bool = Field(default=True, description="emit TOP rows on top-of-book changes")
    emit_trades: bool = Field(default=True, description="emit public TRADE rows")
    quote_post_only: bool = Field(
        default=False, description="reject mass-quote sides that would trade on entry"
    )
    ladder_width: int = Field(
        default=1 << 14, ge=16, description="price levels per instrument book, integer units"
    )
    initial_order_capacity: int = Field(default=1 << 16, ge=16)
    initial_event_capacity: int = Field(default=1 << 16, ge=64)

    @model_validator(mode="after")
    def _check(self) -> VenueConfig:
        if not self.classes:
            raise ValueError("classes must not be empty")
        units = {c.ticks.unit for c in self.classes}
        if len(units) != 1:
            raise ValueError(f"all classes must share one tick unit, got units {sorted(units)}")
        return self


class DelayConfig(_Frozen):
    """One delay distribution, integer nanoseconds.

    ``constant``: always ``mean_ns``. ``exponential``: ``floor_ns`` + Exp(mean_ns - floor_ns).
    ``lognormal``: ``floor_ns`` + lognormal with median ``mean_ns - floor_ns`` and log-sd ``sigma``
    (so ``mean_ns`` is then the median, not the mean).
    """

    kind: Literal["constant", "exponential", "lognormal"] = "constant"
    mean_ns: int = Field(default=0, ge=0)
    floor_ns: int = Field(default=0, ge=0)
    sigma: float = Field(default=0.5, gt=0.0)

    @model_validator(mode="after")
    def _check(self) -> DelayConfig:
        if self.kind != "constant" and self.floor_ns > self.mean_ns:
            raise ValueError(f"floor_ns={self.floor_ns} > mean_ns={self.mean_ns}")
        return self


class LatencyConfig(_Frozen):
    """Delays of one participant's link to the venue (ns).

    order_entry: participant send -> venue processes the command.
    ack: venue -> participant for its own private rows (ACK, FILL, CANCEL...).
    market_data: venue -> participant for public rows (TOP, TRADE).
    """

    order_entry: DelayConfig = DelayConfig()
    ack: DelayConfig = DelayConfig()
    market_data: DelayConfig = DelayConfig()
    preserve_order: bool = Field(
        default=True, description="a link is FIFO: a message never overtakes an earlier one"
    )

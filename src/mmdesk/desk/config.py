"""The central book's configuration: theo, quoter, hedger, limits, fill-intensity fit, cadence."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from mmdesk.desk.hedger import HedgerConfig
from mmdesk.desk.intensity_fit import IntensityFitConfig
from mmdesk.desk.quoter import QuoterConfig
from mmdesk.desk.theo import TheoConfig
from mmdesk.flow.reader import FlowReaderConfig
from mmdesk.risk.limits import LimitsConfig


def _intensity() -> IntensityFitConfig:
    # Prior: a quote one nickel from theo fills about once a minute (per share distances).
    return IntensityFitConfig(prior_a=0.05, prior_k=30.0, max_distance=0.5, n_bins=20)


class LimitChange(BaseModel):
    """A scheduled change of the hard limits (applied through the gate's audited path).

    Attributes
    ----------
    at_s
        Seconds after the first session's open.
    limits
        The new limits.
    who, why
        Journaled with the change.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    at_s: float = Field(ge=0.0)
    limits: LimitsConfig
    who: str = "risk manager"
    why: str = "scheduled limit change"


class CentralBookConfig(BaseModel):
    """Everything the central market-making book is configured with.

    Attributes
    ----------
    theo, quoter, hedger, limits, intensity
        The parts (see their own docs).
    flow
        The online read of counterparties and the lean against smart flow
        (:mod:`mmdesk.flow.reader`; ``flow.leaning.enabled = false`` switches leaning off).
    timer_ms
        Period of the book's timer (recalibration, snapshots, fixed-interval hedges), ms.
    react_to_ticks
        Receive every market-data change (True) or only the view at each timer (False).
    min_requote_ms
        Minimum time between two requotes triggered by market data, ms (fills
        always requote: the headroom changed).
    reprice_s
        Reprice at least this often even if the underlying did not move (time decay), s.
    snapshot_s
        Period of the P&L / greeks / inventory snapshots, s.
    intensity_refit_s
        Period of the (A, k) re-estimation, s.
    exposure_record_s
        Period at which resting quotes' exposure is added to the fill-intensity data, s.
    unwind_interval_ms
        Minimum time between two automatic unwind orders while REDUCING, ms.
    unwind_max_contracts
        Largest unwind order, contracts.
    option_taker_fee
        Taker fee per option contract (currency), for the unwind's cost estimate.
    limit_changes
        Scheduled, audited changes of the limits during the run.
    journal_quotes
        Journal every quote leg sent (True) or only hedges, unwinds and RFQ answers.
    pull_before_close_s
        The book pulls every resting quote this long before each session's close
        (at the last timer that falls inside the window) and quotes again at the
        next open, s. Resting quotes left overnight would be stale at the open
        (a night of time decay, the overnight gap) and picked off. Hedging goes
        on until the close.
    open_delay_s
        The book's first quotes of a session go out no earlier than this after
        its open (at the first timer from then on), s: the underlying opens first
        (the overnight gap shows in its book) and the options are quoted on that
        price, not on the previous close's (an opening rotation).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    theo: TheoConfig = TheoConfig()
    quoter: QuoterConfig = QuoterConfig()
    hedger: HedgerConfig = HedgerConfig()
    limits: LimitsConfig = LimitsConfig()
    intensity: IntensityFitConfig = Field(default_factory=_intensity)
    flow: FlowReaderConfig = FlowReaderConfig()
    timer_ms: int = Field(1000, ge=1)
    react_to_ticks: bool = True
    min_requote_ms: float = Field(0.0, ge=0.0)
    reprice_s: float = Field(30.0, gt=0.0)
    snapshot_s: float = Field(10.0, gt=0.0)
    intensity_refit_s: float = Field(60.0, gt=0.0)
    exposure_record_s: float = Field(5.0, gt=0.0)
    unwind_interval_ms: float = Field(1000.0, ge=0.0)
    unwind_max_contracts: int = Field(20, ge=1)
    option_taker_fee: float = Field(0.5, ge=0.0)
    limit_changes: tuple[LimitChange, ...] = ()
    journal_quotes: bool = True
    pull_before_close_s: float = Field(60.0, ge=0.0)
    open_delay_s: float = Field(5.0, ge=0.0)

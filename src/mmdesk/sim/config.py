"""The scenario: everything a simulated run needs, as one frozen config loadable from TOML.

The default :class:`ScenarioConfig` is the built-in market of ``mmdesk
simulate``: one underlying at 100 (GBM, 20% vol, U-shaped intraday activity,
overnight gaps), options on 3 expiries (the closes of trading days 1, 5 and 20)
× 21 strikes × call/put = 126 options, and every agent kind (counterparty
tags in brackets, see :mod:`mmdesk.flow.agents.tags`):

======================  =====  =========================================
agent kind              tags   role
======================  =====  =========================================
noise / retail          5      100-104: random side, small, short-dated ATM
informed directional    3      200-202: knows the 10-min fair-value move
vol-informed            3      300-302: knows the day's realised vol
institutional (RFQ)     2      400-401: uninformed blocks via RFQ
option market makers    4      500-503: quote every option around noisy theo
underlying LPs          5      600-604: ladder around the latent fair value
======================  =====  =========================================

Load a TOML file with :func:`load_scenario`; unknown or invalid fields raise
:class:`ScenarioError` naming the field path and the value.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mmdesk.flow.agents.informed import InformedConfig
from mmdesk.flow.agents.institutional import InstitutionalConfig
from mmdesk.flow.agents.liquidity import LiquidityProviderConfig
from mmdesk.flow.agents.market_makers import MarketMakerConfig
from mmdesk.flow.agents.noise import NoiseConfig
from mmdesk.flow.agents.vol_informed import VolInformedConfig
from mmdesk.market.processes import GBMConfig, ProcessConfig
from mmdesk.market.sessions import SessionConfig
from mmdesk.sim.clock import TradingCalendarConfig
from mmdesk.venue.config import DelayConfig, LatencyConfig, VenueConfig
from mmdesk.venue.impact import ImpactConfig


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChainConfig(_Frozen):
    """The listed options.

    Attributes
    ----------
    expiry_days
        Trading-day index (0 = first day) of each expiry; options expire at that
        day's close. Strictly increasing.
    strikes_per_expiry
        Strikes per expiry (odd numbers centre one strike at the initial spot).
    strike_steps
        Strike spacing per expiry, currency (one per expiry).
    multiplier
        Shares per contract.
    """

    expiry_days: tuple[int, ...] = (1, 5, 20)
    strikes_per_expiry: int = Field(default=21, ge=1, le=400)
    strike_steps: tuple[float, ...] = (0.5, 1.0, 2.0)
    multiplier: float = Field(default=100.0, gt=0.0)

    @model_validator(mode="after")
    def _check(self) -> ChainConfig:
        if not self.expiry_days:
            raise ValueError("expiry_days=() must list at least one expiry")
        if any(d < 0 for d in self.expiry_days) or any(
            b <= a for a, b in zip(self.expiry_days, self.expiry_days[1:], strict=False)
        ):
            raise ValueError(f"expiry_days={self.expiry_days} must be >= 0 and strictly increasing")
        if len(self.strike_steps) != len(self.expiry_days):
            raise ValueError(
                f"strike_steps={self.strike_steps} needs one step per expiry "
                f"(expiry_days has {len(self.expiry_days)})"
            )
        if any(s <= 0 for s in self.strike_steps):
            raise ValueError(f"strike_steps={self.strike_steps} must be > 0")
        return self


class AgentsConfig(_Frozen):
    """Every external agent kind (set a count to 0 to remove a kind)."""

    noise: NoiseConfig = NoiseConfig()
    informed: InformedConfig = InformedConfig()
    vol_informed: VolInformedConfig = VolInformedConfig()
    institutional: InstitutionalConfig = InstitutionalConfig()
    market_makers: MarketMakerConfig = MarketMakerConfig()
    liquidity: LiquidityProviderConfig = LiquidityProviderConfig()


def _agent_latency() -> LatencyConfig:
    return LatencyConfig(
        order_entry=DelayConfig(kind="constant", mean_ns=1_000_000),
        ack=DelayConfig(kind="constant", mean_ns=1_000_000),
        market_data=DelayConfig(kind="constant", mean_ns=1_000_000),
    )


def _desk_latency() -> LatencyConfig:
    return LatencyConfig(
        order_entry=DelayConfig(kind="constant", mean_ns=250_000),
        ack=DelayConfig(kind="constant", mean_ns=250_000),
        market_data=DelayConfig(kind="constant", mean_ns=250_000),
    )


class LoopConfig(_Frozen):
    """Event-loop options.

    Attributes
    ----------
    path_step_ms
        Grid step of the pre-simulated exogenous fair-value path, ms.
    mark_interval_ms
        Period of the reference marks (mids and fair value) kept for markouts, ms
        (0 = none).
    journal
        Which venue rows to keep in memory: ``"all"``, ``"fills"`` (FILL, TRADE,
        SETTLE rows) or ``"none"`` (the stream is still hashed).
    """

    path_step_ms: int = Field(default=1000, ge=1)
    mark_interval_ms: int = Field(default=10_000, ge=0)
    journal: Literal["all", "fills", "none"] = "fills"


class ScenarioConfig(_Frozen):
    """A full simulated market. The default is the built-in scenario (see module docstring).

    Attributes
    ----------
    seed
        Root seed (``mmdesk.sim.seeds.SeedBank``).
    days
        Trading days to simulate.
    spot
        Fair value at the first open, currency.
    rate, div_yield
        Continuously compounded rate and dividend yield, per year.
    settlement
        ``"cash"`` or ``"physical"``.
    """

    seed: int = Field(default=1, ge=0)
    days: int = Field(default=1, ge=1)
    spot: float = Field(default=100.0, gt=0.0)
    rate: float = 0.02
    div_yield: float = 0.0
    calendar: TradingCalendarConfig = TradingCalendarConfig()
    session: SessionConfig = SessionConfig()
    process: ProcessConfig = GBMConfig(sigma=0.2)
    chain: ChainConfig = ChainConfig()
    venue: VenueConfig = VenueConfig()
    impact: ImpactConfig = ImpactConfig()
    settlement: Literal["cash", "physical"] = "cash"
    agents: AgentsConfig = AgentsConfig()
    agent_latency: LatencyConfig = Field(default_factory=_agent_latency)
    desk_latency: LatencyConfig = Field(default_factory=_desk_latency)
    loop: LoopConfig = LoopConfig()

    @model_validator(mode="after")
    def _check(self) -> ScenarioConfig:
        a = self.agents
        n_owners = 2 + (
            a.noise.n_tags
            + a.informed.n_tags
            + a.vol_informed.n_tags
            + a.institutional.n_tags
            + a.market_makers.n_makers
            + a.liquidity.n_providers
        )
        if n_owners > self.venue.max_participants:
            raise ValueError(
                f"venue.max_participants={self.venue.max_participants} is below the "
                f"{n_owners} owner ids the agents and the desk need"
            )
        return self


class ScenarioError(ValueError):
    """A scenario file or mapping that does not validate; the message names field and value."""


def _format_errors(err: ValidationError, source: str) -> str:
    lines = [f"invalid scenario {source}:"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        value = e.get("input")
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        lines.append(f"  {loc} = {shown}: {e['msg']}")
    return "\n".join(lines)


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> ScenarioConfig:
    """Validate a mapping (e.g. parsed TOML) into a :class:`ScenarioConfig`.

    Raises
    ------
    ScenarioError
        Listing every invalid field as ``path = value: message``.
    """
    try:
        return ScenarioConfig.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_format_errors(err, source)) from None


def load_scenario(path: str | Path) -> ScenarioConfig:
    """Load a scenario from a TOML file (absent fields take the defaults).

    Raises
    ------
    ScenarioError
        If the file is not valid TOML or a field is invalid (named with its value).
    """
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"invalid scenario {p}: not TOML: {err}") from None
    return scenario_from_dict(data, str(p))


def default_scenario(**overrides: Any) -> ScenarioConfig:
    """The built-in scenario, with top-level fields overridden (e.g. ``seed=3, days=2``)."""
    return ScenarioConfig(**overrides)

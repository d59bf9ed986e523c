"""Pinning in the simulated venue: delta-hedgers of one strike's open interest, into expiry.

A lean scenario of the real simulator (:class:`mmdesk.sim.loop.SimulationLoop`):
the last ``session_hours`` of the expiry day, the underlying's book quoted by
its liquidity providers around the latent fair value (GBM, flat intraday
profile), the venue's price impact on aggressive underlying volume, one option
expiry at the close with a strike at the initial spot, no other agents. Three
arms run on the same seeds (so on the same exogenous paths):

* ``control`` — no hedgers;
* ``long_gamma`` — hedgers long ``contracts`` options at the strike;
* ``short_gamma`` — hedgers short them.

The settlement is the latent fair value at the close (what the venue's
settlement uses). Per arm: P(|S_T − K| <= band_pct · K) compared with control by
Fisher's exact test (one-sided: pinning raises it) and the two-proportion
z-test, and the dispersion of S_T (std, Brown–Forsythe test of equal spread).

The hedger group trades through the loop's participant slot (owner
``DESK_OWNER``): the loop builds its own agents and offers that one slot to
outside participants.
"""

from __future__ import annotations

import datetime as dt
import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from enum import Enum

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from mmdesk.flow.agents.hedger import DeltaHedgers, HedgerConfig
from mmdesk.flow.agents.informed import InformedConfig
from mmdesk.flow.agents.institutional import InstitutionalConfig
from mmdesk.flow.agents.liquidity import LiquidityProviderConfig
from mmdesk.flow.agents.market_makers import MarketMakerConfig
from mmdesk.flow.agents.noise import NoiseConfig
from mmdesk.flow.agents.tags import TAG_DESK
from mmdesk.flow.agents.vol_informed import VolInformedConfig
from mmdesk.market.processes import GBMConfig
from mmdesk.market.sessions import SessionConfig
from mmdesk.sim.clock import TradingCalendarConfig
from mmdesk.sim.config import AgentsConfig, ChainConfig, LoopConfig, ScenarioConfig
from mmdesk.sim.loop import DESK_OWNER, SimulationLoop
from mmdesk.typing import Float64Array
from mmdesk.venue.impact import ImpactConfig

_CLOSE_S = 16 * 3600


class Arm(Enum):
    """Which hedgers the scenario holds."""

    CONTROL = "control"
    LONG_GAMMA = "long_gamma"
    SHORT_GAMMA = "short_gamma"


class PinningConfig(BaseModel):
    """The pinning experiment.

    Attributes
    ----------
    n_paths
        Seeded paths per arm (seeds ``seed .. seed + n_paths − 1``).
    seed
        First seed.
    spot
        Initial fair value = the strike, currency.
    sigma
        Annualised vol of the exogenous fair value (GBM).
    session_hours
        Hours simulated before the expiry close.
    contracts
        Options the hedgers hold (the long arm holds +contracts, the short arm −contracts).
    multiplier
        Shares per contract.
    impact_lam
        Price impact per share of aggressive underlying volume, currency (linear law).
    permanent_fraction
        Share of the impact that is permanent.
    lp_size
        Shares at the liquidity providers' best level (level j shows ``lp_size·(1+j)``).
    lp_timer_ms, hedger_timer_ms
        Requote and re-hedge periods, ms.
    band_pct
        Pin band half-width as a fraction of the strike (0.0025 = ±0.25%).
    workers
        Processes running paths in parallel (1 = in this process).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_paths: int = Field(default=1000, ge=2)
    seed: int = Field(default=0, ge=0)
    spot: float = Field(default=100.0, gt=0.0)
    sigma: float = Field(default=0.2, gt=0.0)
    session_hours: float = Field(default=2.0, gt=0.0, le=6.5)
    contracts: float = Field(default=1500.0, gt=0.0)
    multiplier: float = Field(default=100.0, gt=0.0)
    impact_lam: float = Field(default=4e-6, ge=0.0)
    permanent_fraction: float = Field(default=1.0, ge=0.0, le=1.0)
    lp_size: int = Field(default=2000, ge=1)
    lp_timer_ms: int = Field(default=15_000, ge=1)
    hedger_timer_ms: int = Field(default=30_000, ge=1)
    band_pct: float = Field(default=0.0025, gt=0.0)
    workers: int = Field(default=1, ge=1)


def scenario(cfg: PinningConfig, seed: int) -> ScenarioConfig:
    """The lean simulator scenario of one path (underlying book, impact, one expiry)."""
    session_s = round(cfg.session_hours * 3600)
    return ScenarioConfig(
        seed=seed,
        days=1,
        spot=cfg.spot,
        rate=0.0,
        div_yield=0.0,
        calendar=TradingCalendarConfig(
            start_date=dt.date(2026, 1, 5), open_offset_s=_CLOSE_S - session_s, session_s=session_s
        ),
        session=SessionConfig(u_shape_amplitude=0.0, overnight_fraction=0.0),
        process=GBMConfig(sigma=cfg.sigma),
        chain=ChainConfig(
            expiry_days=(0,), strikes_per_expiry=1, strike_steps=(1.0,), multiplier=cfg.multiplier
        ),
        impact=ImpactConfig(
            kind="linear", lam=cfg.impact_lam, permanent_fraction=cfg.permanent_fraction
        ),
        agents=AgentsConfig(
            noise=NoiseConfig(n_tags=0),
            informed=InformedConfig(n_tags=0),
            vol_informed=VolInformedConfig(n_tags=0),
            institutional=InstitutionalConfig(n_tags=0),
            market_makers=MarketMakerConfig(n_makers=0),
            liquidity=LiquidityProviderConfig(size=cfg.lp_size, timer_ms=cfg.lp_timer_ms),
        ),
        loop=LoopConfig(mark_interval_ms=session_s * 1000, journal="none"),
    )


def run_path(cfg: PinningConfig, arm: Arm, seed: int) -> float:
    """Settlement price (latent fair value at the expiry close) of one seeded path, currency."""
    hedgers = None
    if arm is not Arm.CONTROL:
        sign = 1.0 if arm is Arm.LONG_GAMMA else -1.0
        hedgers = DeltaHedgers(
            HedgerConfig(
                strike=cfg.spot,
                contracts=sign * cfg.contracts,
                multiplier=cfg.multiplier,
                vol=cfg.sigma,
                timer_ms=cfg.hedger_timer_ms,
            ),
            participant_ids=(DESK_OWNER,),
            tags=(TAG_DESK,),
        )
    loop = SimulationLoop(scenario(cfg, seed), desk=hedgers)
    if hedgers is not None:
        hedgers.bind(loop.context)
    loop.run()
    return float(loop.oracle.fair_value(loop.sessions[-1][1]))


def _run_chunk(args: tuple[PinningConfig, Arm, list[int]]) -> list[float]:
    cfg, arm, seeds = args
    return [run_path(cfg, arm, s) for s in seeds]


def settlements(cfg: PinningConfig, arm: Arm) -> Float64Array:
    """Settlement prices of every seeded path of one arm (seeds ``seed .. seed + n − 1``)."""
    seeds = list(range(cfg.seed, cfg.seed + cfg.n_paths))
    if cfg.workers == 1:
        return np.asarray(_run_chunk((cfg, arm, seeds)), dtype=np.float64)
    chunks = [seeds[i :: cfg.workers] for i in range(cfg.workers)]
    with ProcessPoolExecutor(cfg.workers) as pool:
        parts = list(pool.map(_run_chunk, [(cfg, arm, c) for c in chunks]))
    out = np.empty(len(seeds))
    for i, part in enumerate(parts):
        out[i :: cfg.workers] = part
    return out


@dataclass(frozen=True)
class ArmResult:
    """One arm's settlements and its comparison with control.

    Attributes
    ----------
    arm : Arm
    settle : float64 array
        S_T per path (currency).
    in_band : int
        Paths with |S_T − K| <= band.
    p_fisher, p_ztest : float
        One-sided p-values (pin probability higher than control): Fisher's exact
        test and the pooled two-proportion z-test (NaN for control).
    p_spread : float
        Brown–Forsythe (median-centred Levene) p-value of equal spread vs control.
    """

    arm: Arm
    settle: Float64Array
    in_band: int
    p_fisher: float
    p_ztest: float
    p_spread: float

    @property
    def n(self) -> int:
        """Paths."""
        return int(self.settle.size)

    @property
    def pin_probability(self) -> float:
        """Fraction of paths settling within the band."""
        return self.in_band / self.n


@dataclass(frozen=True)
class PinningResult:
    """Every arm of the experiment."""

    config: PinningConfig
    strike: float
    band: float
    arms: tuple[ArmResult, ...]

    def arm(self, arm: Arm) -> ArmResult:
        """The result of one arm."""
        return next(a for a in self.arms if a.arm is arm)


def two_proportion_z(x1: int, n1: int, x0: int, n0: int) -> float:
    """One-sided p-value of H1: p1 > p0, pooled two-proportion z-test."""
    p = (x1 + x0) / (n1 + n0)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
    if se == 0.0:
        return float("nan")
    z = (x1 / n1 - x0 / n0) / se
    return float(stats.norm.sf(z))


def compare(
    arm: Arm, settle: Float64Array, control: Float64Array, strike: float, band: float
) -> ArmResult:
    """Pin counts and tests of one arm against control."""
    x1 = int(np.count_nonzero(np.abs(settle - strike) <= band))
    if arm is Arm.CONTROL:
        return ArmResult(arm, settle, x1, float("nan"), float("nan"), float("nan"))
    x0 = int(np.count_nonzero(np.abs(control - strike) <= band))
    n1, n0 = settle.size, control.size
    _, p_f = stats.fisher_exact([[x1, n1 - x1], [x0, n0 - x0]], alternative="greater")
    p_z = two_proportion_z(x1, n1, x0, n0)
    p_s = float(stats.levene(settle, control, center="median").pvalue)
    return ArmResult(arm, settle, x1, float(p_f), p_z, p_s)


def run(cfg: PinningConfig) -> PinningResult:
    """Run the three arms on the same seeds and compare them with control."""
    strike = cfg.spot
    band = cfg.band_pct * strike
    control = settlements(cfg, Arm.CONTROL)
    arms = [compare(Arm.CONTROL, control, control, strike, band)]
    for arm in (Arm.LONG_GAMMA, Arm.SHORT_GAMMA):
        arms.append(compare(arm, settlements(cfg, arm), control, strike, band))
    return PinningResult(config=cfg, strike=strike, band=band, arms=tuple(arms))

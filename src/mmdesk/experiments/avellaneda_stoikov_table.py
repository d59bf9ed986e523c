"""The published A–S (2008) tables and the rule by which a reproduction agrees with them.

:func:`run` simulates the study (:mod:`mmdesk.experiments.avellaneda_stoikov`)
for each risk aversion and compares every published cell with ours, with error
bars on both sides, and with the exact population value of the same reading
(:mod:`mmdesk.experiments.avellaneda_stoikov_exact`), with the paper's error bar
alone; :func:`sweep_readings` does it under every reading of the set-up, to show
which published cells each reading can and cannot reproduce.
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

from mmdesk.experiments.avellaneda_stoikov import (
    ASConfig,
    FillReference,
    PriceStep,
    RowStats,
    SpreadModel,
    Strategy,
    StrategyRun,
    kurtosis,
    row_stats,
    simulate,
)
from mmdesk.experiments.avellaneda_stoikov_exact import exact_row
from mmdesk.sim.seeds import SeedBank
from mmdesk.venue.intensity import FillProbability

#: Number of simulations behind each published table.
PUBLISHED_N = 1000

#: Where :data:`PUBLISHED` comes from.
PUBLISHED_SOURCE = (
    "Avellaneda, M. & Stoikov, S., 'High-frequency trading in a limit order book', "
    "Quantitative Finance 8(3), 217-224 (2008), section 3.3 'Numerical simulations', "
    "Tables 1-3 (1000 simulations each; columns spread, profit, std(profit), final q, "
    "std(final q)). All 30 cells checked against the authors' text dated 5 October 2006 "
    "(a public transcription of the paper); the journal PDF itself was not opened here."
)

#: Published rows: ``PUBLISHED[gamma][strategy] = RowStats(...)`` (Tables 1, 2, 3).
PUBLISHED: dict[float, dict[Strategy, RowStats]] = {
    0.1: {
        Strategy.INVENTORY: RowStats(1.29, 62.94, 5.89, 0.10, 2.80),
        Strategy.SYMMETRIC: RowStats(1.29, 67.21, 13.43, -0.018, 8.66),
    },
    0.01: {
        Strategy.INVENTORY: RowStats(1.33, 66.78, 8.76, -0.02, 4.70),
        Strategy.SYMMETRIC: RowStats(1.33, 67.36, 13.40, -0.31, 8.65),
    },
    0.5: {
        Strategy.INVENTORY: RowStats(1.15, 33.92, 4.72, -0.02, 1.88),
        Strategy.SYMMETRIC: RowStats(1.15, 66.20, 14.53, 0.25, 9.06),
    },
}

#: The paper's three risk aversions, in its table order.
PUBLISHED_GAMMAS: tuple[float, ...] = (0.1, 0.01, 0.5)

#: Printed by default: the paper's three and gamma = 1, which issue 4 names (the paper's
#: third case is 0.5: its spread 1.15 = 4 ln(4/3); at gamma = 1 it would be 2 ln(5/3) = 1.02).
#: The gamma = 1 row has no published counterpart and is not compared.
DEFAULT_GAMMAS: tuple[float, ...] = (*PUBLISHED_GAMMAS, 1.0)

#: Agreement threshold in standard errors of the difference.
Z_MAX = 3.0
#: Published spreads are rounded to 2 decimals: agreement within half a unit of the last digit.
SPREAD_ROUNDING = 0.005

#: Table columns, in :class:`RowStats` order.
COLUMNS: tuple[str, ...] = RowStats._fields


def standard_error(column: str, std: float, n: int, kurt: float = 3.0) -> float:
    """Standard error of a column's estimate over ``n`` simulations.

    ``std/sqrt(n)`` for a mean (profit, final q). For a standard deviation
    (std(profit), std(q)) the delta method on the sample variance,
    ``std sqrt((kurt - (n - 3)/(n - 1)) / (4n))`` with ``kurt`` the kurtosis of
    the column's variable: ``std/sqrt(2(n - 1))`` for a Gaussian (``kurt`` = 3),
    1.6 times that for the symmetric strategy's profit, whose kurtosis is about
    6. 0 for the spread, which is deterministic.
    """
    if column == "spread":
        return 0.0
    if column in ("profit", "final_q"):
        return std / math.sqrt(n)
    if column in ("std_profit", "std_q"):
        return std * math.sqrt(max(kurt - (n - 3) / (n - 1), 0.0) / (4.0 * n))
    raise ValueError(f"standard_error: column={column!r} is not one of {COLUMNS}")


class Tails(NamedTuple):
    """Kurtosis of a strategy's profit and final inventory (for the std columns' error bars)."""

    profit: float
    final_q: float

    @classmethod
    def of(cls, run: StrategyRun) -> Tails:
        """Sample kurtosis of a simulated run's profit and final inventory."""
        return cls(kurtosis(run.profit), kurtosis(run.final_q))


def _z(diff: float, se: float) -> float:
    """``diff`` in units of ``se`` (0 or inf when ``se`` is 0)."""
    return diff / se if se > 0 else (0.0 if diff == 0 else math.inf)


class Cell(NamedTuple):
    """One compared cell of the table.

    ``se`` is the standard error of our estimate (:func:`standard_error`, with
    our sample's kurtosis); ``se_paper`` the same error of the published
    estimate (N = 1000, the paper's std, our kurtosis); ``se_diff`` the two in
    quadrature, since both are samples. ``agrees`` is
    ``|diff| <= Z_MAX * se_diff`` (spread: within the paper's rounding).
    ``population`` is the exact value of the cell under our reading
    (:func:`~mmdesk.experiments.avellaneda_stoikov_exact.exact_row`).
    """

    gamma: float
    strategy: Strategy
    column: str
    published: float
    reproduced: float
    population: float
    se: float
    se_paper: float
    agrees: bool

    @property
    def se_diff(self) -> float:
        """Standard error of ours minus the paper's."""
        return math.hypot(self.se, self.se_paper)

    @property
    def z(self) -> float:
        """Ours minus the paper's, in standard errors of the difference."""
        return _z(self.reproduced - self.published, self.se_diff)

    @property
    def z_population(self) -> float:
        """The paper's minus the exact value, in the paper's standard errors."""
        return _z(self.published - self.population, self.se_paper)

    @property
    def population_agrees(self) -> bool:
        """The published figure lies within ``Z_MAX`` of its s.e. of the exact value.

        Spread: within the paper's rounding.
        """
        if self.column == "spread":
            return abs(self.published - self.population) <= SPREAD_ROUNDING
        return abs(self.z_population) <= Z_MAX


def compare(
    gamma: float,
    strategy: Strategy,
    ours: RowStats,
    n_sims: int,
    published: RowStats,
    population: RowStats,
    tails: Tails,
) -> list[Cell]:
    """Compare a reproduced row with a published one, cell by cell (rule in :class:`Cell`)."""
    std_of = {"spread": (0.0, 0.0, 3.0)}
    std_of["profit"] = std_of["std_profit"] = (
        ours.std_profit,
        published.std_profit,
        tails.profit,
    )
    std_of["final_q"] = std_of["std_q"] = (ours.std_q, published.std_q, tails.final_q)
    cells = []
    for column, rep, pub, pop in zip(COLUMNS, ours, published, population, strict=True):
        std_ours, std_pub, kurt = std_of[column]
        se = standard_error(column, std_ours, n_sims, kurt)
        se_pub = standard_error(column, std_pub, PUBLISHED_N, kurt)
        tol = SPREAD_ROUNDING if column == "spread" else Z_MAX * math.hypot(se, se_pub)
        cells.append(
            Cell(gamma, strategy, column, pub, rep, pop, se, se_pub, abs(rep - pub) <= tol)
        )
    return cells


class ExperimentResult(NamedTuple):
    """Reproduced rows, the exact population rows, and their comparison with the paper.

    ``population[gamma][strategy]`` is the exact row under the config's reading
    (:func:`~mmdesk.experiments.avellaneda_stoikov_exact.exact_row`), which
    ``rows`` estimates.
    """

    config: ASConfig
    seed: int
    rows: dict[float, dict[Strategy, RowStats]]
    population: dict[float, dict[Strategy, RowStats]]
    cells: list[Cell]

    @property
    def misses(self) -> list[Cell]:
        """Published cells outside sampling error."""
        return [c for c in self.cells if not c.agrees]


def run(cfg: ASConfig, seed: int, gammas: tuple[float, ...] = DEFAULT_GAMMAS) -> ExperimentResult:
    """Run the study for each ``gamma`` and compare with :data:`PUBLISHED` where published.

    Each gamma draws from its own named stream of ``SeedBank(seed)``, so the
    rows do not depend on which other gammas are run, nor on the order.
    """
    bank = SeedBank(seed).child("experiments.avellaneda_stoikov")
    rows: dict[float, dict[Strategy, RowStats]] = {}
    population: dict[float, dict[Strategy, RowStats]] = {}
    cells: list[Cell] = []
    for gamma in gammas:
        runs = simulate(gamma, cfg, bank.generator(f"gamma={gamma!r}"))
        rows[gamma] = {s: row_stats(r) for s, r in runs.items()}
        population[gamma] = {s: exact_row(gamma, cfg, s) for s in Strategy}
        if gamma in PUBLISHED:
            for s in Strategy:
                cells += compare(
                    gamma,
                    s,
                    rows[gamma][s],
                    cfg.n_sims,
                    PUBLISHED[gamma][s],
                    population[gamma][s],
                    Tails.of(runs[s]),
                )
    return ExperimentResult(cfg, seed, rows, population, cells)


def all_readings(cfg: ASConfig) -> list[ASConfig]:
    """``cfg`` under every reading: spread model x fill probability x fill reference x price step.

    The paper's own reading (the :class:`ASConfig` defaults) comes first.
    """
    combos = itertools.product(SpreadModel, FillProbability, FillReference, PriceStep)
    variants = [
        cfg.model_copy(
            update={
                "spread_model": spread,
                "probability": probability,
                "fill_reference": reference,
                "price_step": step,
            }
        )
        for spread, probability, reference, step in combos
    ]
    paper = ASConfig(n_sims=cfg.n_sims).reading
    return sorted(variants, key=lambda c: c.reading != paper)


def sweep_readings(
    cfg: ASConfig, seed: int, gammas: tuple[float, ...] = PUBLISHED_GAMMAS
) -> list[ExperimentResult]:
    """:func:`run` under each of :func:`all_readings` (same seed, so the same draws)."""
    return [run(variant, seed, gammas) for variant in all_readings(cfg)]

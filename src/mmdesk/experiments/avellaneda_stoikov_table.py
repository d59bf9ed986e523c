"""The published A–S (2008) tables and the rule by which a reproduction agrees with them.

:func:`run` simulates the study (:mod:`mmdesk.experiments.avellaneda_stoikov`)
for each risk aversion and compares every published cell with ours, with error
bars on both sides; :func:`sweep_readings` does it under every reading of the
set-up, to show which published cells each reading can and cannot reproduce.
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
    row_stats,
    simulate,
    symmetric_expected_profit,
)
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


def standard_error(column: str, std: float, n: int) -> float:
    """Standard error of a column's estimate over ``n`` simulations.

    ``std/sqrt(n)`` for a mean (profit, final q); ``std/sqrt(2(n-1))`` for a
    standard deviation (std(profit), std(q); exact for Gaussian samples, close
    otherwise); 0 for the spread, which is deterministic.
    """
    if column == "spread":
        return 0.0
    if column in ("profit", "final_q"):
        return std / math.sqrt(n)
    if column in ("std_profit", "std_q"):
        return std / math.sqrt(2.0 * (n - 1))
    raise ValueError(f"standard_error: column={column!r} is not one of {COLUMNS}")


class Cell(NamedTuple):
    """One compared cell of the table.

    ``se`` is the standard error of our estimate (:func:`standard_error`);
    ``se_diff`` adds in quadrature the same error of the published estimate
    (N = 1000, the paper's std), since both are samples. ``agrees`` is
    ``|diff| <= Z_MAX * se_diff`` (spread: within the paper's rounding).
    """

    gamma: float
    strategy: Strategy
    column: str
    published: float
    reproduced: float
    se: float
    se_diff: float
    agrees: bool

    @property
    def z(self) -> float:
        """Difference in standard errors of the difference (inf if se_diff is 0)."""
        diff = self.reproduced - self.published
        return diff / self.se_diff if self.se_diff > 0 else (0.0 if diff == 0 else math.inf)


def compare(
    gamma: float, strategy: Strategy, ours: RowStats, n_sims: int, published: RowStats
) -> list[Cell]:
    """Compare a reproduced row with a published one, cell by cell (rule in :class:`Cell`)."""
    std_of = {"spread": (0.0, 0.0), "profit": (ours.std_profit, published.std_profit)}
    std_of["std_profit"] = std_of["profit"]
    std_of["final_q"] = std_of["std_q"] = (ours.std_q, published.std_q)
    cells = []
    for column, rep, pub in zip(COLUMNS, ours, published, strict=True):
        std_ours, std_pub = std_of[column]
        se = standard_error(column, std_ours, n_sims)
        se_diff = math.hypot(se, standard_error(column, std_pub, PUBLISHED_N))
        tol = SPREAD_ROUNDING if column == "spread" else Z_MAX * se_diff
        cells.append(Cell(gamma, strategy, column, pub, rep, se, se_diff, abs(rep - pub) <= tol))
    return cells


class ExperimentResult(NamedTuple):
    """Reproduced rows, their comparison with the published table, and the symmetric oracle.

    ``symmetric_expected[gamma]`` is the exact expected profit of the symmetric
    strategy under the config's reading (:func:`symmetric_expected_profit`).
    """

    config: ASConfig
    seed: int
    rows: dict[float, dict[Strategy, RowStats]]
    cells: list[Cell]
    symmetric_expected: dict[float, float]

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
    cells: list[Cell] = []
    expected: dict[float, float] = {}
    for gamma in gammas:
        runs = simulate(gamma, cfg, bank.generator(f"gamma={gamma!r}"))
        rows[gamma] = {s: row_stats(r) for s, r in runs.items()}
        expected[gamma] = symmetric_expected_profit(gamma, cfg)
        if gamma in PUBLISHED:
            for s in Strategy:
                cells += compare(gamma, s, rows[gamma][s], cfg.n_sims, PUBLISHED[gamma][s])
    return ExperimentResult(cfg, seed, rows, cells, expected)


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

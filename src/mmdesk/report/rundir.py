"""Read a run directory written by ``mmdesk simulate``: journal, listing, config, summary."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

#: Journal tables a run directory holds (one Parquet file each).
TABLES: tuple[str, ...] = (
    "orders",
    "fills",
    "hedges",
    "risk_events",
    "snapshots",
    "expiry_greeks",
    "inventory",
    "marks",
    "tape",
    "flow_read",
)


@dataclass(frozen=True, eq=False)
class RunData:
    """Everything a report needs from one run directory.

    Attributes
    ----------
    path : Path
        The run directory.
    tables : dict
        Journal table name → polars DataFrame.
    listing : polars.DataFrame
        The option series (row i = option i).
    config : dict
        The run's full config (``config.json``).
    summary : dict
        ``summary.json``.
    """

    path: Path
    tables: dict[str, pl.DataFrame]
    listing: pl.DataFrame
    config: dict[str, Any]
    summary: dict[str, Any]

    def __getitem__(self, table: str) -> pl.DataFrame:
        return self.tables[table]

    @property
    def rate(self) -> float:
        """Continuously compounded rate, per year."""
        return float(self.config["scenario"].get("rate", 0.0))

    @property
    def div_yield(self) -> float:
        """Dividend yield, per year."""
        return float(self.config["scenario"].get("div_yield", 0.0))

    @property
    def price_unit(self) -> float:
        """Currency per integer venue price unit (the venue's tick unit)."""
        classes = self.config["scenario"]["venue"]["classes"]
        return float(classes[0]["ticks"]["unit"])

    @property
    def tau_floor_s(self) -> float:
        """The theo engine's floor on time to expiry, seconds."""
        return float(self.config.get("desk", {}).get("theo", {}).get("tau_floor_s", 60.0))

    @property
    def multiplier(self) -> float:
        """Contract multiplier of the options."""
        return float(self.listing["multiplier"][0]) if self.listing.height else 1.0


def load_run(path: str | Path) -> RunData:
    """Load a run directory.

    Raises
    ------
    FileNotFoundError
        If the directory or one of its files is missing (the message names it).
    """
    d = Path(path)
    if not d.is_dir():
        raise FileNotFoundError(f"run directory {d} does not exist")
    tables = {}
    for t in TABLES:
        p = d / f"{t}.parquet"
        if not p.exists():
            raise FileNotFoundError(f"run directory {d}: missing {p.name}")
        tables[t] = pl.read_parquet(p)
    for name in ("listing.parquet", "config.json", "summary.json"):
        if not (d / name).exists():
            raise FileNotFoundError(f"run directory {d}: missing {name}")
    return RunData(
        path=d,
        tables=tables,
        listing=pl.read_parquet(d / "listing.parquet"),
        config=json.loads((d / "config.json").read_text()),
        summary=json.loads((d / "summary.json").read_text()),
    )

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


class RunDirError(ValueError):
    """A run directory's file is missing or unreadable (the message names the file)."""


def _read(path: Path) -> Any:
    """One file of a run directory: a Parquet table or a JSON document."""
    if not path.exists():
        raise RunDirError(f"run directory {path.parent}: missing {path.name}")
    try:
        if path.suffix == ".parquet":
            return pl.read_parquet(path)
        return json.loads(path.read_text())
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise RunDirError(
            f"run directory {path.parent}: {path.name} is unreadable "
            f"({type(exc).__name__}: {exc}); the other files are untouched"
        ) from exc


def load_run(path: str | Path) -> RunData:
    """Load a run directory (read only: nothing in it is changed).

    Raises
    ------
    RunDirError
        If the directory or one of its files is missing or unreadable (a
        truncated Parquet file, broken JSON); the message names the file.
    """
    d = Path(path)
    if not d.is_dir():
        raise RunDirError(f"run directory {d} does not exist")
    return RunData(
        path=d,
        tables={t: _read(d / f"{t}.parquet") for t in TABLES},
        listing=_read(d / "listing.parquet"),
        config=_read(d / "config.json"),
        summary=_read(d / "summary.json"),
    )

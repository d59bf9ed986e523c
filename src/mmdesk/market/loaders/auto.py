"""``load_chain``: detect a chain file's format from its header and load it."""

from __future__ import annotations

from pathlib import Path

from mmdesk.market.chain import OptionChain
from mmdesk.market.chain_io import CANONICAL_SCHEMA, ChainFormatError, read_chain
from mmdesk.market.loaders._raw import BOM
from mmdesk.market.loaders.optopsy import load_spxw_optopsy
from mmdesk.market.loaders.report import ChainLoadError, DataQualityReport
from mmdesk.market.loaders.yahoo import load_yahoo_chain


def _header(path: Path) -> list[str]:
    with path.open("rb") as fh:
        first = fh.readline()
    if first.startswith(BOM):
        first = first[len(BOM) :]
    return [c.strip() for c in first.decode("utf-8", errors="replace").strip().split(",")]


def load_chain(path: str | Path) -> tuple[OptionChain, DataQualityReport]:
    """Load an option chain in any supported format.

    Formats: canonical Parquet (``.parquet``) or CSV (header = canonical
    columns), optopsy end-of-day CSV (``optionroot``/``quotedate`` columns),
    Yahoo Finance CSV (``contract_symbol``/``implied_volatility`` columns).

    Raises
    ------
    ChainLoadError
        Unknown format, or an unusable file (message names line and column).
    """
    p = Path(path)
    if p.suffix == ".parquet":
        try:
            chain = read_chain(p)
        except ChainFormatError as exc:
            raise ChainLoadError(f"{p}: {exc}") from exc
        return chain, DataQualityReport(str(p), "canonical", len(chain), len(chain))
    header = set(_header(p))
    if set(CANONICAL_SCHEMA) <= header:
        try:
            chain = read_chain(p)
        except ChainFormatError as exc:
            raise ChainLoadError(f"{p}: {exc}") from exc
        return chain, DataQualityReport(str(p), "canonical", len(chain), len(chain))
    if {"optionroot", "quotedate"} <= header:
        return load_spxw_optopsy(p)
    if {"contract_symbol", "implied_volatility"} <= header:
        return load_yahoo_chain(p)
    raise ChainLoadError(f"{p}: unknown chain format (header columns {sorted(header)})")

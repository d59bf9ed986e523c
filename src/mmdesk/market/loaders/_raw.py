"""Raw CSV reading shared by the vendor loaders: file-level dirt and typed columns.

Every column is first read as text, so a bad value can be reported with its
1-based file line (the header is line 1; data row ``i`` is line ``i + 2``).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import polars as pl

from mmdesk.market.loaders.report import ChainLoadError, DataQualityReport, DirtAction, DirtKind
from mmdesk.typing import Float64Array, Int64Array

BOM = b"\xef\xbb\xbf"
_US_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read_text_frame(path: str | Path, report: DataQualityReport) -> pl.DataFrame:
    """Read a CSV as all-text columns, fixing and reporting file-level dirt.

    Handles a UTF-8 byte-order mark, CRLF line endings, a missing trailing
    newline and spaces around header names.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ChainLoadError(f"cannot read {p}: {exc}") from exc
    if not raw.strip():
        raise ChainLoadError(f"{p}: file is empty")
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]
        report.add(
            DirtKind.BYTE_ORDER_MARK, 1, DirtAction.FIXED, (1,), "UTF-8 BOM before the header"
        )
    if b"\r\n" in raw:
        report.add(
            DirtKind.CRLF_LINE_ENDINGS,
            raw.count(b"\r\n"),
            DirtAction.FIXED,
            (),
            "Windows line endings",
        )
    if not raw.endswith(b"\n"):
        n_lines = raw.count(b"\n") + 1
        report.add(DirtKind.MISSING_TRAILING_NEWLINE, 1, DirtAction.FIXED, (n_lines,))
    try:
        frame = pl.read_csv(io.BytesIO(raw), infer_schema=False, truncate_ragged_lines=False)
    except pl.exceptions.PolarsError as exc:
        raise ChainLoadError(f"{p}: not a readable CSV: {exc}") from exc
    spaced = [c for c in frame.columns if c != c.strip()]
    if spaced:
        report.add(DirtKind.HEADER_SPACES, len(spaced), DirtAction.FIXED, (1,), f"columns {spaced}")
        frame = frame.rename({c: c.strip() for c in spaced})
    report.rows_read = frame.height
    return frame


def file_lines(n: int) -> Int64Array:
    """1-based file line of each data row (header on line 1)."""
    return np.arange(2, n + 2, dtype=np.int64)


def require_columns(frame: pl.DataFrame, columns: tuple[str, ...], source: str) -> None:
    """Raise ``ChainLoadError`` naming the first missing column."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ChainLoadError(f"{source}: missing column(s) {missing} (line 1, header)")


def numeric_column(
    frame: pl.DataFrame, name: str, *, required: bool, nonnegative: bool
) -> Float64Array:
    """Parse a text column to float64 (NaN for empty cells).

    Raises
    ------
    ChainLoadError
        On a non-numeric value, on an empty cell when ``required``, or on a
        negative value when ``nonnegative``; names the file line and column.
    """
    text = frame[name].str.strip_chars()
    values = text.cast(pl.Float64, strict=False)
    bad = (values.is_null() & text.is_not_null() & (text != "")).arg_true()
    if len(bad):
        r = int(bad[0])
        raise ChainLoadError(f"line {r + 2}, column {name!r}: value {text[r]!r} is not a number")
    out = values.fill_null(np.nan).to_numpy().astype(np.float64)
    if required:
        miss = np.flatnonzero(~np.isfinite(out))
        if miss.size:
            r = int(miss[0])
            raise ChainLoadError(
                f"line {r + 2}, column {name!r}: value {text[r]!r} is missing or not finite"
            )
    if nonnegative:
        with np.errstate(invalid="ignore"):
            neg = np.flatnonzero(out < 0)
        if neg.size:
            r = int(neg[0])
            raise ChainLoadError(f"line {r + 2}, column {name!r}: value {out[r]} is negative")
    return out


def date_column(frame: pl.DataFrame, name: str, report: DataQualityReport) -> np.ndarray:
    """Parse an ISO (YYYY-MM-DD, optionally followed by a time) or US (MM/DD/YYYY) date column.

    US dates are reported as ``US_DATE_FORMAT`` (FIXED). A value in neither
    format, or an impossible date, raises ``ChainLoadError`` naming line and column.
    """
    text = frame[name].str.strip_chars().fill_null("")
    head = text.str.slice(0, 10)
    is_iso = head.str.contains(_ISO_DATE.pattern)
    is_us = text.str.contains(_US_DATE.pattern)
    neither = (~is_iso & ~is_us).arg_true()
    if len(neither):
        r = int(neither[0])
        raise ChainLoadError(
            f"line {r + 2}, column {name!r}: value {text[r]!r} is not a date "
            "(YYYY-MM-DD or MM/DD/YYYY)"
        )
    iso = head.str.to_date("%Y-%m-%d", strict=False)
    us = text.str.to_date("%m/%d/%Y", strict=False)
    parsed = pl.select(pl.when(is_iso).then(iso).otherwise(us)).to_series()
    bad = parsed.is_null().arg_true()
    if len(bad):
        r = int(bad[0])
        raise ChainLoadError(
            f"line {r + 2}, column {name!r}: value {text[r]!r} is not a valid calendar date"
        )
    n_us = int(is_us.sum())
    if n_us:
        prev = report.entries.get(DirtKind.US_DATE_FORMAT)
        count = n_us + (prev.count if prev else 0)
        cols = (prev.note + ", " if prev else "columns ") + name
        ex = prev.examples if prev else tuple((is_us.arg_true()[:1] + 2).to_list())
        report.add(DirtKind.US_DATE_FORMAT, count, DirtAction.FIXED, ex, cols)
    return parsed.to_numpy().astype("datetime64[D]")

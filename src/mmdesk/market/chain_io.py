"""Canonical on-disk format of an ``OptionChain`` (Parquet, plus CSV).

The schema is documented in ``docs/chain-format.md``. Reading validates every
column and raises ``ChainFormatError`` naming the column, the row and the
offending value.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from mmdesk.market.chain import OptionChain
from mmdesk.market.instruments import ExerciseStyle

#: Canonical columns in order, with their polars dtypes.
CANONICAL_SCHEMA: dict[str, pl.DataType] = {
    "underlying": pl.String(),
    "exercise": pl.String(),
    "quote_time": pl.Datetime("ns", "UTC"),
    "expiry": pl.Date(),
    "am_settled": pl.Boolean(),
    "t": pl.Float64(),
    "strike": pl.Float64(),
    "is_call": pl.Boolean(),
    "bid": pl.Float64(),
    "ask": pl.Float64(),
    "bid_size": pl.Float64(),
    "ask_size": pl.Float64(),
    "last": pl.Float64(),
    "volume": pl.Float64(),
    "open_interest": pl.Float64(),
    "underlying_price": pl.Float64(),
    "vendor_iv": pl.Float64(),
}
_EXERCISE_NAMES = {"european": ExerciseStyle.EUROPEAN, "american": ExerciseStyle.AMERICAN}
_NONNEGATIVE = ("bid", "ask", "bid_size", "ask_size", "last", "volume", "open_interest")


class ChainFormatError(ValueError):
    """A chain file does not match the canonical schema (message names column and row)."""


def chain_to_frame(chain: OptionChain) -> pl.DataFrame:
    """The chain as a polars DataFrame in the canonical schema."""
    n = len(chain)
    data = {
        "underlying": [chain.underlying] * n,
        "exercise": [chain.exercise.name.lower()] * n,
        "quote_time": chain.quote_time,
        "expiry": chain.expiry,
    }
    for name in list(CANONICAL_SCHEMA)[4:]:
        data[name] = getattr(chain, name)
    frame = pl.DataFrame(data, nan_to_null=False)
    return frame.with_columns(
        pl.col("quote_time").cast(pl.Datetime("ns")).dt.replace_time_zone("UTC"),
        pl.col("expiry").cast(pl.Date),
    ).select(list(CANONICAL_SCHEMA))


def write_chain(chain: OptionChain, path: str | Path) -> None:
    """Write a chain in the canonical format; ``.parquet`` or ``.csv`` by suffix.

    NaN floats are written as nulls in CSV (empty fields) and kept as NaN in Parquet.
    """
    p = Path(path)
    frame = chain_to_frame(chain)
    if p.suffix == ".parquet":
        frame.write_parquet(p)
    elif p.suffix == ".csv":
        frame.with_columns(pl.col(pl.Float64).fill_nan(None)).write_csv(p)
    else:
        raise ValueError(f"chain path suffix is {p.suffix!r}; expected '.parquet' or '.csv'")


def _row_label(row: int, is_csv: bool) -> str:
    return f"row {row + 1}" + (f" (file line {row + 2})" if is_csv else "")


def _cast_column(frame: pl.DataFrame, name: str, dtype: pl.DataType, is_csv: bool) -> pl.Series:
    src = frame[name]
    if src.dtype == dtype:
        return src
    if isinstance(dtype, pl.Datetime):
        if src.dtype == pl.String:
            out = src.str.to_datetime(time_unit="ns", time_zone="UTC", strict=False)
        elif isinstance(src.dtype, pl.Datetime):
            out = src.cast(pl.Datetime("ns", src.dtype.time_zone or "UTC")).dt.convert_time_zone(
                "UTC"
            )
        else:
            out = src.cast(dtype, strict=False)
    elif isinstance(dtype, pl.Date) and src.dtype == pl.String:
        out = src.str.to_date("%Y-%m-%d", strict=False)
    elif isinstance(dtype, pl.Boolean) and src.dtype == pl.String:
        out = src.str.to_lowercase().replace_strict(
            {"true": True, "1": True, "false": False, "0": False},
            default=None,
            return_dtype=pl.Boolean,
        )
    else:
        out = src.cast(dtype, strict=False)
    bad = (out.is_null() & src.is_not_null()).arg_true()
    if len(bad):
        r = int(bad[0])
        raise ChainFormatError(
            f"column {name!r}, {_row_label(r, is_csv)}: value {src[r]!r} is not a valid {dtype}"
        )
    return out.alias(name)


def frame_to_chain(frame: pl.DataFrame, *, is_csv: bool = False) -> OptionChain:
    """Validate a canonical-schema frame and build the chain.

    Raises
    ------
    ChainFormatError
        Missing or extra column, a value of the wrong type, a null in a required
        column, a non-positive strike, a negative price/size, mixed underlyings or
        exercise styles; the message names the column and the 1-based row.
    """
    missing = [c for c in CANONICAL_SCHEMA if c not in frame.columns]
    if missing:
        raise ChainFormatError(
            f"missing column(s) {missing}; canonical columns are {list(CANONICAL_SCHEMA)}"
        )
    extra = [c for c in frame.columns if c not in CANONICAL_SCHEMA]
    if extra:
        raise ChainFormatError(f"unexpected column(s) {extra} (not in the canonical schema)")
    cols = {
        name: _cast_column(frame, name, dtype, is_csv) for name, dtype in CANONICAL_SCHEMA.items()
    }
    for name in (
        "underlying",
        "exercise",
        "quote_time",
        "expiry",
        "am_settled",
        "t",
        "strike",
        "is_call",
    ):
        nulls = cols[name].is_null().arg_true()
        if len(nulls):
            raise ChainFormatError(
                f"column {name!r}, {_row_label(int(nulls[0]), is_csv)}: value is missing"
            )
    n = frame.height
    for name in ("underlying", "exercise"):
        uniq = cols[name].unique()
        if len(uniq) > 1:
            r = int((cols[name] != cols[name][0]).arg_true()[0])
            raise ChainFormatError(
                f"column {name!r}, {_row_label(r, is_csv)}: value {cols[name][r]!r} differs from "
                f"{cols[name][0]!r}; one chain holds one underlying and one exercise style"
            )
    underlying = cols["underlying"][0] if n else ""
    ex_name = str(cols["exercise"][0]).lower() if n else "european"
    if ex_name not in _EXERCISE_NAMES:
        raise ChainFormatError(
            f"column 'exercise', {_row_label(0, is_csv)}: value {ex_name!r}; "
            "expected 'european' or 'american'"
        )
    arrays = {
        name: cols[name].cast(pl.Float64).fill_null(np.nan).to_numpy()
        for name, dt_ in CANONICAL_SCHEMA.items()
        if isinstance(dt_, pl.Float64)
    }
    strike = arrays["strike"]
    with np.errstate(invalid="ignore"):
        bad_k = np.flatnonzero(~(strike > 0) | ~np.isfinite(strike))
        if bad_k.size:
            r = int(bad_k[0])
            raise ChainFormatError(
                f"column 'strike', {_row_label(r, is_csv)}: value {strike[r]} is not > 0"
            )
        for name in _NONNEGATIVE:
            neg = np.flatnonzero(arrays[name] < 0)
            if neg.size:
                r = int(neg[0])
                raise ChainFormatError(
                    f"column {name!r}, {_row_label(r, is_csv)}: value {arrays[name][r]} is negative"
                )
    qt = cols["quote_time"].dt.replace_time_zone(None).cast(pl.Datetime("ns")).to_numpy()
    return OptionChain(
        underlying=str(underlying),
        exercise=_EXERCISE_NAMES[ex_name],
        quote_time=qt.astype("datetime64[ns]"),
        expiry=cols["expiry"].to_numpy().astype("datetime64[D]"),
        am_settled=cols["am_settled"].to_numpy().astype(bool),
        is_call=cols["is_call"].to_numpy().astype(bool),
        **arrays,
    )


def read_chain(path: str | Path) -> OptionChain:
    """Read a canonical chain file (``.parquet`` or ``.csv``), validating it.

    Raises
    ------
    ChainFormatError
        If the file does not follow the canonical schema (names column and row).
    """
    p = Path(path)
    if p.suffix == ".parquet":
        return frame_to_chain(pl.read_parquet(p), is_csv=False)
    if p.suffix == ".csv":
        return frame_to_chain(pl.read_csv(p, infer_schema=False), is_csv=True)
    raise ValueError(f"chain path suffix is {p.suffix!r}; expected '.parquet' or '.csv'")

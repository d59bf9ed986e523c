"""The desk's journal: orders, fills, hedges, risk events and time series, as column chunks.

Each table has a fixed schema (column name → numpy dtype, ``object`` for
text). Rows are appended as whole numpy arrays (one chunk per call, scalars
broadcast), so journaling a mass quote of a thousand legs is one append, not a
thousand. :meth:`Journal.frame` concatenates the chunks into a polars
DataFrame; :meth:`Journal.write` writes one Parquet file per table;
:meth:`Journal.digest` hashes every column's bytes in schema order (the
determinism check: same config and seed → same digest).

Tables (prices in integer venue units unless the column says ``_px``
(currency per share); times int64 ns; greeks in natural units of the whole
book — delta in shares, vega in currency per 1.00 vol):

- ``orders``: every message leg the desk sent (``kind`` quote / hedge /
  unwind / rfq), with the theo it was priced from, the gate state and the
  visible market (best bid/ask, units, −1 if none) it was sent into;
- ``fills``: every own fill (``kind`` quote / hedge / unwind / rfq / settle /
  cross), with the theo and spot at the time (edge and markouts can be
  computed from them), counterparty tag and fee (an internal cross is off the
  tick grid: its ``price`` is rounded to units, the exact one is in ``crosses``);
- ``hedges``: every hedge decision (sent or denied) with the delta before,
  the policy's target and the gate's reason;
- ``risk_events``: every decision of the risk gate, with its reason;
- ``snapshots``: periodic P&L, greeks, utilisation and state;
- ``expiry_greeks``: per-expiry vega, gamma and gross contracts at each snapshot;
- ``inventory``: non-zero option positions at each snapshot;
- ``marks``: the theo inputs (spot and the vol of every held option) at each
  fill and snapshot, enough to recompute the book's greeks from the fills;
- ``flow_read``: the desk's online read of each counterparty tag at every
  refresh (fills read, toxicity in currency per contract ± sd, P(smart),
  confidence) — what its leaning acted on;
- ``tape``: the underlying's public trade prints as the desk received them
  (exchange time, price, size, aggressor side) — VPIN's input;
- ``crosses``: internal crosses with prop books (exact price, mid, adjustment,
  the central book's marginal risk and the reason), from the central side.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

SCHEMAS: dict[str, dict[str, Any]] = {
    "orders": {
        "ts_ns": np.int64,
        "kind": object,
        "instrument": np.int32,
        "side": np.int8,
        "price": np.int64,
        "qty": np.int64,
        "theo_px": np.float64,
        "client_id": np.int64,
        "state": object,
        "mkt_bid": np.int64,
        "mkt_ask": np.int64,
    },
    "fills": {
        "ts_ns": np.int64,
        "kind": object,
        "instrument": np.int32,
        "side": np.int8,
        "price": np.int64,
        "qty": np.int64,
        "fee": np.float64,
        "taker": np.bool_,
        "tag": np.int32,
        "theo_px": np.float64,
        "spot_px": np.float64,
        "vol": np.float64,
        "client_id": np.int64,
        "match_id": np.int64,
    },
    "hedges": {
        "ts_ns": np.int64,
        "shares": np.int64,
        "price": np.int64,
        "delta_before": np.float64,
        "target": np.float64,
        "policy": object,
        "allowed": np.bool_,
        "reason": object,
        "client_id": np.int64,
    },
    "risk_events": {
        "ts_ns": np.int64,
        "state": object,
        "reason": object,
        "detail": object,
    },
    "snapshots": {
        "ts_ns": np.int64,
        "spot_px": np.float64,
        "pnl": np.float64,
        "pnl_today": np.float64,
        "drawdown": np.float64,
        "cash": np.float64,
        "fees": np.float64,
        "shares": np.float64,
        "option_value": np.float64,
        "delta": np.float64,
        "gamma": np.float64,
        "vega": np.float64,
        "notional": np.float64,
        "gross_contracts": np.float64,
        "max_utilisation": np.float64,
        "state": object,
        "quoted_sides": np.int64,
        "clamped_sides": np.int64,
        "unwind_spent": np.float64,
    },
    "expiry_greeks": {
        "ts_ns": np.int64,
        "expiry": np.int32,
        "vega": np.float64,
        "gamma": np.float64,
        "contracts": np.float64,
        "vol_uncertainty": np.float64,
        "volvol": np.float64,
    },
    "inventory": {
        "ts_ns": np.int64,
        "option": np.int32,
        "contracts": np.float64,
    },
    "marks": {
        "ts_ns": np.int64,
        "spot_px": np.float64,
        "option": np.int32,
        "vol": np.float64,
    },
    "flow_read": {
        "ts_ns": np.int64,
        "tag": np.int32,
        "fills": np.float64,
        "toxicity": np.float64,
        "toxicity_sd": np.float64,
        "p_smart": np.float64,
        "confidence": np.float64,
    },
    "tape": {
        "ts_ns": np.int64,
        "price": np.int64,
        "qty": np.int64,
        "side": np.int8,
    },
    "crosses": {
        "ts_ns": np.int64,
        "prop": object,
        "instrument": np.int32,
        "qty": np.float64,
        "price_px": np.float64,
        "mid_px": np.float64,
        "adjustment": np.float64,
        "delta_risk": np.float64,
        "reason": object,
    },
}


_SCALARS = (int, float, str, bool, np.generic)


def _is_array(value: Any) -> bool:
    """True for an array-like column value (rank ≥ 1), False for a scalar."""
    if type(value) is np.ndarray:
        return value.ndim > 0
    if isinstance(value, _SCALARS):
        return False
    return bool(np.ndim(value) > 0)


# scalar types stored as they come and converted in bulk when a column is read (these
# conversions cannot fail, so no error is deferred); anything else becomes an array at once
_DEFERRED: dict[Any, tuple[type, ...]] = {
    np.float64: (float, int, np.float64),
    np.int64: (int, np.int64),
    object: (str,),
}
_I64 = 1 << 63
#: Python scalar types (never arrays): no numpy call is needed to recognise them
_PLAIN = frozenset({int, float, str, bool})


def _filled(value: Any, n: int, dtype: Any) -> np.ndarray:
    """``n`` copies of a scalar as a column chunk (np.full's unsafe cast as the fallback)."""
    arr = np.empty(n, dtype=dtype)
    try:
        arr.fill(value)
    except ValueError:  # e.g. NaN into an integer column: np.full's unsafe cast
        arr = np.full(n, value, dtype=dtype)
    return arr


class Journal:
    """Append-only tables of numpy column chunks (see the module docstring).

    Parameters
    ----------
    schemas : dict, optional
        Table name → {column → dtype}; default the desk's :data:`SCHEMAS`
        (prop books journal their own tables, ``mmdesk.desk.prop_desk``).
    """

    def __init__(self, schemas: dict[str, dict[str, Any]] | None = None) -> None:
        self._schemas = schemas if schemas is not None else SCHEMAS
        # a chunk is an array, or (scalar, rows) for a scalar of a _DEFERRED type
        self._chunks: dict[str, dict[str, list[Any]]] = {
            t: {c: [] for c in cols} for t, cols in self._schemas.items()
        }
        self._rows: dict[str, int] = dict.fromkeys(self._schemas, 0)
        # per table: (column, dtype, its np.dtype, the scalar types stored as they come)
        self._plans = {
            t: tuple((c, d, np.dtype(d), _DEFERRED.get(d, ())) for c, d in cols.items())
            for t, cols in self._schemas.items()
        }

    def rows(self, table: str) -> int:
        """Rows appended so far to ``table``."""
        return self._rows[table]

    def append(self, table: str, **columns: Any) -> None:
        """Append rows: every column of the table, arrays of one length or scalars.

        Raises
        ------
        ValueError
            If a column is missing or unknown, or the array lengths differ.
        """
        schema = self._schemas[table]
        if columns.keys() != schema.keys():
            missing = sorted(set(schema) - set(columns))
            extra = sorted(set(columns) - set(schema))
            raise ValueError(f"journal {table}: missing columns {missing}, unknown {extra}")
        # hot path (every quote, fill and snapshot): plain scalars and 1-d arrays of the
        # column's dtype are recognised by their exact type, without a numpy call
        n = -1
        for v in columns.values():
            t = type(v)
            if t is np.ndarray:
                if v.ndim and v.size > n:
                    n = v.size
            elif t not in _PLAIN and _is_array(v):
                n = max(n, int(np.size(v)))
        if n < 0:  # no array: one row
            n = 1
        chunks = self._chunks[table]
        for name, dtype, exact, deferred in self._plans[table]:
            v = columns[name]
            t = type(v)
            if t is np.ndarray and v.ndim:
                arr = v if v.dtype is exact else np.asarray(v, dtype=dtype)
            elif t in deferred and (t is not int or -_I64 <= v < _I64):
                chunks[name].append((v, n))
                continue
            elif t in _PLAIN or not _is_array(v):
                chunks[name].append(_filled(v, n, dtype))
                continue
            else:
                arr = np.asarray(v, dtype=dtype)
            if arr.ndim != 1 or arr.shape[0] != n:
                raise ValueError(
                    f"journal {table}: column {name} has shape {arr.shape}, expected ({n},)"
                )
            chunks[name].append(arr)
        self._rows[table] += n

    def column(self, table: str, name: str) -> np.ndarray:
        """One column of a table as a numpy array."""
        chunks = self._chunks[table][name]
        dtype = self._schemas[table][name]
        if not chunks:
            return np.zeros(0, dtype=dtype)
        parts: list[np.ndarray] = []
        run: list[Any] = []  # consecutive one-row scalars, converted in one call
        for c in chunks:
            if type(c) is tuple and c[1] == 1:
                run.append(c[0])
                continue
            if run:
                parts.append(np.array(run, dtype=dtype))
                run = []
            parts.append(_filled(c[0], c[1], dtype) if type(c) is tuple else c)
        if run:
            parts.append(np.array(run, dtype=dtype))
        return np.concatenate(parts)

    def frame(self, table: str) -> pl.DataFrame:
        """A table as a polars DataFrame (text columns as strings)."""
        data = {}
        for name, dtype in self._schemas[table].items():
            col = self.column(table, name)
            data[name] = pl.Series(name, col.tolist(), dtype=pl.String) if dtype is object else col
        return pl.DataFrame(data)

    def write(self, directory: str | Path) -> dict[str, Path]:
        """Write every table as ``<directory>/<table>.parquet``; returns the paths."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for table in self._schemas:
            p = out / f"{table}.parquet"
            self.frame(table).write_parquet(p, compression="zstd", statistics=False)
            paths[table] = p
        return paths

    def digest(self) -> str:
        """SHA-256 of every table's columns (text UTF-8 encoded), in schema order."""
        h = hashlib.sha256()
        for table, schema in self._schemas.items():
            h.update(table.encode())
            for name, dtype in schema.items():
                col = self.column(table, name)
                if dtype is object:  # one update of the joined text: the same digest
                    if col.size:  # each string UTF-8 encoded and NUL-terminated
                        h.update(("\x00".join(map(str, col.tolist())) + "\x00").encode())
                else:
                    h.update(np.ascontiguousarray(col).tobytes())
        return h.hexdigest()

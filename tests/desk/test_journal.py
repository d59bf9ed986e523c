"""The journal: column chunks, frames, Parquet, digest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mmdesk.desk.journal import SCHEMAS, Journal


def _events(j: Journal, detail: str = "vega=1.1") -> None:
    j.append(
        "risk_events",
        ts_ns=np.array([1, 2]),
        state=np.array(["ACTIVE", "REDUCING"], dtype=object),
        reason="BREACH",
        detail=detail,
    )


def test_scalars_broadcast_and_frames_have_the_schema() -> None:
    j = Journal()
    _events(j)
    f = j.frame("risk_events")
    assert f.columns == list(SCHEMAS["risk_events"])
    assert f["reason"].to_list() == ["BREACH", "BREACH"]
    assert j.rows("risk_events") == 2


def test_missing_or_unknown_columns_are_refused_by_name() -> None:
    j = Journal()
    with pytest.raises(ValueError, match="detail"):
        j.append("risk_events", ts_ns=1, state="ACTIVE", reason="OK")
    with pytest.raises(ValueError, match="column state has shape"):
        j.append(
            "risk_events",
            ts_ns=np.array([1, 2]),
            state=np.array(["A"], dtype=object),
            reason="OK",
            detail="x",
        )


def test_digest_changes_with_any_value_and_parquet_round_trips(tmp_path: Path) -> None:
    a, b, c = Journal(), Journal(), Journal()
    _events(a)
    _events(b)
    _events(c, detail="vega=1.2")
    assert a.digest() == b.digest() != c.digest()
    paths = a.write(tmp_path)
    back = pl.read_parquet(paths["risk_events"])
    assert back.equals(a.frame("risk_events"))
    assert set(paths) == set(SCHEMAS)


def test_scalar_rows_read_back_as_if_each_had_been_filled_at_once() -> None:
    schema = {"t": {"i": np.int64, "f": np.float64, "s": object, "b": np.bool_, "k": np.int32}}
    j = Journal(schema)
    rows = [
        {"i": 1, "f": 0.5, "s": "a", "b": True, "k": 7},
        {"i": np.int64(2), "f": 3, "s": "é", "b": False, "k": np.int32(8)},
        {"i": np.arange(3), "f": np.nan, "s": "c", "b": np.ones(3, bool), "k": 9},
        {"i": np.zeros(0, np.int64), "f": 1.0, "s": "d", "b": True, "k": 1},
        {"i": 2**62, "f": np.float64(-0.0), "s": "e", "b": np.bool_(True), "k": 2},
        {"i": 5, "f": 2.5, "s": "f", "b": False, "k": 3},
    ]
    for r in rows:
        j.append("t", **r)
    for name, dtype in schema["t"].items():
        want = []
        for r in rows:
            n = max((np.size(v) for v in r.values() if np.ndim(v) > 0), default=1)
            v = r[name]
            want.append(np.asarray(v, dtype) if np.ndim(v) > 0 else np.full(n, v, dtype))
        ref = np.concatenate(want)
        got = j.column("t", name)
        assert got.dtype == ref.dtype
        assert got.tobytes() == ref.tobytes() if dtype is not object else list(got) == list(ref)

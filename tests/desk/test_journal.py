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

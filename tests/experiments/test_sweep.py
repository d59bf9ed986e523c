"""The sweep runner: Ray tasks per cell × seed, one Parquet table, failures kept with their cell."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from mmdesk.experiments.sweep import (
    META_COLUMNS,
    SweepError,
    execute_task,
    grid,
    query_sweep,
    run_sweep,
    start_ray,
)


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """One local Ray for the module (run_sweep reuses a running Ray and leaves it up)."""
    started = start_ray(num_cpus=2)
    import ray

    # the toy tasks live in this test module, which Ray workers cannot import by name
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    if started:
        ray.shutdown()


def _toy_task(cell: dict[str, int | float | bool | str | None], seed: int) -> dict[str, float]:
    a = float(cell["a"])  # type: ignore[arg-type]
    if cell["b"] == "boom" and seed == 2:
        raise RuntimeError(f"cell a={a} exploded on seed {seed}")
    return {"product": a * seed, "seed_sq": float(seed * seed)}


def test_grid_is_the_cartesian_product_first_axis_slowest() -> None:
    cells = grid(x=[1, 2], y=["p", "q", "r"])
    assert len(cells) == 6
    assert cells[0] == {"x": 1, "y": "p"} and cells[1] == {"x": 1, "y": "q"}
    assert cells[-1] == {"x": 2, "y": "r"}


def test_grid_rejects_an_empty_axis() -> None:
    with pytest.raises(SweepError, match="y=\\[\\]"):
        grid(x=[1], y=[])


def test_execute_task_turns_an_exception_into_an_error_record() -> None:
    rec = execute_task(_toy_task, {"a": 3.0, "b": "boom"}, 2)
    assert rec["results"] is None
    assert "RuntimeError: cell a=3.0 exploded on seed 2" in rec["error"]
    ok = execute_task(_toy_task, {"a": 3.0, "b": "fine"}, 2)
    assert ok["error"] is None and ok["results"] == {"product": 6.0, "seed_sq": 4.0}
    assert ok["task_cpu_s"] >= 0.0 and ok["task_wall_s"] >= 0.0


def test_execute_task_rejects_non_scalar_results() -> None:
    rec = execute_task(lambda c, s: {"path": [1, 2]}, {"a": 1.0}, 0)
    assert rec["results"] is None and "path=[1, 2] is a list" in rec["error"]


def test_bad_cells_are_refused_before_ray_starts(tmp_path: Path) -> None:
    with pytest.raises(SweepError, match="cells\\[1\\] has keys"):
        run_sweep(_toy_task, [{"a": 1}, {"b": 2}], [1], tmp_path / "t.parquet")
    with pytest.raises(SweepError, match="clashes with a metadata column"):
        run_sweep(_toy_task, [{"seed": 1}], [1], tmp_path / "t.parquet")
    with pytest.raises(SweepError, match="seeds=\\[\\]"):
        run_sweep(_toy_task, [{"a": 1}], [], tmp_path / "t.parquet")


def test_sweep_writes_one_row_per_cell_and_seed_and_keeps_failures(
    local_ray: None, tmp_path: Path
) -> None:
    cells = grid(a=[1.0, 2.0], b=["fine", "boom"])
    out = tmp_path / "sub" / "sweep.parquet"
    res = run_sweep(_toy_task, cells, [1, 2], out, progress=False)
    assert out.exists() and res.path == out
    t = pl.read_parquet(out)
    assert t.height == len(cells) * 2
    assert t.columns[:4] == ["cell", "seed", "a", "b"]
    assert set(META_COLUMNS) <= set(t.columns) and {"product", "seed_sq"} <= set(t.columns)
    ok = t.filter(pl.col("status") == "ok")
    assert (ok["product"] == ok["a"] * ok["seed"]).all()
    # the two failing tasks (b == "boom", seed 2) are rows with their cell, not dropped
    bad = t.filter(pl.col("status") == "error").sort("a")
    assert bad.height == 2
    assert bad["b"].to_list() == ["boom", "boom"] and bad["seed"].to_list() == [2, 2]
    assert bad["product"].null_count() == 2
    assert "exploded on seed 2" in bad["error"][0]
    assert sorted((f.params["a"], f.seed) for f in res.failures) == [(1.0, 2), (2.0, 2)]
    assert {f.cell for f in res.failures} == set(bad["cell"].to_list())
    assert res.wall_s > 0.0 and res.cpu_s >= 0.0
    assert t["sweep_id"].n_unique() == 1


def test_duckdb_queries_the_sweep_table(local_ray: None, tmp_path: Path) -> None:
    out = tmp_path / "q.parquet"
    run_sweep(_toy_task, grid(a=[1.0, 3.0], b=["fine"]), [1, 2, 3], out, progress=False)
    q = query_sweep(
        out,
        "SELECT a, avg(product) AS mean_product, count(*) AS n FROM sweep "
        "WHERE status = 'ok' GROUP BY a ORDER BY a",
    )
    assert q["a"].to_list() == [1.0, 3.0]
    assert q["n"].to_list() == [3, 3]
    assert q["mean_product"].to_list() == pytest.approx([2.0, 6.0])  # a × mean(1, 2, 3)


def test_query_sweep_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.parquet"):
        query_sweep(tmp_path / "nope.parquet", "SELECT 1")

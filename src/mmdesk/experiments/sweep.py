"""A parameter sweep on Ray: every cell × seed is one task; the results are one Parquet table.

A *cell* is a flat mapping of scalar parameters (``{"volume": 2.0, "vol": 0.3}``);
:func:`grid` builds the Cartesian product of named axes. A *task* is a
function ``task(cell, seed) -> dict`` that runs one cell for one seed and
returns a flat dict of scalar results (numbers, strings, booleans, None). It
must be importable or picklable by Ray (a module-level function is both).

:func:`run_sweep` runs every (cell, seed) as one Ray task — on a local Ray
(``ray.init(num_cpus=...)``, no dashboard, quiet logging) by default, or on a
cluster when given ``address`` — shows a rich progress bar, and writes ONE
Parquet table with one row per cell × seed:

- the cell's parameters (one column each) and ``cell`` (its index), ``seed``;
- the task's results (one column each; null in a failed row);
- run metadata: ``status`` (``"ok"`` or ``"error"``), ``error`` (the
  exception type, message and the last lines of its traceback, null when ok),
  ``task_wall_s`` and ``task_cpu_s`` (the task's wall and CPU seconds in its
  worker, ``time.process_time``), ``host``, ``pid``, ``sweep_id`` and
  ``sweep_wall_s`` (the whole sweep's wall seconds).

A failed task is never dropped: it is a row with ``status = "error"`` and is
listed in :attr:`SweepResult.failures` with its cell and seed. Query the table
with DuckDB through :func:`query_sweep` (the table is the view ``sweep``).
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

#: Scalar types a cell parameter or a task result may take.
Scalar = int | float | bool | str | None
Cell = Mapping[str, Scalar]
SweepTask = Callable[[dict[str, Scalar], int], Mapping[str, Scalar]]

#: Columns :func:`run_sweep` adds; cell parameters and results may not use these names.
META_COLUMNS: tuple[str, ...] = (
    "cell",
    "seed",
    "status",
    "error",
    "task_wall_s",
    "task_cpu_s",
    "host",
    "pid",
    "sweep_id",
    "sweep_wall_s",
)
_SCALARS = (int, float, bool, str, type(None))


class SweepError(ValueError):
    """A sweep that cannot start (bad cells, seeds or columns); the message names the value."""


@dataclass(frozen=True)
class SweepFailure:
    """One task that raised: its cell index, parameters, seed and the error text."""

    cell: int
    params: dict[str, Scalar]
    seed: int
    error: str


@dataclass
class SweepResult:
    """What :func:`run_sweep` returns.

    Attributes
    ----------
    table
        One row per cell × seed (module docstring for the columns).
    path
        The Parquet file written.
    wall_s
        The sweep's wall time, seconds (Ray start-up excluded, task submission to last result).
    cpu_s
        Sum of the tasks' CPU seconds in their workers.
    failures
        The tasks that raised, with their cells.
    """

    table: pl.DataFrame
    path: Path
    wall_s: float
    cpu_s: float
    failures: list[SweepFailure] = field(default_factory=list)


def grid(**axes: Sequence[Scalar]) -> list[dict[str, Scalar]]:
    """The Cartesian product of named axes, first axis slowest.

    >>> grid(volume=[1, 2], vol=[0.2])
    [{'volume': 1, 'vol': 0.2}, {'volume': 2, 'vol': 0.2}]
    """
    for name, values in axes.items():
        if len(values) == 0:
            raise SweepError(f"grid axis {name}={list(values)} has no values")
    names = list(axes)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes.values())]


def _check_scalars(what: str, values: Mapping[str, Any]) -> str | None:
    for k, v in values.items():
        if not isinstance(k, str):
            return f"{what} key {k!r} is not a string"
        if k in META_COLUMNS:
            return f"{what} key {k!r} clashes with a metadata column"
        if not isinstance(v, _SCALARS):
            return f"{what} {k}={v!r} is a {type(v).__name__}, not a scalar"
    return None


def execute_task(task: SweepTask, params: dict[str, Scalar], seed: int) -> dict[str, Any]:
    """Run one (cell, seed) and time it; an exception becomes an ``error`` record.

    This is the body of each Ray task (exposed so it can be run in-process).
    Returns ``{"results": dict | None, "error": str | None, "task_wall_s",
    "task_cpu_s", "host", "pid"}``.
    """
    wall0, cpu0 = time.perf_counter(), time.process_time()
    results: dict[str, Scalar] | None = None
    error: str | None = None
    try:
        out = task(dict(params), int(seed))
        if not isinstance(out, Mapping):
            raise TypeError(f"the task returned a {type(out).__name__}, not a dict of results")
        problem = _check_scalars("result", out)
        if problem is not None:
            raise TypeError(problem)
        clash = sorted(set(out) & set(params))
        if clash:
            raise TypeError(f"result keys {clash} repeat cell parameter names")
        results = dict(out)
    except Exception as err:
        tail = "".join(traceback.format_exception(err)[-3:]).strip()
        error = f"{type(err).__name__}: {err}\n{tail}"
    return {
        "results": results,
        "error": error,
        "task_wall_s": time.perf_counter() - wall0,
        "task_cpu_s": time.process_time() - cpu0,
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }


def start_ray(address: str | None = None, num_cpus: int | None = None) -> bool:
    """Start a local Ray, or join the cluster at ``address``, unless Ray is already up.

    Local Ray runs without dashboard and with quiet logging; its workers use this
    interpreter (Ray's ``uv run`` propagation, which would package the working
    directory for every worker, is switched off for a local Ray). Returns True
    when this call started Ray (the caller then shuts it down).
    """
    if address is None and "ray" not in sys.modules:
        # read by Ray at import; must be set before the first ``import ray``
        os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    import ray

    if ray.is_initialized():
        return False
    if address is not None:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    else:
        ray.init(
            num_cpus=num_cpus,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
    return True


def run_sweep(
    task: SweepTask,
    cells: Sequence[Cell],
    seeds: Sequence[int],
    out: str | Path,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    progress: bool = True,
    description: str = "sweep",
    checkpoint_s: float = 60.0,
) -> SweepResult:
    """Run ``task`` on every cell × seed through Ray and write one Parquet table.

    Parameters
    ----------
    task
        ``task(cell, seed) -> dict`` of scalar results (module docstring).
    cells
        The cells (flat mappings of scalar parameters, all with the same keys).
    seeds
        Root seeds; every cell runs every seed.
    out
        Path of the Parquet file (parent directories are created).
    address
        Ray cluster address to join (e.g. ``"ray://head:10001"`` or ``"auto"``);
        None starts a local Ray.
    num_cpus
        CPUs of the local Ray (None: all of the machine's). Ignored with ``address``.
    progress
        Show a rich progress bar (on stderr).
    description
        Label of the progress bar.
    checkpoint_s
        While tasks are pending, the rows finished so far are rewritten to
        ``<out>.partial`` (Parquet, ``sweep_wall_s`` null) at most this often,
        seconds; the file is removed when the full table is written.

    Raises
    ------
    SweepError
        If there are no cells or seeds, cells differ in keys, a parameter is not a
        scalar or a name clashes with a metadata column.
    """
    if not cells:
        raise SweepError("cells=[] : a sweep needs at least one cell")
    if not seeds:
        raise SweepError("seeds=[] : a sweep needs at least one seed")
    if len(set(seeds)) != len(seeds):
        raise SweepError(f"seeds={list(seeds)} repeat a seed")
    keys = set(cells[0])
    for i, c in enumerate(cells):
        if set(c) != keys:
            raise SweepError(f"cells[{i}] has keys {sorted(c)}, cells[0] has {sorted(keys)}")
        problem = _check_scalars(f"cells[{i}]", c)
        if problem is not None:
            raise SweepError(problem)
    if num_cpus is not None and num_cpus < 1:
        raise SweepError(f"num_cpus={num_cpus} must be >= 1")
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)

    partial = path.with_name(path.name + ".partial")
    sweep_id = uuid.uuid4().hex[:12]
    started = start_ray(address, num_cpus)  # before importing ray: it reads the env at import

    import ray
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(execute_task)
        task_ref = ray.put(task)
        # seed-major submission: a partial table covers every cell with the first seeds
        jobs = sorted((i, int(s)) for s in seeds for i in range(len(cells)))
        order = sorted(jobs, key=lambda j: (list(seeds).index(j[1]), j[0]))
        wall0 = time.perf_counter()
        pending = {remote.remote(task_ref, dict(cells[i]), s): (i, s) for i, s in order}
        records: dict[tuple[int, int], dict[str, Any]] = {}
        last_save = wall0
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=not progress,
        ) as bar:
            tid = bar.add_task(description, total=len(jobs))
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    key = pending.pop(ref)
                    try:
                        records[key] = ray.get(ref)
                    except Exception as err:  # the worker died or Ray failed the task
                        records[key] = {
                            "results": None,
                            "error": f"{type(err).__name__}: {err}",
                            "task_wall_s": None,
                            "task_cpu_s": None,
                            "host": None,
                            "pid": None,
                        }
                    bar.advance(tid)
                if time.perf_counter() - last_save >= checkpoint_s and pending:
                    done_jobs = [j for j in jobs if j in records]
                    _build_table(cells, done_jobs, records, sweep_id, None).write_parquet(partial)
                    last_save = time.perf_counter()
        wall_s = time.perf_counter() - wall0
    finally:
        if started:
            ray.shutdown()

    table = _build_table(cells, jobs, records, sweep_id, wall_s)
    table.write_parquet(path)
    partial.unlink(missing_ok=True)
    failures = [
        SweepFailure(i, dict(cells[i]), s, records[(i, s)]["error"])
        for i, s in jobs
        if records[(i, s)]["error"] is not None
    ]
    cpu_s = float(table["task_cpu_s"].fill_null(0.0).sum())
    return SweepResult(table=table, path=path, wall_s=wall_s, cpu_s=cpu_s, failures=failures)


def _build_table(
    cells: Sequence[Cell],
    jobs: Sequence[tuple[int, int]],
    records: Mapping[tuple[int, int], Mapping[str, Any]],
    sweep_id: str,
    wall_s: float | None,
) -> pl.DataFrame:
    """One row per finished job: cell parameters, results, metadata (module docstring)."""
    rows: list[dict[str, Any]] = []
    result_cols: dict[str, None] = {}
    for i, s in jobs:
        rec = records[(i, s)]
        row: dict[str, Any] = {"cell": i, "seed": s, **cells[i]}
        if rec["results"] is not None:
            row.update(rec["results"])
            result_cols.update(dict.fromkeys(rec["results"]))
        row.update(
            status="ok" if rec["error"] is None else "error",
            error=rec["error"],
            task_wall_s=rec["task_wall_s"],
            task_cpu_s=rec["task_cpu_s"],
            host=rec["host"],
            pid=rec["pid"],
            sweep_id=sweep_id,
            sweep_wall_s=wall_s,
        )
        rows.append(row)
    columns = ["cell", "seed", *cells[0], *result_cols, *META_COLUMNS[2:]]
    return pl.DataFrame(
        [{c: row.get(c) for c in columns} for row in rows], infer_schema_length=None
    ).select(columns)


def query_sweep(path: str | Path, sql: str) -> pl.DataFrame:
    """Run DuckDB SQL on a sweep table; the Parquet file is the view ``sweep``.

    >>> query_sweep("runs/scaling.parquet", "SELECT volume, avg(sharpe) FROM sweep GROUP BY 1")
    ... # doctest: +SKIP
    """
    import duckdb

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"sweep table path={str(p)!r} does not exist")
    literal = str(p).replace("'", "''")
    con = duckdb.connect()
    try:
        con.execute(f"CREATE VIEW sweep AS SELECT * FROM read_parquet('{literal}')")
        return con.sql(sql).pl()
    finally:
        con.close()

"""A desk run: the central book in the simulated market, and the run directory it leaves.

A :class:`RunConfig` is the scenario (:class:`mmdesk.sim.config.ScenarioConfig`,
which holds the seed) plus the desk (:class:`mmdesk.desk.config.CentralBookConfig`).
Its content hash is the run id. A TOML run file has two optional tables,
``[scenario]`` and ``[desk]``; absent fields take the defaults, invalid ones
raise :class:`RunConfigError` naming the field path and the value.

The run directory holds ``config.toml`` and ``config.json`` (the full
config, reloadable), one Parquet file per journal table (``orders``, ``fills``,
``hedges``, ``risk_events``, ``snapshots``, ``expiry_greeks``, ``inventory``,
``marks``), ``listing.parquet`` (the option series, for recomputing greeks) and
``summary.json``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, ValidationError

from mmdesk.desk.central import CentralBook
from mmdesk.desk.config import CentralBookConfig
from mmdesk.sim.config import ScenarioConfig
from mmdesk.sim.loop import DESK_OWNER, RunResult, SimulationLoop


class RunConfig(BaseModel):
    """A full desk run: the simulated market and the central book."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: ScenarioConfig = ScenarioConfig()
    desk: CentralBookConfig = CentralBookConfig()


class RunConfigError(ValueError):
    """A run file or mapping that does not validate; the message names field and value."""


def _format_errors(err: ValidationError, source: str) -> str:
    lines = [f"invalid run config {source}:"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        shown = repr(e.get("input"))
        if len(shown) > 80:
            shown = shown[:77] + "..."
        lines.append(f"  {loc} = {shown}: {e['msg']}")
    return "\n".join(lines)


def run_config_from_dict(data: dict[str, Any], source: str = "<dict>") -> RunConfig:
    """Validate a mapping (e.g. parsed TOML) into a :class:`RunConfig`.

    Raises
    ------
    RunConfigError
        Listing every invalid field as ``path = value: message``.
    """
    try:
        return RunConfig.model_validate(data)
    except ValidationError as err:
        raise RunConfigError(_format_errors(err, source)) from None


def load_run_config(path: str | Path) -> RunConfig:
    """Load a run config from TOML (``[scenario]`` and ``[desk]`` tables, both optional).

    Raises
    ------
    RunConfigError
        If the file is missing, not TOML, or a field is invalid (named with its value).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise RunConfigError(f"cannot read run config {p}: {err.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise RunConfigError(f"invalid run config {p}: not TOML: {err}") from None
    return run_config_from_dict(data, str(p))


def run_id(config: RunConfig) -> str:
    """Content hash of the config (the seed included): 16 hex digits of SHA-256."""
    blob = json.dumps(config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if math.isnan(v):
            return "nan"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} value {v!r} as TOML")


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """A small TOML writer for config dumps (scalars, arrays, inline and nested tables)."""
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, dict) and v is not None]
    tables = [(k, v) for k, v in data.items() if isinstance(v, dict)]
    lines = [f"{k} = {_toml_value(v)}" for k, v in scalars]
    out = ""
    if prefix and (lines or not tables):
        out += f"[{prefix}]\n"
    if lines:
        out += "\n".join(lines) + "\n\n"
    for k, v in tables:
        out += to_toml(v, f"{prefix}.{k}" if prefix else k)
    return out


@dataclass(eq=False)
class RunOutput:
    """What a desk run leaves in memory."""

    config: RunConfig
    run_id: str
    desk: CentralBook
    result: RunResult
    summary: dict[str, Any]


def run_desk(
    config: RunConfig | None = None,
    progress: Callable[[float], None] | None = None,
    extra: Callable[[SimulationLoop, CentralBook], Sequence[Any]] | None = None,
) -> RunOutput:
    """Run the central book in the simulated market.

    Parameters
    ----------
    config : RunConfig, optional
        The run (default: the built-in scenario and desk).
    progress : callable, optional
        Called with the fraction of simulated session time done (0..1) at each desk timer.
    extra : callable, optional
        ``extra(loop, desk)`` returns more participants for the loop (e.g. prop
        books wired to the central book ``desk``); see :class:`SimulationLoop`.
    """
    cfg = config if config is not None else RunConfig()
    desk = CentralBook(cfg.desk, owner_id=DESK_OWNER)
    more: Callable[[SimulationLoop], Sequence[Any]] | tuple[()] = ()
    if extra is not None:
        build = extra

        def more_for(loop: SimulationLoop) -> Sequence[Any]:
            return build(loop, desk)

        more = more_for
    loop = SimulationLoop(cfg.scenario, desk, extra=more)
    desk.clock = loop.clock.now_ns
    sessions = loop.sessions
    total = float(sum(c - o for o, c in sessions)) or 1.0
    if progress is not None:
        report = progress

        def on_timer(now_ns: int) -> None:
            report(sum(max(0, min(now_ns, c) - o) for o, c in sessions) / total)

        desk.progress = on_timer
    result = loop.run()
    desk.finish(sessions[-1][1])
    rid = run_id(cfg)
    return RunOutput(cfg, rid, desk, result, summarise(cfg, rid, desk, result))


def summarise(cfg: RunConfig, rid: str, desk: CentralBook, result: RunResult) -> dict[str, Any]:
    """The run's headline figures (also written as ``summary.json``)."""
    j = desk.journal
    snaps = j.frame("snapshots")
    fills = j.frame("fills")
    opt = fills.filter(pl.col("kind").is_in(["quote", "rfq", "unwind", "order"]))
    # the underlying traded on the venue (internal crosses are not hedges)
    hedge = fills.filter((pl.col("instrument") == 0) & ~pl.col("kind").is_in(["settle", "cross"]))
    ev = j.frame("risk_events")
    pnl = float(snaps["pnl"][-1]) if snaps.height else 0.0
    days = cfg.scenario.days
    per_day = []
    if snaps.height:
        day_of = np.searchsorted(
            np.array([c for _, c in desk.sessions], dtype=np.int64), snaps["ts_ns"].to_numpy()
        )
        pnl_arr = snaps["pnl"].to_numpy()
        ends = [pnl_arr[day_of <= d][-1] for d in range(days) if np.any(day_of <= d)]
        per_day = np.diff(np.concatenate([[0.0], ends])).tolist()
    edge = 0.0
    if opt.height:
        side = opt["side"].to_numpy().astype(np.float64)
        px = opt["price"].to_numpy().astype(np.float64) * desk.unit
        qty = opt["qty"].to_numpy().astype(np.float64)
        edge = float(np.sum(side * (opt["theo_px"].to_numpy() - px) * qty) * desk.m)
    reasons = ev["reason"].value_counts().sort("reason") if ev.height else None
    return {
        "run_id": rid,
        "seed": cfg.scenario.seed,
        "days": days,
        "n_options": desk.n,
        "wall_s": round(result.wall_s, 3),
        "venue_events": result.n_events,
        "venue_commands": result.n_commands,
        "venue_digest": result.digest,
        "journal_digest": j.digest(),
        "pnl": pnl,
        "pnl_per_day": per_day,
        "edge_captured": edge,
        "fees": float(desk.positions.fees),
        "option_fills": int(opt.height),
        "contracts_traded": int(opt["qty"].sum()) if opt.height else 0,
        "hedge_fills": int(hedge.height),
        "shares_hedged": int(hedge["qty"].sum()) if hedge.height else 0,
        "final_delta": float(snaps["delta"][-1]) if snaps.height else 0.0,
        "final_vega": float(snaps["vega"][-1]) if snaps.height else 0.0,
        "max_utilisation": float(snaps["max_utilisation"].to_numpy().max())
        if snaps.height
        else 0.0,
        "final_state": desk.gate.state.name,
        "risk_events": (
            {str(r): int(c) for r, c in reasons.iter_rows()} if reasons is not None else {}
        ),
        "counters": dict(desk.counters),
    }


def listing_frame(desk: CentralBook) -> pl.DataFrame:
    """The option series the desk traded (option index, instrument, strike, expiry, call/put)."""
    lst = desk.listing
    return pl.DataFrame(
        {
            "option": np.arange(lst.n_options, dtype=np.int32),
            "instrument": lst.instrument,
            "strike": lst.strike,
            "expiry_ns": lst.expiry_ns,
            "expiry": lst.expiry_index,
            "is_call": lst.is_call,
            "multiplier": np.full(lst.n_options, lst.multiplier),
        }
    )


def write_run(output: RunOutput, out_dir: str | Path) -> Path:
    """Write the run directory ``out_dir/<run_id>``; returns its path."""
    d = Path(out_dir) / output.run_id
    d.mkdir(parents=True, exist_ok=True)
    dump = output.config.model_dump(mode="json")
    (d / "config.json").write_text(json.dumps(dump, indent=2, sort_keys=True) + "\n")
    (d / "config.toml").write_text(to_toml(dump))
    output.desk.journal.write(d)
    listing_frame(output.desk).write_parquet(d / "listing.parquet", statistics=False)
    (d / "summary.json").write_text(json.dumps(output.summary, indent=2) + "\n")
    return d

"""Flow and attribution acceptance figures over seeds: spread capture, residual, classifiers.

For each run (a run directory of ``mmdesk simulate``, or a fresh run of the
default scenario for each seed) :func:`analyse_run` measures:

- the share of P&L from spread capture (``edge / pnl``, and ``edge`` against
  the sum of the positive components);
- the attribution residual against gross P&L (Σ|component|) and against |P&L|;
- the per-tag classifier: labels after the day, right when every informed and
  vol-informed tag is smart and every noise (and institutional) tag dumb —
  both the desk's own online read at its last refresh (the ``flow_read``
  journal, what its leaning acted on; ``online_*``) and the post-trade
  classifier on markouts to the close (``posthoc_*``);
- the feature classifier with tags hidden: k-means clusters fitted on the
  first half of the day's fills (time order), balanced accuracy (0.5 = chance)
  on the second half, truth = agent kind smart (informed, vol-informed) or
  dumb (noise, institutional).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from mmdesk.flow.agents.tags import DUMB_KINDS, SMART_KINDS, kinds_of_tags
from mmdesk.flow.classifier import (
    FeatureClassifier,
    balanced_accuracy,
    classify_tags,
    fill_features,
    toxicity_of,
)
from mmdesk.flow.markouts import compute_markouts, hedged_markouts, tape_from_journal
from mmdesk.report.rundir import RunData, load_run
from mmdesk.risk.attribution import COMPONENTS, attribute
from mmdesk.typing import Float64Array

_SMART = np.array(sorted(int(k) for k in SMART_KINDS))
_DUMB = np.array(sorted(int(k) for k in DUMB_KINDS))


def run_markouts(run: RunData) -> tuple[pl.DataFrame, Float64Array]:
    """A run's markout table (:func:`compute_markouts`) and each fill's hedged markout to
    the close (:func:`hedged_markouts`, currency, desk side)."""
    fills, marks, snaps = run["fills"], run["marks"], run["snapshots"]
    tape = tape_from_journal(fills, marks, snaps)
    table = compute_markouts(
        fills, tape, run.listing, run.rate, run.div_yield, run.price_unit,
        tau_floor_s=run.tau_floor_s,
    )  # fmt: skip
    return table, hedged_markouts(table, tape, run.listing, run.rate, run.div_yield)


def flow_losses(run: RunData) -> dict[str, Any]:
    """What the desk lost to smart flow and earned from dumb flow, per contract.

    Smart = informed and vol-informed agents, dumb = noise and institutional
    (the simulator's truth behind the tags). Loss = −Σ hedged markout to the
    close / Σ contracts (currency per contract; > 0 means the desk lost).
    """
    table, hedged = run_markouts(run)
    kind = table["agent_kind"].to_numpy()
    qty = table["qty"].to_numpy().astype(np.float64)
    ok = np.isfinite(hedged)
    out: dict[str, Any] = {"run": run.path.name, "seed": run.summary.get("seed")}
    for name, kinds in (("smart", _SMART), ("dumb", _DUMB)):
        sel = ok & np.isin(kind, kinds)
        contracts = float(qty[sel].sum())
        out[f"{name}_contracts"] = contracts
        out[f"{name}_loss_per_contract"] = (
            float(-hedged[sel].sum() / contracts) if contracts > 0 else float("nan")
        )
    snaps = run["snapshots"]
    out["pnl"] = float(snaps["pnl"][-1]) if snaps.height else 0.0
    return out


def leaning_comparison(
    seeds: Sequence[int],
    out_dir: str | Path,
    progress: Callable[[str], None] | None = None,
    days: int = 1,
) -> list[dict[str, Any]]:
    """The same seeds with the desk's leaning off and on: :func:`flow_losses` of each run.

    Rows in seed order, off before on, each with ``leaning`` (bool); ``days``
    trading days per run (the desk's read of its counterparties carries over
    from one day to the next).
    """
    from mmdesk.sim.run import RunConfig, run_desk, write_run

    rows = []
    for s in seeds:
        for enabled in (False, True):
            if progress is not None:
                progress(f"simulating seed {s}, leaning {'on' if enabled else 'off'}")
            base = RunConfig()
            flow = base.desk.flow
            desk = base.desk.model_copy(
                update={
                    "flow": flow.model_copy(
                        update={"leaning": flow.leaning.model_copy(update={"enabled": enabled})}
                    )
                }
            )
            scenario = base.scenario.model_copy(update={"seed": int(s), "days": int(days)})
            path = write_run(run_desk(RunConfig(scenario=scenario, desk=desk)), out_dir)
            rows.append({**flow_losses(load_run(path)), "leaning": enabled})
    return rows


def leaning_arms(
    rows: Sequence[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """:func:`leaning_comparison`'s rows split into the leaning-off and -on runs, paired by order.

    Raises ValueError unless there are as many on as off runs, at least one.
    """
    off = [r for r in rows if not r["leaning"]]
    on = [r for r in rows if r["leaning"]]
    if not off or len(off) != len(on):
        raise ValueError(f"leaning_arms: {len(off)} runs off and {len(on)} on, need pairs")
    return off, on


def leaning_effect(
    rows: Sequence[dict[str, Any]], n_boot: int = 4000, level: float = 0.9, seed: int = 0
) -> dict[str, float]:
    """The acceptance figures of :func:`leaning_comparison`, pooled over seeds, with error bars.

    Smart loss per contract pooled over the seeds (Σ loss / Σ contracts,
    currency per contract) with leaning off and on, their difference (on − off;
    < 0: the lean lowers it) and the total P&L difference (currency). The
    intervals are a paired bootstrap over seeds (the same seeds resampled for
    both arms, ``n_boot`` draws, central ``level``): a day's fills are not
    independent draws, a seed is.

    Returns
    -------
    dict
        ``off, on, diff, diff_lo, diff_hi`` (currency per contract) and
        ``pnl_diff, pnl_lo, pnl_hi`` (currency, summed over the seeds).
    """
    off, on = leaning_arms(rows)

    def arm(rs: Sequence[dict[str, Any]]) -> tuple[Float64Array, Float64Array]:
        c = np.array([r["smart_contracts"] for r in rs], dtype=np.float64)
        return c, c * np.array([r["smart_loss_per_contract"] for r in rs], dtype=np.float64)

    (c_off, l_off), (c_on, l_on) = arm(off), arm(on)
    pnl = np.array([b["pnl"] - a["pnl"] for a, b in zip(off, on, strict=True)])
    draw = np.random.default_rng(seed).integers(0, pnl.size, size=(n_boot, pnl.size))
    diff = l_on[draw].sum(1) / c_on[draw].sum(1) - l_off[draw].sum(1) / c_off[draw].sum(1)
    tails = [(1.0 - level) / 2.0, (1.0 + level) / 2.0]
    d_lo, d_hi = np.quantile(diff, tails)
    p_lo, p_hi = np.quantile(pnl[draw].sum(1), tails)
    pooled_off, pooled_on = l_off.sum() / c_off.sum(), l_on.sum() / c_on.sum()
    return {
        "off": float(pooled_off),
        "on": float(pooled_on),
        "diff": float(pooled_on - pooled_off),
        "diff_lo": float(d_lo),
        "diff_hi": float(d_hi),
        "pnl_diff": float(pnl.sum()),
        "pnl_lo": float(p_lo),
        "pnl_hi": float(p_hi),
    }


def _judge(state: pl.DataFrame) -> dict[str, Any]:
    """Tags judged (informed and vol-informed must be smart, noise and institutional dumb)."""
    tags = state["tag"].to_numpy()
    kinds = kinds_of_tags(tags)
    smart_tag = np.isin(kinds, _SMART)
    labelled = smart_tag | np.isin(kinds, _DUMB)
    smart = state["p_smart"].to_numpy() > 0.5
    right = np.where(smart_tag, smart, ~smart)
    return {
        "tags_labelled": int(labelled.sum()),
        "tags_right": int(right[labelled].sum()),
        "tag_accuracy": float(right[labelled].mean()) if labelled.any() else float("nan"),
        "wrong_tags": tags[labelled & ~right].tolist(),
    }


def analyse_run(run: RunData, n_clusters: int = 8, session_s: float = 23_400.0) -> dict[str, Any]:
    """Acceptance figures of one run directory (module docstring)."""
    fills, marks, snaps = run["fills"], run["marks"], run["snapshots"]
    att = attribute(
        fills, marks, run.listing, run.rate, run.div_yield, run.price_unit, run.tau_floor_s
    )
    tot = att.totals
    positive = sum(max(tot[c], 0.0) for c in COMPONENTS if c != "residual")
    table, hedged = run_markouts(run)
    post = _judge(classify_tags(table, hedged))
    read = run["flow_read"]
    online = _judge(read.filter(pl.col("ts_ns") == read["ts_ns"].max())) if read.height else post
    # tags hidden: clusters of features, fitted on the first half, scored on the second
    x = fill_features(table, int(table["ts_ns"].to_numpy().min()), session_s)
    tox = toxicity_of(table, hedged)
    fill_kind = table["agent_kind"].to_numpy()
    known = np.isin(fill_kind, np.r_[_SMART, _DUMB])
    truth = np.isin(fill_kind, _SMART)
    half = table.height // 2
    fc = FeatureClassifier(n_clusters=n_clusters, seed=0).fit(x[:half], tox[:half])
    pred, _ = fc.predict(x[half:])
    test_known = known[half:]
    bal = balanced_accuracy(truth[half:][test_known], pred[test_known])
    return {
        "run": run.path.name,
        "seed": run.summary.get("seed"),
        "pnl": tot["pnl"],
        "desk_pnl": float(snaps["pnl"][-1]) if snaps.height else 0.0,
        "edge": tot["edge"],
        "edge_share_of_pnl": tot["edge"] / tot["pnl"] if tot["pnl"] else float("nan"),
        "edge_share_of_gains": tot["edge"] / positive if positive > 0 else float("nan"),
        "largest_gain": max((c for c in COMPONENTS if c != "residual"), key=lambda c: tot[c]),
        "residual": tot["residual"],
        "gross": att.gross,
        "residual_share_gross": att.residual_share,
        "residual_share_pnl": abs(tot["residual"]) / abs(tot["pnl"]) if tot["pnl"] else 0.0,
        **{f"online_{k}": v for k, v in online.items()},
        **{f"posthoc_{k}": v for k, v in post.items()},
        "feature_balanced_accuracy": bal,
        "feature_test_fills": int(test_known.sum()),
        "feature_smart_share": float(truth[half:][test_known].mean()),
        "totals": tot,
    }


def run_seeds(
    seeds: Sequence[int],
    out_dir: str | Path,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Simulate one default-scenario day per seed and write each run directory."""
    from mmdesk.sim.run import RunConfig, run_desk, write_run

    paths = []
    for s in seeds:
        if progress is not None:
            progress(f"simulating seed {s}")
        base = RunConfig()
        cfg = base.model_copy(
            update={"scenario": base.scenario.model_copy(update={"seed": int(s), "days": 1})}
        )
        paths.append(write_run(run_desk(cfg), out_dir))
    return paths


def analyse_dirs(paths: Sequence[str | Path]) -> list[dict[str, Any]]:
    """:func:`analyse_run` of each run directory."""
    return [analyse_run(load_run(p)) for p in paths]

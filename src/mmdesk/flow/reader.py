"""The desk's online read of its counterparties: running hedged markouts → toxicity → lean.

The post-trade classifier (:mod:`mmdesk.flow.classifier`) marks every fill to
the close with a delta hedge rebalanced on a grid
(:func:`~mmdesk.flow.markouts.hedged_markouts`). :class:`FlowReader` computes
the same quantity *as the day goes*, from what the desk knows at each instant:
every ``mark_s`` seconds each recorded fill's hedged markout is advanced by

    side · qty · m · [(theo_now − theo_prev) − delta_prev · (spot_now − spot_prev)]

with the desk's current theo and delta of the fill's option (so the surface's
vol re-marks are in it), starting from the edge at the fill,
``side · qty · m · (theo_fill − price)``; an option past its expiry stops
moving. Every ``refresh_s`` seconds the per-tag
:class:`~mmdesk.flow.classifier.ToxicityModel` is rebuilt from the fills at
least ``min_age_s`` old, with the classifier's toxicity
(:func:`~mmdesk.flow.classifier.adverse_toxicity`: −(markout − edge) / qty,
currency per contract, the spread earned taken out) and its leave-one-out
benchmark: informed flow shows up as the underlying moves its way, vol-informed
flow as the hedged option's gamma and vol P&L accrue, whatever spread they paid. The lean follows
:mod:`mmdesk.flow.leaning`: on the lit quotes from the recent fills and their tag's current expected
excess toxicity (Glosten–Milgrom widening of the side smart flow took, per
expiry × sign of delta; :func:`~mmdesk.flow.leaning.option_adjustments`),
per requester tag for RFQ answers (:func:`~mmdesk.flow.leaning.tag_adjustments`).
A disabled :class:`~mmdesk.flow.leaning.LeaningConfig` still reads the flow
but every adjustment is neutral.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.flow.classifier import ToxicityConfig, ToxicityModel, adverse_toxicity
from mmdesk.flow.leaning import (
    LeaningConfig,
    OptionLean,
    expected_excess,
    option_adjustments,
    tag_adjustments,
)
from mmdesk.flow.online_marks import advance_markouts
from mmdesk.typing import BoolArray, Float64Array, Int64Array

_INT_FIELDS = ("ts_ns", "option", "tag")
_FLOAT_FIELDS = (
    "side", "qty", "delta", "vega", "edge", "markout", "theo_prev", "delta_prev", "spot_prev"
)  # fmt: skip


class FlowReaderConfig(BaseModel):
    """How the desk reads its flow online and leans against it.

    Attributes
    ----------
    leaning
        The lean policy (``enabled=False``: neutral quotes, the read continues).
    toxicity
        Prior of the per-tag toxicity estimate.
    mark_s
        Re-hedging (marking) interval of the running markouts, seconds.
    refresh_s
        Interval between rebuilds of the per-tag estimate and the lean, seconds.
    min_age_s
        A fill counts toward its tag's toxicity once it is this old, seconds.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    leaning: LeaningConfig = LeaningConfig()
    toxicity: ToxicityConfig = ToxicityConfig()
    mark_s: float = Field(10.0, gt=0.0)
    refresh_s: float = Field(60.0, gt=0.0)
    min_age_s: float = Field(60.0, ge=0.0)


class FlowReader:
    """Online toxicity per counterparty tag and the quote lean it implies (module docstring).

    Parameters
    ----------
    config : FlowReaderConfig
        Cadence, prior and lean policy.
    expiry : ndarray of int
        Expiry bucket of each option (its length is the number of options;
        option indices are 0-based).
    multiplier : float
        Shares per contract.
    """

    def __init__(self, config: FlowReaderConfig, expiry: Int64Array, multiplier: float) -> None:
        self.config = config
        self.expiry = np.asarray(expiry, dtype=np.int64)
        self.n_options = int(self.expiry.size)
        self.n_expiries = int(self.expiry.max()) + 1 if self.expiry.size else 0
        self.multiplier = float(multiplier)
        self._fills: dict[str, np.ndarray] = {k: np.zeros(0, np.int64) for k in _INT_FIELDS}
        self._fills.update({k: np.zeros(0) for k in _FLOAT_FIELDS})
        self._read = ToxicityModel(config.toxicity).columns()
        self._state: pl.DataFrame | None = None  # the read as a DataFrame, built on demand
        self._p_by_tag: dict[int, float] = {}
        self._last_mark_ns: int | None = None
        self._last_refresh_ns: int | None = None
        # the cadences in ns, once (update runs at every timer tick)
        self._mark_ns = round(config.mark_s * 1e9)
        self._refresh_ns = round(config.refresh_s * 1e9)
        self.lean = OptionLean.neutral(self.n_options, self.n_expiries)

    def record(
        self,
        ts_ns: Int64Array,
        option: Int64Array,
        side: Float64Array,
        qty: Float64Array,
        price: Float64Array,
        tag: Int64Array,
        theo: Float64Array,
        delta: Float64Array,
        vega: Float64Array,
        spot: float,
    ) -> None:
        """Add the desk's option fills.

        Parameters
        ----------
        ts_ns : ndarray of int64
            Fill times, ns.
        option : ndarray of int
            0-based option index.
        side : ndarray
            Desk side, +1 bought, −1 sold.
        qty : ndarray
            Contracts (> 0).
        price : ndarray
            Fill price, currency per share.
        tag : ndarray of int
            Counterparty tag.
        theo, delta, vega : ndarray
            The option's theo (currency per share), delta (per share) and vega
            (per share per 1.00 vol) at the fill.
        spot : float
            Underlying price at the fills, currency.
        """
        n = np.size(ts_ns)
        side_f = np.asarray(side, dtype=np.float64)
        qty_f = np.asarray(qty, dtype=np.float64)
        theo_f = np.asarray(theo, dtype=np.float64)
        edge = side_f * qty_f * self.multiplier * (theo_f - np.asarray(price, dtype=np.float64))
        new = {
            "ts_ns": np.asarray(ts_ns, dtype=np.int64),
            "option": np.asarray(option, dtype=np.int64),
            "tag": np.asarray(tag, dtype=np.int64),
            "side": side_f,
            "qty": qty_f,
            "delta": np.asarray(delta, dtype=np.float64),
            "vega": np.asarray(vega, dtype=np.float64),
            "edge": edge,
            "markout": edge,
            "theo_prev": theo_f,
            "delta_prev": np.asarray(delta, dtype=np.float64),
            "spot_prev": np.full(n, float(spot)),
        }
        for k, v in new.items():
            self._fills[k] = np.concatenate([self._fills[k], v])

    def update(
        self, now_ns: int, theo: Float64Array, delta: Float64Array, live: BoolArray, spot: float
    ) -> bool:
        """Advance the running markouts when a mark is due, rebuild the read when a refresh is.

        Parameters
        ----------
        now_ns : int
            Current time, ns.
        theo, delta : ndarray
            The desk's current theo (currency per share) and delta per option.
        live : ndarray of bool
            Options not yet expired (expired ones stop being marked).
        spot : float
            Current underlying price, currency.

        Returns
        -------
        bool
            True when the per-tag read and the lean were rebuilt.
        """
        last = self._last_mark_ns
        if last is None or now_ns - last >= self._mark_ns:
            self._mark(theo, delta, live, spot)
            self._last_mark_ns = now_ns
        last = self._last_refresh_ns
        if last is not None and now_ns - last < self._refresh_ns:
            return False
        cfg = self.config
        self._last_refresh_ns = now_ns
        f = self._fills
        aged = f["ts_ns"] <= np.int64(now_ns) - np.int64(round(cfg.min_age_s * 1e9))
        model = ToxicityModel(cfg.toxicity)
        model.update(f["tag"][aged], adverse_toxicity(f["markout"], f["edge"], f["qty"])[aged])
        self._read = model.columns()
        self._state = None
        self._p_by_tag = dict(
            zip(self._read["group"].tolist(), self._read["p_smart"].tolist(), strict=True)
        )
        self.lean = self._option_lean(now_ns, delta)
        return True

    def _mark(self, theo: Float64Array, delta: Float64Array, live: BoolArray, spot: float) -> None:
        f = self._fills
        if f["option"].size == 0:
            return
        n = f["option"].shape[0]
        out = [np.empty(n) for _ in range(4)]  # new arrays, as numpy's expressions made them
        advance_markouts(
            f["option"], f["side"], f["qty"], self.multiplier, live, theo, delta, float(spot),
            f["markout"], f["theo_prev"], f["delta_prev"], f["spot_prev"], *out,
        )  # fmt: skip
        f["markout"], f["theo_prev"], f["delta_prev"], f["spot_prev"] = out

    def p_smart(self, tags: Int64Array) -> Float64Array:
        """Current probability that each tag is smart (0.5 for a tag not yet read)."""
        return np.array([self._p_by_tag.get(int(t), 0.5) for t in np.asarray(tags)], np.float64)

    def _option_lean(self, now_ns: int, delta: Float64Array) -> OptionLean:
        if not self.config.leaning.enabled:
            return OptionLean.neutral(self.n_options, self.n_expiries)
        f = self._fills
        tags, inverse = np.unique(f["tag"], return_inverse=True)
        excess_by = dict(
            zip(
                self._read["group"].tolist(),
                expected_excess(
                    self._read["toxicity"], self._read["benchmark"], self._read["p_smart"]
                ).tolist(),
                strict=True,
            )
        )
        excess = np.array([excess_by.get(int(t), 0.0) for t in tags], np.float64)
        # cells: expiry × sign of delta (calls and puts, the way directional flow picks them)
        cell = 2 * self.expiry + (np.asarray(delta) > 0.0)
        return option_adjustments(
            f["option"],
            f["ts_ns"],
            f["side"].astype(np.int64),
            f["qty"],
            self.p_smart(tags)[inverse],
            excess[inverse],
            f["delta"],
            f["vega"],
            self.expiry[f["option"]],
            cell.astype(np.int64),
            self.n_expiries,
            self.multiplier,
            now_ns,
            self.config.leaning,
        )

    def tag_lean(self, tag: int) -> tuple[float, float]:
        """(widen_px, spread_mult) for an RFQ from ``tag`` (currency per share; neutral 0, 1)."""
        state = self.state().filter(pl.col("tag") == int(tag))
        if state.height == 0:
            return 0.0, 1.0
        adj = tag_adjustments(state, self.config.leaning, self.multiplier)
        return float(adj["widen_px"][0]), float(adj["spread_mult"][0])

    def state(self) -> pl.DataFrame:
        """The per-tag read: :meth:`ToxicityModel.state` with the group named ``tag``."""
        if self._state is None:
            self._state = pl.DataFrame(self._read)
        return self._state.rename({"group": "tag"})

    def read_columns(self) -> dict[str, np.ndarray]:
        """:meth:`state`'s columns as numpy arrays (``tag`` for ``group``; read-only use)."""
        return {("tag" if k == "group" else k): v for k, v in self._read.items()}

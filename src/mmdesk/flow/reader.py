"""The desk's online read of its counterparties: fixed-horizon markouts → toxicity → lean.

The post-trade classifier (:mod:`mmdesk.flow.classifier`) marks every fill to
the close; a desk that leans while it trades can only use what it knows now.
:class:`FlowReader` keeps the desk's recent option fills and, on each call to
:meth:`FlowReader.score`, marks every fill that is at least ``horizon_s`` old
and not yet scored, delta-hedged at the fill::

    markout  = side · qty · m · [(theo_now − price) − delta_fill · (spot_now − spot_fill)]
    toxicity = −markout / qty                     (currency per contract)

(theo_now is the desk's current theo of the option, so the vol re-marks of
the surface are in it.) Scored toxicities update a per-tag
:class:`~mmdesk.flow.classifier.ToxicityModel` (shrunk to the prior until fills
accumulate). The lean follows :mod:`mmdesk.flow.leaning`: per option from the
recent fills weighted by their tag's current ``p_smart``
(:func:`~mmdesk.flow.leaning.option_adjustments`), per requester tag for RFQ
answers (:func:`~mmdesk.flow.leaning.tag_adjustments`). A disabled
:class:`~mmdesk.flow.leaning.LeaningConfig` still scores (the labels are
journaled either way) but every adjustment is neutral.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.flow.classifier import ToxicityConfig, ToxicityModel
from mmdesk.flow.leaning import LeaningConfig, OptionLean, option_adjustments, tag_adjustments
from mmdesk.typing import Float64Array, Int64Array

_FIELDS = ("ts_ns", "option", "side", "qty", "price", "tag", "spot", "delta", "vega")


class FlowReaderConfig(BaseModel):
    """How the desk reads its flow online and leans against it.

    Attributes
    ----------
    leaning
        The lean policy (``enabled=False``: neutral quotes, scoring continues).
    toxicity
        Prior of the per-tag toxicity estimate.
    horizon_s
        Markout horizon, seconds: a fill is scored once it is this old.
    memory_half_lives
        Fills older than this many of the lean's half-lives stop counting
        toward the per-option lean (and are dropped once scored).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    leaning: LeaningConfig = LeaningConfig()
    toxicity: ToxicityConfig = ToxicityConfig()
    horizon_s: float = Field(300.0, gt=0.0)
    memory_half_lives: float = Field(6.0, gt=0.0)


class FlowReader:
    """Online toxicity per counterparty tag and the quote lean it implies (module docstring).

    Parameters
    ----------
    config : FlowReaderConfig
        Horizon, prior and lean policy.
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
        self.model = ToxicityModel(config.toxicity)
        self._fills: dict[str, np.ndarray] = {
            k: np.zeros(0, dtype=np.int64 if k in ("ts_ns", "option", "tag") else np.float64)
            for k in _FIELDS
        }
        self._scored = np.zeros(0, dtype=bool)
        self._state = self.model.state()
        self._p_by_tag: dict[int, float] = {}
        self._lean: OptionLean | None = OptionLean.neutral(self.n_options, self.n_expiries)
        self._lean_at: tuple[dict[str, np.ndarray], dict[int, float], int] = (self._fills, {}, 0)

    def record(
        self,
        ts_ns: Int64Array,
        option: Int64Array,
        side: Float64Array,
        qty: Float64Array,
        price: Float64Array,
        tag: Int64Array,
        spot: float,
        delta: Float64Array,
        vega: Float64Array,
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
        spot : float
            Underlying price at the fills, currency.
        delta, vega : ndarray
            The option's delta (per share) and vega (per share per 1.00 vol) at the fill.
        """
        new = {
            "ts_ns": np.asarray(ts_ns, dtype=np.int64),
            "option": np.asarray(option, dtype=np.int64),
            "side": np.asarray(side, dtype=np.float64),
            "qty": np.asarray(qty, dtype=np.float64),
            "price": np.asarray(price, dtype=np.float64),
            "tag": np.asarray(tag, dtype=np.int64),
            "spot": np.full(np.size(ts_ns), float(spot)),
            "delta": np.asarray(delta, dtype=np.float64),
            "vega": np.asarray(vega, dtype=np.float64),
        }
        for k in _FIELDS:
            self._fills[k] = np.concatenate([self._fills[k], new[k]])
        self._scored = np.concatenate([self._scored, np.zeros(np.size(ts_ns), dtype=bool)])

    def score(self, now_ns: int, theo: Float64Array, spot: float) -> int:
        """Score the fills at least ``horizon_s`` old, update the model and the lean.

        Parameters
        ----------
        now_ns : int
            Current time, ns.
        theo : ndarray
            The desk's current theo per option, currency per share.
        spot : float
            Current underlying price, currency.

        Returns
        -------
        int
            How many fills were scored by this call.
        """
        f = self._fills
        due = ~self._scored & (f["ts_ns"] <= np.int64(now_ns) - np.int64(self.horizon_ns))
        n_due = int(due.sum())
        if n_due:
            o = f["option"][due]
            edge_now = (theo[o] - f["price"][due]) - f["delta"][due] * (spot - f["spot"][due])
            markout = f["side"][due] * f["qty"][due] * self.multiplier * edge_now
            self.model.update(f["tag"][due], -markout / f["qty"][due])
            self._scored |= due
            self._state = self.model.state()
            self._p_by_tag = dict(
                zip(self._state["group"].to_list(), self._state["p_smart"].to_list(), strict=True)
            )
        self._forget(now_ns)
        # the lean as of now, computed when first read (the desk scores every second
        # but requotes less often); record() replaces arrays, so the copy is a snapshot
        self._lean_at = (dict(self._fills), self._p_by_tag, int(now_ns))
        self._lean = None
        return n_due

    @property
    def lean(self) -> OptionLean:
        """The per-option lean as of the last :meth:`score` (neutral before the first)."""
        if self._lean is None:
            self._lean = self._option_lean(*self._lean_at)
        return self._lean

    @property
    def horizon_ns(self) -> int:
        """The markout horizon, ns."""
        return round(self.config.horizon_s * 1e9)

    def _forget(self, now_ns: int) -> None:
        keep_ns = self.config.memory_half_lives * self.config.leaning.half_life_s * 1e9
        old = self._scored & (self._fills["ts_ns"] < np.int64(now_ns) - np.int64(keep_ns))
        if old.any():
            keep = ~old
            self._fills = {k: v[keep] for k, v in self._fills.items()}
            self._scored = self._scored[keep]

    def p_smart(self, tags: Int64Array) -> Float64Array:
        """Current probability that each tag is smart (0.5 for a tag never scored)."""
        return np.array([self._p_by_tag.get(int(t), 0.5) for t in np.asarray(tags)], np.float64)

    def _option_lean(
        self, f: dict[str, np.ndarray], p_by_tag: dict[int, float], now_ns: int
    ) -> OptionLean:
        tags, inverse = np.unique(f["tag"], return_inverse=True)
        p_smart = np.array([p_by_tag.get(int(t), 0.5) for t in tags], np.float64)
        return option_adjustments(
            f["option"],
            f["ts_ns"],
            f["side"].astype(np.int64),
            f["qty"],
            p_smart[inverse],
            f["delta"],
            f["vega"],
            self.expiry[f["option"]],
            self.n_options,
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
        """The per-tag estimate: :meth:`ToxicityModel.state` with the group named ``tag``."""
        return self._state.rename({"group": "tag"})

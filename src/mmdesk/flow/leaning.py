"""Leaning: price what the desk expects to lose to the flow it faces (pure functions).

The classifier's state (:mod:`mmdesk.flow.classifier`) becomes quote
adjustments the desk applies on top of its own pricing. The rule is Glosten &
Milgrom's (1985): a maker's ask is its value *given that someone buys*, its bid
its value given that someone sells. The desk does not know who trades next, but
it knows (a) which counterparties traded each side recently and (b) how much
each of them is expected to take from it beyond the rest of the flow, its
**expected excess toxicity** per contract,

    x_g = P(smart)_g · max(toxicity_g − benchmark_g, 0)       (currency per contract)

with the classifier's posterior toxicity, leave-one-out benchmark and P(smart)
(a tag read from a handful of fills sits near its benchmark and P ≈ 0.5, so it
hardly leans: no confidence threshold, the posterior does the shrinking).

- **per tag** (:func:`tag_adjustments`, RFQ answers, where the requester is
  known): each side of the answer is widened by ``widen_gain · x_g / m`` — what
  the desk expects to lose to that requester per share; a confident dumb tag
  (``1 − p_smart ≥ min_confidence``) gets its half-spread multiplied by
  ``1 − tighten_fraction · (confidence − min_confidence) / (1 − min_confidence)``.
- **on the lit quotes** (:func:`option_adjustments`, where the next
  counterparty is unknown): the options are grouped in *cells* (expiry × sign
  of delta: informed flow buys calls when bullish and puts when bearish,
  vol-informed flow buys or sells one expiry's vega); per cell and side (the
  counterparties *bought* → the desk's ask; *sold* → its bid) the expected
  excess toxicity per contract of the next fill on that side is the decayed
  (``half_life_s``) contract-weighted mean of ``x`` over the recent fills on
  that side, with ``prior_contracts`` contracts of neutral flow in the
  denominator (one small fill does not move the quote):

      widen_side = widen_gain · Σ w·q·x / (Σ w·q + prior_contracts) / m

  capped at ``max_widen_px`` (a sanity bound, far above the measured
  toxicities). The ask of every option in the cell moves out by
  ``widen_ask``, the bid by ``widen_bid``: ``OptionLean.widen_px`` holds
  their mean (added to the half-spread) and ``OptionLean.side_px`` half their
  difference (added to the reservation). Only the side smart flow takes is
  moved, and never *toward* the market: a skew of the reservation would also
  improve the other side, and the flow that takes an improved bid after smart
  buying is contrarian smart flow and noise, paid more by the desk (measured,
  see docs/flow.md).
- optional factor skew (off by default, ``max_spot_shift_px = max_vol_shift = 0``):
  the decayed net delta confident-smart counterparties bought, D (shares),
  moves the underlying's reservation by ``max_spot_shift_px · tanh(D / delta_scale)``
  and their net vega per expiry moves its vol by
  ``max_vol_shift · tanh(V_e / vega_scale)``;
- optional lit tightening of options only confidently dumb flow traded
  (``lit_tighten_fraction``, default 0: a lit quote cannot tell who comes next).

Everything is in price units per share (currency) unless stated. With
``enabled=False`` every function returns the neutral adjustment (widen 0,
shifts 0, multiplier 1), so on/off runs share a code path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.typing import Float64Array, Int64Array


class LeaningConfig(BaseModel):
    """How hard the desk leans against smart flow.

    Attributes
    ----------
    enabled
        Lean (True) or quote as if every counterparty were neutral. Off by
        default (figures of on against off in docs/flow.md).
    min_confidence
        A dumb label is acted on (tightening) and a smart one counts in the
        factor skew only with at least this confidence (0.5..1).
    widen_gain
        Widening per unit of expected excess toxicity per share
        (dimensionless; 1 = Glosten–Milgrom: quote what the desk expects to lose).
    max_widen_px
        Sanity cap on a side's widening, currency per share.
    prior_contracts
        Contracts of neutral flow added to each cell side's recent flow in the
        lit widening (the lean of a side with little recent flow stays small).
    tighten_fraction
        RFQ: largest relative cut of the half-spread for a confidently dumb tag (0..1).
    lit_tighten_fraction
        Lit quotes: relative cut of the half-spread of an option only dumb flow traded.
    max_spot_shift_px
        Largest shift of the underlying's reservation, currency per share (0: no factor skew).
    delta_scale
        Smart net delta bought, shares, at which the spot shift reaches 76% of its cap.
    max_vol_shift
        Largest shift of an expiry's reservation vol (annualised vol, 0.01 = 1 point;
        0: no vol skew).
    vega_scale
        Smart net vega bought on an expiry, currency per 1.00 vol, at which its
        vol shift reaches 76% of its cap.
    half_life_s
        Half-life of a fill's weight in the lit lean, seconds.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = False
    min_confidence: float = Field(0.8, ge=0.5, lt=1.0)
    widen_gain: float = Field(1.0, ge=0.0)
    max_widen_px: float = Field(0.25, ge=0.0)
    prior_contracts: float = Field(20.0, ge=0.0)
    tighten_fraction: float = Field(0.25, ge=0.0, le=1.0)
    lit_tighten_fraction: float = Field(0.0, ge=0.0, le=1.0)
    max_spot_shift_px: float = Field(0.0, ge=0.0)
    delta_scale: float = Field(2_000.0, gt=0.0)
    max_vol_shift: float = Field(0.0, ge=0.0)
    vega_scale: float = Field(20_000.0, gt=0.0)
    half_life_s: float = Field(600.0, gt=0.0)


@dataclass(frozen=True, eq=False)
class OptionLean:
    """The lit quotes' lean (module docstring).

    Attributes
    ----------
    widen_px : ndarray
        Per option: added to each side's half-spread, currency per share (≥ 0).
    spread_mult : ndarray
        Per option: multiplier of the half-spread (≤ 1 tightens for dumb flow).
    spot_shift : float
        Shift of the underlying's reservation, currency per share (> 0: up).
    vol_shift : ndarray
        Per expiry: shift of the reservation vol (annualised; > 0: up).
    side_px : ndarray or None
        Per option: added to the reservation, currency per share — half the
        difference of the ask's and the bid's widening (with ``widen_px`` their
        mean, the ask moves out by ``widen_ask``, the bid by ``widen_bid``);
        None is zero.
    """

    widen_px: Float64Array
    spread_mult: Float64Array
    spot_shift: float
    vol_shift: Float64Array
    side_px: Float64Array | None = None

    @classmethod
    def neutral(cls, n_options: int, n_expiries: int) -> OptionLean:
        """No lean: widen 0, multiplier 1, shifts 0."""
        return cls(np.zeros(n_options), np.ones(n_options), 0.0, np.zeros(n_expiries))

    def shift_px(self, delta: Float64Array, vega: Float64Array, expiry: Int64Array) -> Float64Array:
        """Factor shift per option, currency per share: delta·spot_shift + vega·vol_shift."""
        return np.asarray(delta * self.spot_shift + vega * self.vol_shift[expiry])


def _tighten(confidence: Float64Array, cfg: LeaningConfig) -> Float64Array:
    span = 1.0 - cfg.min_confidence
    frac = np.clip((confidence - cfg.min_confidence) / span, 0.0, 1.0)
    return np.asarray(1.0 - cfg.tighten_fraction * frac)


def expected_excess(
    toxicity: Float64Array, benchmark: Float64Array, p_smart: Float64Array
) -> Float64Array:
    """Expected excess toxicity, currency per contract: P(smart) · max(toxicity − benchmark, 0).

    NaN inputs (a group never read) give 0.
    """
    tox = np.asarray(toxicity, dtype=np.float64)
    bench = np.asarray(benchmark, dtype=np.float64)
    p = np.asarray(p_smart, dtype=np.float64)
    x = p * np.maximum(tox - bench, 0.0)
    return np.asarray(np.where(np.isfinite(x), x, 0.0))


def tag_adjustments(state: pl.DataFrame, config: LeaningConfig, multiplier: float) -> pl.DataFrame:
    """Per-tag adjustments for RFQ answers.

    Parameters
    ----------
    state : polars.DataFrame
        :func:`mmdesk.flow.classifier.classify_tags`' output (``tag``,
        ``toxicity`` and ``benchmark`` in currency per contract — a missing
        ``benchmark`` is 0 —, ``p_smart``, ``confidence``).
    config : LeaningConfig
        The policy.
    multiplier : float
        Contract multiplier (per contract → per share).

    Returns
    -------
    polars.DataFrame
        ``tag, widen_px`` (currency per share, each side: ``widen_gain`` ×
        expected excess toxicity / multiplier, capped at ``max_widen_px``)
        ``, spread_mult`` (neutral 0 and 1 when disabled).
    """
    tox = state["toxicity"].to_numpy().astype(np.float64)
    bench = (
        state["benchmark"].to_numpy().astype(np.float64)
        if "benchmark" in state.columns
        else np.zeros(state.height)
    )
    p = state["p_smart"].to_numpy().astype(np.float64)
    conf = state["confidence"].to_numpy().astype(np.float64)
    dumb = config.enabled & (1.0 - p >= config.min_confidence)
    excess = expected_excess(tox, bench, p)
    widen = np.where(
        config.enabled,
        np.minimum(config.widen_gain * excess / multiplier, config.max_widen_px),
        0.0,
    )
    mult = np.where(dumb, _tighten(conf, config), 1.0)
    return pl.DataFrame({"tag": state["tag"], "widen_px": widen, "spread_mult": mult})


def option_adjustments(
    option: Int64Array,
    ts_ns: Int64Array,
    desk_side: Int64Array,
    qty: Float64Array,
    p_smart: Float64Array,
    excess: Float64Array,
    delta: Float64Array,
    vega: Float64Array,
    expiry: Int64Array,
    option_cell: Int64Array,
    n_expiries: int,
    multiplier: float,
    now_ns: int,
    config: LeaningConfig,
) -> OptionLean:
    """The lit quotes' lean from the desk's recent fills (module docstring).

    Parameters
    ----------
    option, ts_ns, desk_side, qty : ndarray
        The desk's recent option fills: option index, time (ns), desk side
        (+1 bought), contracts.
    p_smart : ndarray
        Probability each fill's counterparty is smart (its tag's or cluster's).
    excess : ndarray
        Each fill's counterparty's expected excess toxicity
        (:func:`expected_excess`), currency per contract.
    delta, vega, expiry : ndarray
        Per fill: the option's delta (per share), vega (per share per 1.00 vol)
        at the fill, and its expiry bucket.
    option_cell : ndarray of int
        Per option of the chain (its length is the number of options): its
        cell, 0..n_cells−1 (e.g. 2·expiry + (delta > 0)).
    n_expiries : int
        Expiry buckets in the chain.
    multiplier : float
        Shares per contract.
    now_ns : int
        Current time, ns (fills after it are ignored).
    config : LeaningConfig
        The policy.
    """
    cells = np.asarray(option_cell, dtype=np.int64)
    n_options = int(cells.size)
    neutral = OptionLean.neutral(n_options, n_expiries)
    if not config.enabled or np.size(option) == 0:
        return neutral
    o = np.asarray(option, dtype=np.int64)
    age = (np.int64(now_ns) - np.asarray(ts_ns, dtype=np.int64)).astype(np.float64) * 1e-9
    decay = np.where(age >= 0.0, 0.5 ** (np.maximum(age, 0.0) / config.half_life_s), 0.0)
    q = np.asarray(qty, dtype=np.float64) * decay
    p = np.asarray(p_smart, dtype=np.float64)
    x = np.asarray(excess, dtype=np.float64)
    # Glosten–Milgrom per cell and side: the expected excess toxicity of the next fill
    n_cells = int(cells.max()) + 1 if n_options else 0
    cell = cells[o]
    they_bought = np.asarray(desk_side) < 0
    widen_side = []
    for side in (they_bought, ~they_bought):  # → the desk's ask, then its bid
        w = np.where(side, q, 0.0)
        flow = np.bincount(cell, weights=w, minlength=n_cells)
        loss = np.bincount(cell, weights=w * x, minlength=n_cells)
        denom = flow + config.prior_contracts
        per_share = config.widen_gain * loss / np.where(denom > 0.0, denom, 1.0) / multiplier
        widen_side.append(np.minimum(per_share, config.max_widen_px)[cells])
    w_ask, w_bid = widen_side
    sure_smart = p >= config.min_confidence
    sure_dumb = 1.0 - p >= config.min_confidence
    smart_q = np.bincount(o, weights=np.where(sure_smart, q, 0.0), minlength=n_options)
    dumb_q = np.bincount(o, weights=np.where(sure_dumb, q, 0.0), minlength=n_options)
    only_dumb = (dumb_q > 0.0) & (smart_q == 0.0)
    mult = np.where(only_dumb, 1.0 - config.lit_tighten_fraction, 1.0)
    # optional factor skew: what smart counterparties bought, in the greek factors
    bought = np.where(sure_smart, -np.asarray(desk_side, dtype=np.float64) * q, 0.0) * multiplier
    net_delta = float(np.dot(bought, delta))
    net_vega = np.bincount(
        np.asarray(expiry, dtype=np.int64), weights=bought * vega, minlength=n_expiries
    )
    spot_shift = config.max_spot_shift_px * np.tanh(net_delta / config.delta_scale)
    vol_shift = config.max_vol_shift * np.tanh(net_vega[:n_expiries] / config.vega_scale)
    return OptionLean(
        0.5 * (w_ask + w_bid),
        mult[:n_options],
        float(spot_shift),
        vol_shift,
        0.5 * (w_ask - w_bid),
    )

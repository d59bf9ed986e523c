"""Leaning: widen and skew against smart flow, tighten for dumb flow (pure functions).

The classifier's state (:mod:`mmdesk.flow.classifier`) becomes quote
adjustments the desk applies on top of its own pricing:

- **per tag** (:func:`tag_adjustments`, for RFQ answers, where the requester's
  tag is known): a confident smart tag (``p_smart ≥ min_confidence``) gets
  ``widen_px = min(widen_gain · toxicity / multiplier, max_widen_px)`` added
  to each side; a confident dumb tag gets its half-spread multiplied by
  ``1 − tighten_fraction · (confidence − min_confidence) / (1 − min_confidence)``
  (never below ``1 − tighten_fraction``); anything else is left alone.
- **on the lit quotes** (:func:`option_adjustments`, where the next
  counterparty is unknown), from the desk's recent fills weighted by their
  tag's (or cluster's) confident label and decayed with ``half_life_s``:

  - *widen* an option smart flow traded: ``max_widen_px · tanh(smart / smart_scale)``
    with ``smart`` its decayed smart contracts;
  - *skew in the greek factors* the way smart flow pushed: the decayed net
    delta smart counterparties bought, D (shares), moves the underlying's
    reservation by ``spot_shift = max_spot_shift_px · tanh(D / delta_scale)``,
    and the net vega they bought per expiry, V_e (currency per 1.00 vol),
    moves that expiry's vol by ``vol_shift_e = max_vol_shift · tanh(V_e / vega_scale)``;
    the quoter adds ``delta_i · spot_shift + vega_i · vol_shift_e`` to each
    option's reservation — every option leans, not only the ones smart flow
    happened to trade, as the desk's inventory skew does;
  - *tighten* an option only confidently dumb flow traded by
    ``lit_tighten_fraction`` (default 0: a lit quote cannot tell who comes
    next, and tightening it invites smart flow as much as dumb).

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
        default: on the default scenario, seeds 1–5, leaning on did not lower
        the loss to smart flow per contract and lowered total P&L on 4 of 5
        seeds (``mmdesk experiment leaning``; figures in docs/flow.md).
    min_confidence
        A label is acted on only with at least this confidence (0.5..1).
    widen_gain
        Per tag: extra half-spread per unit of toxicity per share (dimensionless).
    max_widen_px
        Cap on the extra half-spread, currency per share.
    tighten_fraction
        RFQ: largest relative cut of the half-spread for a confidently dumb tag (0..1).
    lit_tighten_fraction
        Lit quotes: relative cut of the half-spread of an option only dumb flow traded.
    smart_scale
        Decayed smart contracts on an option at which its widening reaches
        tanh(1) ≈ 76% of ``max_widen_px``.
    max_spot_shift_px
        Largest shift of the underlying's reservation, currency per share.
    delta_scale
        Smart net delta bought, shares, at which the spot shift reaches 76% of its cap.
    max_vol_shift
        Largest shift of an expiry's reservation vol (annualised vol, 0.01 = 1 point).
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
    max_widen_px: float = Field(0.10, ge=0.0)
    tighten_fraction: float = Field(0.25, ge=0.0, le=1.0)
    lit_tighten_fraction: float = Field(0.0, ge=0.0, le=1.0)
    smart_scale: float = Field(20.0, gt=0.0)
    max_spot_shift_px: float = Field(0.05, ge=0.0)
    delta_scale: float = Field(2_000.0, gt=0.0)
    max_vol_shift: float = Field(0.01, ge=0.0)
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
    """

    widen_px: Float64Array
    spread_mult: Float64Array
    spot_shift: float
    vol_shift: Float64Array

    @classmethod
    def neutral(cls, n_options: int, n_expiries: int) -> OptionLean:
        """No lean: widen 0, multiplier 1, shifts 0."""
        return cls(np.zeros(n_options), np.ones(n_options), 0.0, np.zeros(n_expiries))

    def shift_px(self, delta: Float64Array, vega: Float64Array, expiry: Int64Array) -> Float64Array:
        """Reservation shift per option, currency per share: delta·spot_shift + vega·vol_shift."""
        return np.asarray(delta * self.spot_shift + vega * self.vol_shift[expiry])


def _tighten(confidence: Float64Array, cfg: LeaningConfig) -> Float64Array:
    span = 1.0 - cfg.min_confidence
    frac = np.clip((confidence - cfg.min_confidence) / span, 0.0, 1.0)
    return np.asarray(1.0 - cfg.tighten_fraction * frac)


def tag_adjustments(state: pl.DataFrame, config: LeaningConfig, multiplier: float) -> pl.DataFrame:
    """Per-tag adjustments for RFQ answers.

    Parameters
    ----------
    state : polars.DataFrame
        :func:`mmdesk.flow.classifier.classify_tags`' output (``tag``,
        ``toxicity`` in currency per contract, ``p_smart``, ``confidence``).
    config : LeaningConfig
        The policy.
    multiplier : float
        Contract multiplier (toxicity per contract → per share).

    Returns
    -------
    polars.DataFrame
        ``tag, widen_px, spread_mult`` (neutral 0 and 1 when disabled or unsure).
    """
    tox = state["toxicity"].to_numpy().astype(np.float64)
    p = state["p_smart"].to_numpy().astype(np.float64)
    conf = state["confidence"].to_numpy().astype(np.float64)
    smart = config.enabled & (p >= config.min_confidence)
    dumb = config.enabled & (1.0 - p >= config.min_confidence)
    widen = np.where(
        smart,
        np.minimum(config.widen_gain * np.maximum(tox, 0.0) / multiplier, config.max_widen_px),
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
    delta: Float64Array,
    vega: Float64Array,
    expiry: Int64Array,
    n_options: int,
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
    delta, vega, expiry : ndarray
        Per fill: the option's delta (per share), vega (per share per 1.00 vol)
        at the fill, and its expiry bucket.
    n_options, n_expiries : int
        Options and expiry buckets in the chain.
    multiplier : float
        Shares per contract.
    now_ns : int
        Current time, ns (fills after it are ignored).
    config : LeaningConfig
        The policy.
    """
    neutral = OptionLean.neutral(n_options, n_expiries)
    if not config.enabled or np.size(option) == 0:
        return neutral
    o = np.asarray(option, dtype=np.int64)
    age = (np.int64(now_ns) - np.asarray(ts_ns, dtype=np.int64)).astype(np.float64) * 1e-9
    decay = np.where(age >= 0.0, 0.5 ** (np.maximum(age, 0.0) / config.half_life_s), 0.0)
    q = np.asarray(qty, dtype=np.float64) * decay
    p = np.asarray(p_smart, dtype=np.float64)
    sure_smart = p >= config.min_confidence
    sure_dumb = 1.0 - p >= config.min_confidence
    smart_q = np.bincount(o, weights=np.where(sure_smart, q, 0.0), minlength=n_options)
    dumb_q = np.bincount(o, weights=np.where(sure_dumb, q, 0.0), minlength=n_options)
    widen = config.max_widen_px * np.tanh(smart_q / config.smart_scale)
    only_dumb = (dumb_q > 0.0) & (smart_q == 0.0)
    mult = np.where(only_dumb, 1.0 - config.lit_tighten_fraction, 1.0)
    # what smart counterparties bought (the desk's side reversed), in the greek factors
    bought = np.where(sure_smart, -np.asarray(desk_side, dtype=np.float64) * q, 0.0) * multiplier
    net_delta = float(np.dot(bought, delta))
    net_vega = np.bincount(
        np.asarray(expiry, dtype=np.int64), weights=bought * vega, minlength=n_expiries
    )
    spot_shift = config.max_spot_shift_px * np.tanh(net_delta / config.delta_scale)
    vol_shift = config.max_vol_shift * np.tanh(net_vega[:n_expiries] / config.vega_scale)
    return OptionLean(widen[:n_options], mult[:n_options], float(spot_shift), vol_shift)

"""Leaning: widen and skew against smart flow, tighten for dumb flow (pure functions).

The classifier's state (:mod:`mmdesk.flow.classifier`) becomes quote
adjustments the desk applies on top of its own pricing:

- **per tag** (:func:`tag_adjustments`, for RFQ answers, where the requester's
  tag is known): a confident smart tag (``p_smart ≥ min_confidence``) gets
  ``widen_px = min(widen_gain · toxicity / multiplier, max_widen_px)`` added
  to each side; a confident dumb tag gets its half-spread multiplied by
  ``1 − tighten_fraction · (confidence − min_confidence) / (1 − min_confidence)``
  (never below ``1 − tighten_fraction``); anything else is left alone.
- **per option** (:func:`option_adjustments`, for the lit quotes, where the
  next counterparty is unknown): recent fills weighted by their tag's (or
  cluster's) ``p_smart`` and decayed with ``half_life_s``. Smart contracts
  traded on an option widen it, ``max_widen_px · tanh(smart / smart_scale)``;
  smart net buying from the desk shifts its quotes up (the reservation price
  moves the way smart flow pushes), ``max_shift_px · tanh(net / smart_scale)``;
  an option traded only by dumb flow is tightened as above.

Everything is in price units per share (currency); ``shift_px > 0`` raises
both bid and ask. With ``enabled=False`` every function returns the neutral
adjustment (widen 0, shift 0, multiplier 1), so on/off runs share a code path.
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
        Lean (True) or quote as if every counterparty were neutral.
    min_confidence
        A label is acted on only with at least this confidence (0.5..1).
    widen_gain
        Per tag: extra half-spread per unit of toxicity per share (dimensionless).
    max_widen_px
        Cap on the extra half-spread, currency per share.
    tighten_fraction
        Largest relative cut of the half-spread for confidently dumb flow (0..1).
    max_shift_px
        Per option: largest reservation-price shift, currency per share.
    smart_scale
        Per option: decayed smart contracts at which widening and shift reach
        tanh(1) ≈ 76% of their caps.
    half_life_s
        Per option: half-life of a fill's weight, seconds.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    min_confidence: float = Field(0.8, ge=0.5, lt=1.0)
    widen_gain: float = Field(1.0, ge=0.0)
    max_widen_px: float = Field(0.10, ge=0.0)
    tighten_fraction: float = Field(0.25, ge=0.0, le=1.0)
    max_shift_px: float = Field(0.05, ge=0.0)
    smart_scale: float = Field(20.0, gt=0.0)
    half_life_s: float = Field(600.0, gt=0.0)


@dataclass(frozen=True, eq=False)
class OptionLean:
    """Per-option quote adjustments (arrays over the chain).

    Attributes
    ----------
    widen_px : ndarray
        Added to each side's half-spread, currency per share (≥ 0).
    shift_px : ndarray
        Reservation-price shift, currency per share (> 0 raises bid and ask).
    spread_mult : ndarray
        Multiplier of the half-spread (≤ 1 tightens for dumb flow).
    """

    widen_px: Float64Array
    shift_px: Float64Array
    spread_mult: Float64Array


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
    n_options: int,
    now_ns: int,
    config: LeaningConfig,
) -> OptionLean:
    """Per-option adjustments for the lit quotes from recent fills (module docstring).

    Parameters
    ----------
    option, ts_ns, desk_side, qty : ndarray
        The desk's recent option fills: option index, time (ns), desk side
        (+1 bought), contracts.
    p_smart : ndarray
        Probability each fill's counterparty is smart (its tag's or cluster's).
    n_options : int
        Options in the chain.
    now_ns : int
        Current time, ns (fills after it are ignored).
    config : LeaningConfig
        The policy.
    """
    neutral = OptionLean(np.zeros(n_options), np.zeros(n_options), np.ones(n_options))
    if not config.enabled or np.size(option) == 0:
        return neutral
    o = np.asarray(option, dtype=np.int64)
    age = (np.int64(now_ns) - np.asarray(ts_ns, dtype=np.int64)).astype(np.float64) * 1e-9
    live = age >= 0.0
    decay = np.where(live, 0.5 ** (np.maximum(age, 0.0) / config.half_life_s), 0.0)
    q = np.asarray(qty, dtype=np.float64) * decay
    p = np.asarray(p_smart, dtype=np.float64)
    sure_smart = p >= config.min_confidence
    sure_dumb = 1.0 - p >= config.min_confidence
    smart_q = np.bincount(o, weights=np.where(sure_smart, q, 0.0), minlength=n_options)
    dumb_q = np.bincount(o, weights=np.where(sure_dumb, q, 0.0), minlength=n_options)
    # smart buying from the desk (desk side −1) pushes the reservation price up
    net = np.bincount(
        o, weights=np.where(sure_smart, -np.asarray(desk_side) * q, 0.0), minlength=n_options
    )
    widen = config.max_widen_px * np.tanh(smart_q / config.smart_scale)
    shift = config.max_shift_px * np.tanh(net / config.smart_scale)
    only_dumb = (dumb_q > 0.0) & (smart_q == 0.0)
    mult = np.where(only_dumb, 1.0 - config.tighten_fraction, 1.0)
    return OptionLean(widen[:n_options], shift[:n_options], mult[:n_options])

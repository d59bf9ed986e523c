"""Permanent and transient price impact of aggressive underlying volume on the latent fair value.

Every aggressive (taker) trade of ``q`` shares with aggressor side ``s`` moves
the fair value by

    I = s * lam * q               (linear, Kyle-lambda style), or
    I = s * lam * sqrt(q)         (square-root law),

in currency. A fraction ``permanent_fraction`` of ``I`` stays for good; the
rest is transient and decays exponentially with ``half_life_s``:

    offset(t) = P(t) + sum_j (1 - phi) I_j exp(-(t - t_j) ln 2 / half_life).

The fair value the liquidity providers quote around is the exogenous path plus
``offset(t)``, so hedging flow moves the price and the move persists as
configured. State is three floats (permanent, transient at ``last_ts``,
``last_ts``) updated by a numba kernel over a batch of trades.
"""

from __future__ import annotations

import math
from typing import Literal

import numba
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.typing import Float64Array, Int64Array

_LN2 = math.log(2.0)


class ImpactConfig(BaseModel):
    """Price impact of aggressive underlying volume.

    Attributes
    ----------
    kind
        ``"linear"`` (I = lam q) or ``"sqrt"`` (I = lam sqrt(q)).
    lam
        Currency per share (linear) or per sqrt(share) (sqrt).
    permanent_fraction
        Share of each impact that never decays, in [0, 1].
    half_life_s
        Half-life of the transient part, seconds.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["linear", "sqrt"] = "linear"
    lam: float = Field(default=2e-5, ge=0.0)
    permanent_fraction: float = Field(default=0.5, ge=0.0, le=1.0)
    half_life_s: float = Field(default=60.0, gt=0.0)


def impact_batch_python(
    ts_ns: Int64Array,
    signed_qty: Int64Array,
    lam: float,
    sqrt_law: bool,
    phi: float,
    decay_per_ns: float,
    state: Float64Array,
) -> None:
    """Fold a batch of aggressive trades into the impact ``state`` in place.

    Parameters
    ----------
    ts_ns
        Trade times, ns, non-decreasing and >= ``state[2]``.
    signed_qty
        Aggressor side × shares.
    lam, sqrt_law, phi
        Impact per share (or sqrt share), law, permanent fraction.
    decay_per_ns
        ln 2 / half-life in ns.
    state
        float64[3]: permanent offset, transient offset at ``state[2]``, ``state[2]`` (ns).
    """
    for j in range(ts_ns.shape[0]):
        t = float(ts_ns[j])
        dt = t - state[2]
        if dt > 0.0:
            state[1] *= math.exp(-decay_per_ns * dt)
            state[2] = t
        q = float(signed_qty[j])
        size = math.sqrt(abs(q)) if sqrt_law else abs(q)
        imp = lam * size if q > 0 else -lam * size
        state[0] += phi * imp
        state[1] += (1.0 - phi) * imp


impact_batch = numba.njit(cache=True)(impact_batch_python)


class PriceImpact:
    """The impact offset of one underlying (currency), updated from aggressive trades."""

    def __init__(self, config: ImpactConfig, start_ns: int = 0) -> None:
        self.config = config
        self.state = np.array([0.0, 0.0, float(start_ns)])
        self._decay = _LN2 / (config.half_life_s * 1e9)

    def apply(self, ts_ns: Int64Array, signed_qty: Int64Array) -> None:
        """Add aggressive trades (times ns, aggressor side × shares)."""
        ts = np.ascontiguousarray(ts_ns, dtype=np.int64)
        q = np.ascontiguousarray(signed_qty, dtype=np.int64)
        if ts.size == 0:
            return
        if ts.shape != q.shape:
            raise ValueError(f"PriceImpact.apply: ts_ns {ts.shape} and signed_qty {q.shape}")
        if ts[0] < self.state[2] or np.any(np.diff(ts) < 0):
            raise ValueError(
                f"PriceImpact.apply: ts_ns must be non-decreasing from {int(self.state[2])}, "
                f"got {ts[:3].tolist()}..."
            )
        cfg = self.config
        impact_batch(
            ts, q, cfg.lam, cfg.kind == "sqrt", cfg.permanent_fraction, self._decay, self.state
        )

    @property
    def permanent(self) -> float:
        """Permanent part of the offset, currency."""
        return float(self.state[0])

    def offset(self, ts_ns: int) -> float:
        """Total offset (permanent + decayed transient) at ``ts_ns`` >= last trade, currency."""
        permanent, transient, last_ns = self.state.tolist()
        dt = max(float(ts_ns) - last_ns, 0.0)
        return permanent + transient * math.exp(-self._decay * dt)

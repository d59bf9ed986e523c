"""Exact population values of the A–S (2008) study, without simulation.

Under every reading of :class:`~mmdesk.experiments.avellaneda_stoikov.ASConfig`
both strategies' quotes depend on the state only through the inventory ``q``
and the time: the reservation price's offset from the mid is
``-q gamma sigma^2 (T - t)`` whatever the mid is. So ``q`` is a Markov chain
on the integers, and the mark-to-market wealth ``W = cash + q s`` moves in
step ``i`` by

    dW = a delta^a + b delta^b + (q + b - a) ds

with ``a, b`` in {0, 1} the ask and bid fills, ``delta`` the quotes' distances
from the mid they were set at and ``ds`` the mid's step. Carrying, for each
inventory, its probability and the first two moments of ``W`` restricted to it
forward through the 200 steps gives the mean and standard deviation of the
profit and of the final inventory exactly: the table's population values,
against which the published estimates (N = 1000) and our simulation can both
be judged with their own sampling error only.

The mid step enters the fill probabilities only under ``POST_MOVE_MID``.
Otherwise only its first two moments matter (``dW`` is linear in it and the
recursion carries two moments of ``W``), and the two points ``+-sigma sqrt(dt)``
are exact for either step distribution. A Gaussian step under the post-move
reading is integrated by Gauss–Hermite quadrature with :data:`HERMITE_NODES`
nodes (the capped probabilities are not smooth in the step; 20 and 120 nodes
agree to 1e-4 on every column).
"""

from __future__ import annotations

import math

import numpy as np

from mmdesk.experiments.avellaneda_stoikov import (
    ASConfig,
    FillReference,
    PriceStep,
    RowStats,
    Strategy,
    total_spread,
)
from mmdesk.typing import Float64Array
from mmdesk.venue.intensity import fill_probability

#: Gauss–Hermite (probabilists') nodes for expectations over a Gaussian mid step.
HERMITE_NODES = 20


def _step_nodes(cfg: ASConfig) -> tuple[Float64Array, Float64Array]:
    """Mid-step values (price units) and probability weights exact for the recursion."""
    h = cfg.sigma * math.sqrt(cfg.dt)
    if cfg.price_step is PriceStep.BINOMIAL or cfg.fill_reference is FillReference.PRE_MOVE_MID:
        return np.array([h, -h]), np.array([0.5, 0.5])
    nodes, w = np.polynomial.hermite_e.hermegauss(HERMITE_NODES)
    return h * nodes, w / w.sum()


def exact_row(gamma: float, cfg: ASConfig, strategy: Strategy) -> RowStats:
    """Population row of the table for one strategy, by forward recursion over the inventory.

    Parameters
    ----------
    gamma
        Risk aversion, per price unit (> 0).
    cfg
        Study parameters and reading (``n_sims`` is not used).
    strategy
        Inventory-skewed or symmetric quotes.

    Returns
    -------
    RowStats
        Mean spread (price units), mean and standard deviation of the profit
        (price units) and of the final inventory (units): the values the
        simulation's table estimates.
    """
    if not (math.isfinite(gamma) and gamma > 0.0):
        raise ValueError(f"exact_row: gamma={gamma} must be positive")
    m = cfg.n_steps
    q = cfg.q0 + np.arange(-m, m + 1, dtype=np.float64)
    prob = np.zeros(q.size)
    prob[m] = 1.0
    w1 = np.zeros(q.size)  # E[(W - W0) 1{q}]
    w2 = np.zeros(q.size)  # E[(W - W0)^2 1{q}]
    ds, weight = _step_nodes(cfg)
    post_move = cfg.fill_reference is FillReference.POST_MOVE_MID
    taus = cfg.T - cfg.dt * np.arange(m, dtype=np.float64)
    half = 0.5 * total_spread(gamma, taus, cfg)
    skew_per_unit = (
        gamma * cfg.sigma**2 * taus if strategy is Strategy.INVENTORY else np.zeros_like(taus)
    )
    ref = ds[:, None] if post_move else np.zeros((1, 1))  # mid the fills are drawn against
    for i in range(m):
        delta_ask = half[i] - q * skew_per_unit[i]
        delta_bid = half[i] + q * skew_per_unit[i]
        p_ask = fill_probability(delta_ask[None, :] - ref, cfg.A, cfg.k, cfg.dt, cfg.probability)
        p_bid = fill_probability(delta_bid[None, :] + ref, cfg.A, cfg.k, cfg.dt, cfg.probability)
        new_prob, new_w1, new_w2 = np.zeros(q.size), np.zeros(q.size), np.zeros(q.size)
        for a in (0, 1):
            for b in (0, 1):
                pi = (p_ask if a else 1.0 - p_ask) * (p_bid if b else 1.0 - p_bid)
                pi = np.broadcast_to(pi, (ds.size, q.size)) * weight[:, None]
                gain = a * delta_ask + b * delta_bid + (q + b - a) * ds[:, None]
                moved = (
                    (pi * prob).sum(axis=0),
                    (pi * (w1 + gain * prob)).sum(axis=0),
                    (pi * (w2 + 2.0 * gain * w1 + gain**2 * prob)).sum(axis=0),
                )
                shift = b - a
                lo, hi = max(0, -shift), q.size - max(0, shift)
                for acc, add in zip((new_prob, new_w1, new_w2), moved, strict=True):
                    acc[lo + shift : hi + shift] += add[lo:hi]
        prob, w1, w2 = new_prob, new_w1, new_w2
    mean_gain = float(w1.sum())
    mean_q = float((q * prob).sum())
    return RowStats(
        spread=float(half.mean() * 2.0),
        profit=cfg.q0 * cfg.s0 + mean_gain,
        std_profit=math.sqrt(max(float(w2.sum()) - mean_gain**2, 0.0)),
        final_q=mean_q,
        std_q=math.sqrt(max(float(((q - mean_q) ** 2 * prob).sum()), 0.0)),
    )

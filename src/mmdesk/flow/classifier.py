"""Who is smart? Online toxicity per counterparty tag, and per feature cluster when tags are hidden.

**Toxicity** of a fill is the information in it, not the spread it paid: the
adverse selection the desk suffered, per contract,

    toxicity = −(hedged markout − edge) / qty          (currency per contract)

with the desk's delta-hedged markout (:func:`mmdesk.flow.markouts.hedged_markouts`,
or the desk's running version in :mod:`mmdesk.flow.reader`) and ``edge`` the
spread the desk earned at the fill against its theo. It is the classic
decomposition effective spread = realised spread + price impact: the markout
measured from the theo at the fill, not from the price. A counterparty that
pays a wide spread but whose trades predict the move (direction or vol) against
the desk is informed; a counterparty that pays the same spread and predicts
nothing is not (:func:`adverse_toxicity`).

**Smart is relative to the rest of the flow.** Flow that picks the best price
among several makers imposes some adverse selection on whoever is best even when
it knows nothing (the desk is best when its theo is off, and its theo is later
re-marked). So a group is judged against the *benchmark*: the mean toxicity of
every other group's fills (leave-one-out; 0 when there is no other flow).

**Per tag** (:class:`ToxicityModel`): a normal–normal Bayesian estimate of each
group's mean toxicity μ. Prior μ ~ N(benchmark + ``prior_mean``, ``prior_sd``²);
observations x_j ~ N(μ, σ²) with σ the pooled per-fill sd (estimated from all
fills, shrunk toward ``obs_sd_prior``). With n fills and mean x̄ the posterior
is N(m, s²) with 1/s² = 1/prior_sd² + n/σ², m = s² (prior mean/prior_sd² + n x̄/σ²):
the estimate starts at the prior and moves to the data as trades accumulate.
The label is *smart* when m > benchmark, with P(smart) = Φ((m − b)/√(s² + σ²/n_b))
(n_b fills behind the benchmark b) and confidence max(P, 1 − P).

**Tags hidden** (:class:`FeatureClassifier`): each fill is described by
features (log size, desk side, moneyness, |moneyness|, log tenor, call/put,
time of day, RFQ); k-means clusters of the standardised features (by default
:data:`CLUSTER_FEATURES`) are the groups, each with the same Bayesian
toxicity and label; a new fill gets its nearest cluster's label.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field
from scipy.special import ndtr

from mmdesk.typing import Float64Array, Int64Array

#: Feature columns of :func:`fill_features` (in order).
FEATURES: tuple[str, ...] = (
    "log_size",
    "desk_side",
    "moneyness",
    "abs_moneyness",
    "log_tenor",
    "is_call",
    "time_of_day",
    "rfq",
)

#: Features the cluster classifier uses by default: size, desk side, |moneyness|, tenor
#: (time of day, call/put and signed moneyness only add noise on the default scenario).
CLUSTER_FEATURES: tuple[str, ...] = ("log_size", "desk_side", "abs_moneyness", "log_tenor")


class ToxicityConfig(BaseModel):
    """Prior of the per-group toxicity estimate (currency per contract).

    Attributes
    ----------
    prior_mean
        Prior mean of a group's toxicity above the benchmark (0: no view).
    prior_sd
        Prior sd of a group's mean toxicity (> 0): how far groups may differ.
    obs_sd_prior
        Prior guess of the per-fill toxicity sd (> 0).
    obs_sd_weight
        Weight of that guess, in fills, when pooling the observed sd.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    prior_mean: float = 0.0
    prior_sd: float = Field(3.0, gt=0.0)
    obs_sd_prior: float = Field(10.0, gt=0.0)
    obs_sd_weight: float = Field(20.0, ge=0.0)


class ToxicityModel:
    """Online normal–normal toxicity estimate per group (tag or cluster); see the module doc.

    Parameters
    ----------
    config : ToxicityConfig, optional
        The prior.
    """

    def __init__(self, config: ToxicityConfig | None = None) -> None:
        self.config = config if config is not None else ToxicityConfig()
        self._n: dict[int, float] = {}
        self._sum: dict[int, float] = {}
        self._sq: dict[int, float] = {}

    def update(self, groups: Int64Array, toxicity: Float64Array) -> None:
        """Add fills: their group ids and toxicities (currency per contract; NaN ignored)."""
        g = np.asarray(groups, dtype=np.int64)
        x = np.asarray(toxicity, dtype=np.float64)
        if g.shape != x.shape:
            raise ValueError(f"ToxicityModel.update: groups {g.shape} and toxicity {x.shape}")
        ok = np.isfinite(x)
        g, x = g[ok], x[ok]
        for k in np.unique(g):
            sel = x[g == k]
            key = int(k)
            self._n[key] = self._n.get(key, 0.0) + float(sel.size)
            self._sum[key] = self._sum.get(key, 0.0) + float(sel.sum())
            self._sq[key] = self._sq.get(key, 0.0) + float(np.dot(sel, sel))

    def obs_sd(self) -> float:
        """Pooled per-fill sd of toxicity around each group's mean, shrunk to the prior guess."""
        cfg = self.config
        ss = cfg.obs_sd_weight * cfg.obs_sd_prior**2
        dof = cfg.obs_sd_weight
        for k, n in self._n.items():
            if n > 1:
                ss += self._sq[k] - self._sum[k] ** 2 / n
                dof += n - 1
        return float(np.sqrt(ss / dof)) if dof > 0 else cfg.obs_sd_prior

    def benchmark(self, groups: Sequence[int]) -> tuple[Float64Array, Float64Array]:
        """Leave-one-out benchmark of each group: ``(mean toxicity of every other group's
        fills, their number)`` (currency per contract; 0 and 0 when there are none)."""
        n = np.array([self._n.get(k, 0.0) for k in groups])
        s = np.array([self._sum.get(k, 0.0) for k in groups])
        n_other = sum(self._n.values()) - n
        s_other = sum(self._sum.values()) - s
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n_other > 0, s_other / np.maximum(n_other, 1.0), 0.0)
        return mean, n_other

    def posterior(
        self, groups: Sequence[int] | None = None
    ) -> tuple[list[int], Float64Array, Float64Array, Float64Array, Float64Array, Float64Array]:
        """Posterior per group as arrays: ``(groups, fills, sums, toxicity, toxicity_sd,
        p_smart)`` (sorted groups; currency per contract; the numbers :meth:`state` shows)."""
        keys, n, s, mean, sd, p, _ = self._posterior(groups)
        return keys, n, s, mean, sd, p

    def _posterior(
        self, groups: Sequence[int] | None = None
    ) -> tuple[
        list[int], Float64Array, Float64Array, Float64Array, Float64Array, Float64Array,
        Float64Array,
    ]:  # fmt: skip
        cfg = self.config
        keys = sorted(set(self._n) | set(groups or ()))
        n = np.array([self._n.get(k, 0.0) for k in keys])
        s = np.array([self._sum.get(k, 0.0) for k in keys])
        bench, n_bench = self.benchmark(keys)
        sig2 = self.obs_sd() ** 2
        prec = 1.0 / cfg.prior_sd**2 + n / sig2
        mean = ((bench + cfg.prior_mean) / cfg.prior_sd**2 + s / sig2) / prec
        sd = 1.0 / np.sqrt(prec)
        bench_var = np.where(n_bench > 0, sig2 / np.maximum(n_bench, 1.0), 0.0)
        p = ndtr((mean - bench) / np.sqrt(sd**2 + bench_var))
        return keys, n, s, mean, sd, p, bench

    def columns(self, groups: Sequence[int] | None = None) -> dict[str, np.ndarray]:
        """:meth:`state`'s columns as numpy arrays (no DataFrame: the desk's hot path)."""
        keys, n, s, mean, sd, p, bench = self._posterior(groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_obs = np.where(n > 0, s / np.maximum(n, 1.0), np.nan)
        return {
            "group": np.array(keys, dtype=np.int64),
            "fills": n,
            "mean_obs": mean_obs,
            "toxicity": mean,
            "toxicity_sd": sd,
            "p_smart": p,
            "smart": p > 0.5,
            "confidence": np.maximum(p, 1.0 - p),
            "benchmark": bench,
        }

    def state(self, groups: Sequence[int] | None = None) -> pl.DataFrame:
        """Posterior per group: ``group, fills, mean_obs, toxicity, toxicity_sd, p_smart,
        smart, confidence, benchmark`` (currency per contract; groups never seen sit at the
        prior)."""
        return pl.DataFrame(self.columns(groups))


def adverse_toxicity(markout: Float64Array, edge: Float64Array, qty: Float64Array) -> Float64Array:
    """Toxicity per fill: −(markout − edge) / contracts, currency per contract.

    The adverse selection in a fill (module docstring): the desk's (hedged)
    markout with the spread it earned at the fill taken out, from the
    counterparty's side. The one definition the post-trade classifier and the
    desk's online read (:class:`mmdesk.flow.reader.FlowReader`) share.

    Parameters
    ----------
    markout : ndarray
        The desk's markout of each fill, currency (desk side, edge included).
    edge : ndarray
        side · (theo − price) · qty · multiplier at the fill, currency.
    qty : ndarray
        Contracts (> 0).
    """
    m = np.asarray(markout, dtype=np.float64)
    return np.asarray(-(m - np.asarray(edge, dtype=np.float64)) / np.asarray(qty, np.float64))


def toxicity_of(table: pl.DataFrame, hedged: Float64Array) -> Float64Array:
    """Toxicity of each fill of a markout table from its hedged markouts (see
    :func:`adverse_toxicity`)."""
    return adverse_toxicity(hedged, table["edge"].to_numpy(), table["qty"].to_numpy())


def classify_tags(
    table: pl.DataFrame, hedged: Float64Array, config: ToxicityConfig | None = None
) -> pl.DataFrame:
    """Toxicity state per counterparty tag from a markout table and its hedged markouts.

    Returns :meth:`ToxicityModel.state` with the group column named ``tag``.
    """
    model = ToxicityModel(config)
    model.update(table["tag"].to_numpy(), toxicity_of(table, hedged))
    return model.state().rename({"group": "tag"})


def fill_features(table: pl.DataFrame, session_open_ns: int, session_s: float) -> Float64Array:
    """Feature matrix (fills × :data:`FEATURES`) of a markout table, tags unused.

    Parameters
    ----------
    table : polars.DataFrame
        :func:`mmdesk.flow.markouts.compute_markouts`' table.
    session_open_ns : int
        Open of the (first) session, ns; time of day is taken modulo 24 h from it.
    session_s : float
        Session length, seconds (time of day is a fraction of it).
    """
    ts = table["ts_ns"].to_numpy().astype(np.int64)
    day_ns = 86_400 * 1_000_000_000
    tod = ((ts - session_open_ns) % day_ns).astype(np.float64) * 1e-9 / session_s
    m = np.nan_to_num(table["moneyness"].to_numpy().astype(np.float64))
    return np.column_stack(
        [
            np.log(table["qty"].to_numpy().astype(np.float64)),
            table["side"].to_numpy().astype(np.float64),
            m,
            np.abs(m),
            np.log(np.maximum(table["tau"].to_numpy(), 1e-6)),
            table["is_call"].to_numpy().astype(np.float64),
            tod,
            (table["kind"] == "rfq").to_numpy().astype(np.float64),
        ]
    )


def kmeans(x: Float64Array, k: int, seed: int = 0, iters: int = 50) -> Float64Array:
    """Centres of k-means clusters of the rows of ``x`` (k-means++ start, Lloyd iterations).

    Raises
    ------
    ValueError
        If ``k`` is not in [1, rows].
    """
    n = x.shape[0]
    if not 1 <= k <= n:
        raise ValueError(f"kmeans: k={k} must be in [1, {n}] (rows)")
    rng = np.random.default_rng(seed)
    centres = [x[rng.integers(n)]]
    for _ in range(1, k):
        d2 = np.min(((x[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        tot = d2.sum()
        p = d2 / tot if tot > 0 else np.full(n, 1.0 / n)
        centres.append(x[rng.choice(n, p=p)])
    c = np.array(centres)
    for _ in range(iters):
        lab = nearest(x, c)
        new = np.array([x[lab == j].mean(0) if np.any(lab == j) else c[j] for j in range(k)])
        if np.allclose(new, c):
            break
        c = new
    return c


def nearest(x: Float64Array, centres: Float64Array) -> Int64Array:
    """Index of the nearest centre of each row (Euclidean)."""
    d2 = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    return np.asarray(np.argmin(d2, axis=1), dtype=np.int64)


class FeatureClassifier:
    """Smart/dumb by feature cluster when tags are hidden (module docstring).

    Parameters
    ----------
    n_clusters : int
        Number of k-means clusters.
    config : ToxicityConfig, optional
        Prior of each cluster's toxicity.
    seed : int
        Seed of the k-means++ start.
    columns : sequence of str
        Which of :data:`FEATURES` to cluster on.
    """

    def __init__(
        self,
        n_clusters: int = 8,
        config: ToxicityConfig | None = None,
        seed: int = 0,
        columns: Sequence[str] = CLUSTER_FEATURES,
    ) -> None:
        unknown = [c for c in columns if c not in FEATURES]
        if unknown:
            raise ValueError(f"FeatureClassifier: columns {unknown} are not in {FEATURES}")
        self.cols = np.array([FEATURES.index(c) for c in columns], dtype=np.int64)
        self.n_clusters = n_clusters
        self.config = config
        self.seed = seed
        self.model = ToxicityModel(config)
        self.centres: Float64Array | None = None
        self.mu: Float64Array | None = None
        self.sd: Float64Array | None = None

    def fit(self, features: Float64Array, toxicity: Float64Array) -> FeatureClassifier:
        """Standardise, cluster, and estimate each cluster's toxicity (features: all FEATURES)."""
        features = features[:, self.cols]
        self.mu = features.mean(0)
        sd = features.std(0)
        self.sd = np.where(sd > 0, sd, 1.0)
        z = (features - self.mu) / self.sd
        k = min(self.n_clusters, z.shape[0])
        self.centres = kmeans(z, k, self.seed)
        self.model = ToxicityModel(self.config)
        self.model.update(nearest(z, self.centres), toxicity)
        return self

    def clusters(self, features: Float64Array) -> Int64Array:
        """Cluster of each fill.

        Raises
        ------
        ValueError
            Before :meth:`fit`.
        """
        if self.centres is None or self.mu is None or self.sd is None:
            raise ValueError("FeatureClassifier: call fit(features, toxicity) first")
        return nearest((features[:, self.cols] - self.mu) / self.sd, self.centres)

    def predict(self, features: Float64Array) -> tuple[np.ndarray, Float64Array]:
        """(smart label, confidence) of each fill from its cluster's posterior."""
        lab = self.clusters(features)
        st = self.model.state(range(self.centres.shape[0]))  # type: ignore[union-attr]
        smart = st["smart"].to_numpy()[lab]
        conf = st["confidence"].to_numpy()[lab]
        return smart, conf


def balanced_accuracy(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Mean of the recall on each class (0.5 = chance for any class balance)."""
    t = np.asarray(truth, dtype=bool)
    p = np.asarray(predicted, dtype=bool)
    recalls = [float(np.mean(p[t == c] == c)) for c in (True, False) if np.any(t == c)]
    return float(np.mean(recalls)) if recalls else float("nan")

"""Flow classifier: shrinkage toward the prior, smart/dumb per tag and per feature cluster."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from mmdesk.flow.classifier import (
    FEATURES,
    FeatureClassifier,
    ToxicityConfig,
    ToxicityModel,
    balanced_accuracy,
    classify_tags,
    kmeans,
    nearest,
)


def test_few_trades_stay_near_the_prior_with_low_confidence() -> None:
    m = ToxicityModel(ToxicityConfig(prior_mean=0.0, prior_sd=1.0, obs_sd_prior=10.0))
    m.update(np.array([7, 7]), np.array([5.0, 5.0]))
    st = m.state()
    assert 0.0 < st["toxicity"][0] < 0.5  # two noisy trades barely move it from 0
    assert st["confidence"][0] < 0.75


def test_many_trades_move_the_estimate_to_their_mean_with_high_confidence() -> None:
    rng = np.random.default_rng(1)
    x = 2.0 + 5.0 * rng.standard_normal(2000)
    m = ToxicityModel()
    m.update(np.full(x.size, 3), x)
    st = m.state()
    assert st["toxicity"][0] == pytest.approx(float(x.mean()), abs=0.05)
    assert st["smart"][0] and st["confidence"][0] > 0.999
    assert m.obs_sd() == pytest.approx(5.0, rel=0.05)


def test_confidence_grows_as_trades_accumulate() -> None:
    rng = np.random.default_rng(2)
    x = 1.0 + 4.0 * rng.standard_normal(800)
    m = ToxicityModel()
    conf = []
    for chunk in np.split(x, 8):
        m.update(np.full(chunk.size, 1), chunk)
        conf.append(float(m.state()["toxicity_sd"][0]))
    assert all(b < a for a, b in itertools.pairwise(conf))


def test_unseen_groups_sit_at_the_prior() -> None:
    m = ToxicityModel(ToxicityConfig(prior_mean=-0.5))
    st = m.state([4])
    assert st["toxicity"][0] == -0.5 and not st["smart"][0]


def test_tags_are_labelled_smart_when_the_desk_loses_to_them() -> None:
    rng = np.random.default_rng(3)
    tags = np.repeat([100, 101, 200, 300], 400)
    true_tox = np.where(tags >= 200, 2.0, -1.0)  # currency per contract taken from the desk
    qty = rng.integers(1, 10, tags.size).astype(np.float64)
    hedged = -(true_tox + 6.0 * rng.standard_normal(tags.size)) * qty
    table = pl.DataFrame({"tag": tags, "qty": qty})
    st = classify_tags(table, hedged)
    assert st["tag"].to_list() == [100, 101, 200, 300]
    assert st["smart"].to_list() == [False, False, True, True]
    assert (st["confidence"] > 0.9).all()


def test_kmeans_finds_separated_blobs() -> None:
    rng = np.random.default_rng(4)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    x = np.concatenate([c + rng.standard_normal((50, 2)) for c in centres])
    c = kmeans(x, 3, seed=0)
    lab = nearest(x, c)
    assert len({tuple(np.bincount(lab[i * 50 : (i + 1) * 50], minlength=3)) for i in range(3)}) == 3
    assert all(np.bincount(lab[i * 50 : (i + 1) * 50]).max() == 50 for i in range(3))


def test_kmeans_rejects_more_clusters_than_rows() -> None:
    with pytest.raises(ValueError, match="k=5"):
        kmeans(np.zeros((3, 2)), 5)


def _synthetic_flow(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Smart fills: the desk sells, short tenor, near the money; toxic. Dumb: random side."""
    smart = rng.random(n) < 0.25
    x = np.zeros((n, len(FEATURES)))
    col = {c: i for i, c in enumerate(FEATURES)}
    x[:, col["log_size"]] = np.log(rng.integers(1, 11, n))
    x[:, col["desk_side"]] = np.where(smart, -1.0, rng.choice([-1.0, 1.0], n))
    x[:, col["abs_moneyness"]] = np.where(smart, 0.3, 1.0) * np.abs(rng.standard_normal(n))
    x[:, col["log_tenor"]] = np.log(np.where(smart, 2.0, rng.choice([2.0, 10.0, 30.0], n)) / 365)
    tox = np.where(smart, 2.0, -1.0) + 6.0 * rng.standard_normal(n)
    return x, tox, smart


def test_feature_classifier_beats_chance_with_tags_hidden() -> None:
    rng = np.random.default_rng(5)
    x, tox, smart = _synthetic_flow(rng, 4000)
    fc = FeatureClassifier(n_clusters=8, seed=0).fit(x[:2000], tox[:2000])
    pred, conf = fc.predict(x[2000:])
    # the stated margin: balanced accuracy (0.5 = chance) at least 0.65 out of sample
    assert balanced_accuracy(smart[2000:], pred) >= 0.65
    assert np.all((conf >= 0.5) & (conf <= 1.0))


def test_feature_classifier_needs_fit_and_known_columns() -> None:
    with pytest.raises(ValueError, match="fit"):
        FeatureClassifier().predict(np.zeros((2, len(FEATURES))))
    with pytest.raises(ValueError, match="shoe_size"):
        FeatureClassifier(columns=("shoe_size",))


def test_balanced_accuracy_of_a_constant_guess_is_one_half() -> None:
    truth = np.array([True] * 10 + [False] * 90)
    assert balanced_accuracy(truth, np.zeros(100, dtype=bool)) == 0.5
    assert balanced_accuracy(truth, truth) == 1.0

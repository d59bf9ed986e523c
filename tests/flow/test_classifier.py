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
    toxicity_of,
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


def _flow(
    rng: np.random.Generator, info: dict[int, float], spread: dict[int, float], n: int
) -> tuple[pl.DataFrame, np.ndarray]:
    """n fills per tag: each tag pays ``spread[tag]`` per contract to the desk at the fill
    (the edge) and its trades are followed by a move of ``info[tag]`` per contract against
    the desk, plus noise of sd 6 per contract. Returns the markout table and the hedged
    markouts (currency, desk side, edge included)."""
    tags = np.repeat(np.array(list(info)), n)
    qty = rng.integers(1, 10, tags.size).astype(np.float64)
    edge = np.array([spread[t] for t in tags]) * qty
    move = -(np.array([info[t] for t in tags]) + 6.0 * rng.standard_normal(tags.size)) * qty
    return pl.DataFrame({"tag": tags, "qty": qty, "edge": edge}), edge + move


def test_tags_are_labelled_smart_when_their_trades_predict_the_move_against_the_desk() -> None:
    rng = np.random.default_rng(3)
    table, hedged = _flow(rng, {100: 0.0, 101: 0.0, 200: 3.0, 300: 3.0}, dict.fromkeys(
        (100, 101, 200, 300), 1.0), 400)  # fmt: skip
    st = classify_tags(table, hedged)
    assert st["tag"].to_list() == [100, 101, 200, 300]
    assert st["smart"].to_list() == [False, False, True, True]
    assert (st["confidence"] > 0.9).all()


def test_an_informed_tag_paying_a_wide_spread_is_smart_and_noise_paying_it_is_dumb() -> None:
    # both pay 5 a contract, more than the informed tag's 3 of information: the desk
    # makes money on both, but only the informed tag's trades predict the move
    rng = np.random.default_rng(6)
    table, hedged = _flow(rng, {100: 0.0, 200: 3.0}, {100: 5.0, 200: 5.0}, 300)
    assert (hedged[table["tag"].to_numpy() == 200].sum()) > 0.0  # profitable for the desk
    st = classify_tags(table, hedged)
    assert st["smart"].to_list() == [False, True]
    assert (st["confidence"] > 0.9).all()
    assert np.allclose(toxicity_of(table, hedged), -(hedged - table["edge"]) / table["qty"])


def test_a_tag_is_judged_against_the_rest_of_the_flow_not_against_zero() -> None:
    # every fill is followed by a small move against the desk (the desk is hit when its
    # theo is off): noise tags with 0.5 of it are dumb next to informed tags with 3
    rng = np.random.default_rng(7)
    info = {100: 0.5, 101: 0.5, 102: 0.5, 103: 0.5, 200: 3.0, 201: 3.0}
    table, hedged = _flow(rng, info, dict.fromkeys(info, 2.0), 300)
    st = classify_tags(table, hedged)
    assert st["smart"].to_list() == [False] * 4 + [True] * 2
    assert (st["toxicity"].to_numpy()[:4] > 0.0).all()  # yet positive toxicity
    bench = st["benchmark"].to_numpy()
    assert bench[0] == pytest.approx(float(np.mean(toxicity_of(table, hedged)[300:])))


def test_a_lone_counterparty_is_judged_against_zero() -> None:
    m = ToxicityModel()
    m.update(np.full(500, 9), np.full(500, 1.0) + np.random.default_rng(8).standard_normal(500))
    st = m.state()
    assert st["benchmark"][0] == 0.0 and st["smart"][0] and st["confidence"][0] > 0.99


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

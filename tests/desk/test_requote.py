"""The requote's array glue: wanted sizes, leg prices and the sent legs' journal rows."""

from __future__ import annotations

import numpy as np

from mmdesk.desk.requote import (
    exposure_rows,
    exposure_rows_python,
    gamma_weights,
    gamma_weights_python,
    new_buckets,
    new_buckets_python,
    quote_wants,
    quote_wants_python,
    record_legs,
    record_legs_python,
)


def test_quote_wants_kernel_and_twin_follow_the_numpy_rule(rng: np.random.Generator) -> None:
    n, n_exp = 200, 4
    live = rng.random(n) < 0.8
    fitted = rng.random(n_exp) < 0.7
    expiry = rng.integers(0, n_exp, n)
    bid = np.where(rng.random(n) < 0.7, rng.integers(1, 900, n), 0)
    ask = np.where(rng.random(n) < 0.7, rng.integers(1, 900, n), 0)
    ready = live & fitted[expiry]
    want = (
        np.where(ready & (bid > 0), 5.0, 0.0),
        np.where(ready & (ask > 0), 5.0, 0.0),
        np.asarray(bid * 0.01, dtype=np.float64),
        np.asarray(ask * 0.01, dtype=np.float64),
    )
    for fn in (quote_wants_python, quote_wants):
        out = [np.full(n, np.nan) for _ in range(4)]
        fn(live, fitted, expiry, bid, ask, 5.0, 0.01, *out)
        for got, ref in zip(out, want, strict=True):
            assert np.array_equal(got, ref)


def test_record_legs_remembers_the_sent_legs_and_writes_bids_then_asks(
    rng: np.random.Generator,
) -> None:
    n = 60
    bid, ask = rng.integers(0, 500, n), rng.integers(0, 500, n)
    bq, aq = rng.integers(0, 10, n), rng.integers(0, 10, n)
    theo = rng.uniform(0.1, 5.0, n)
    view_bid, view_ask = rng.integers(-1, 500, n + 1), rng.integers(-1, 500, n + 1)
    legs = np.sort(rng.choice(n, 17, replace=False))
    k = legs.size
    for fn in (record_legs_python, record_legs):
        sent = [np.zeros(n, dtype=np.int64) for _ in range(4)]
        out = [
            np.empty(2 * k, dtype=np.int32),
            np.empty(2 * k, dtype=np.int8),
            np.empty(2 * k, dtype=np.int64),
            np.empty(2 * k, dtype=np.int64),
            np.empty(2 * k),
            np.empty(2 * k, dtype=np.int64),
            np.empty(2 * k, dtype=np.int64),
        ]
        fn(legs, bid, ask, bq, aq, theo, view_bid, view_ask, *sent, *out)
        for s, full in zip(sent, (bid, ask, bq, aq), strict=True):
            assert np.array_equal(s[legs], full[legs])
            assert not s[np.setdiff1d(np.arange(n), legs)].any()
        both = np.concatenate([legs, legs])
        assert np.array_equal(out[0], both + 1)
        assert np.array_equal(out[1], np.concatenate([np.ones(k), -np.ones(k)]))
        assert np.array_equal(out[2], np.concatenate([bid[legs], ask[legs]]))
        assert np.array_equal(out[3], np.concatenate([bq[legs], aq[legs]]))
        assert np.array_equal(out[4], theo[both])
        assert np.array_equal(out[5], view_bid[both + 1])
        assert np.array_equal(out[6], view_ask[both + 1])


def test_gamma_weights_kernel_and_twin_are_numpys_masked_sums(rng: np.random.Generator) -> None:
    for n in (0, 5, 90, 400):
        q = np.where(rng.random(n) < 0.6, rng.integers(-20, 20, n), 0).astype(np.float64)
        gamma, tau, vol = rng.uniform(0, 0.1, n), rng.uniform(0, 0.5, n), rng.uniform(0.1, 0.9, n)
        live = rng.random(n) < 0.9
        g_abs = np.abs(q * gamma)
        sel = live & (q != 0.0)
        want = (g_abs[sel].sum(), (g_abs[sel] * tau[sel]).sum(), (g_abs[sel] * vol[sel]).sum())
        for fn in (gamma_weights_python, gamma_weights):
            assert fn(q, gamma, tau, vol, live) == want


def test_exposure_rows_are_bids_then_offers_with_their_distance_from_theo(
    rng: np.random.Generator,
) -> None:
    n = 120
    bucket = rng.integers(0, 9, n)
    theo = np.where(rng.random(n) < 0.05, np.nan, rng.uniform(0.1, 5.0, n))
    sent_bid, sent_ask = rng.integers(1, 600, n), rng.integers(1, 600, n)
    sent_bq = np.where(rng.random(n) < 0.6, rng.integers(1, 9, n), 0)
    sent_aq = np.where(rng.random(n) < 0.6, rng.integers(1, 9, n), 0)
    on_b, on_a = sent_bq > 0, sent_aq > 0
    want_rows = np.concatenate([bucket[on_b], bucket[on_a]])
    dist = np.concatenate([theo[on_b] - sent_bid[on_b] * 0.01, sent_ask[on_a] * 0.01 - theo[on_a]])
    want_dist = np.maximum(dist, 0.0)
    for fn in (exposure_rows_python, exposure_rows):
        rows, d = np.empty(2 * n, dtype=np.int64), np.empty(2 * n)
        m = fn(bucket, theo, sent_bid, sent_ask, sent_bq, sent_aq, 0.01, rows, d)
        assert np.array_equal(rows[:m], want_rows)
        assert np.array_equal(d[:m], want_dist, equal_nan=True)


def test_new_buckets_are_the_quoters_buckets_and_say_whether_any_changed(
    rng: np.random.Generator,
) -> None:
    from mmdesk.desk.quoter import intensity_bucket

    n = 150
    expiry = rng.integers(0, 4, n)
    tau = rng.uniform(0.001, 0.5, n)
    vol = rng.uniform(0.1, 0.6, n)
    for _ in range(10):
        k = rng.normal(0.0, 0.15, n)
        want = intensity_bucket(expiry, k, vol, tau)
        nudged = want.copy()
        nudged[rng.integers(0, n)] += 1
        for old, changed in ((want.copy(), False), (nudged, True), (np.zeros(3, np.int64), True)):
            for fn in (new_buckets, new_buckets_python):
                out = np.empty(n, dtype=np.int64)
                assert fn(expiry, k, vol, tau, old, out) is changed
                np.testing.assert_array_equal(out, want)

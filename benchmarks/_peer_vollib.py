"""Time py_vollib_vectorized on the benchmark's inputs (runs in its own venv; see pricing.py).

py_vollib_vectorized 0.1.1 needs py_vollib 1.0.1 and py_lets_be_rational 1.0.1 to
run on today's numba, which conflicts with nothing in mmdesk but is kept out of
the project's environment.  ``benchmarks/pricing.py`` creates that environment and
runs this script there:

    python _peer_vollib.py INPUTS.npz REPEATS
    python _peer_vollib.py INPUTS.npz 0 serve

It prints one JSON object: best wall and CPU seconds per operation over REPEATS runs
(after a warm-up that triggers numba compilation) and a few outputs for a
cross-check that both processes priced the same options.

With ``serve`` it prints ``ready`` after the warm-up, then for each line ``greeks``
read from stdin times one price + greeks call on all options (``get_all_greeks``
then ``vectorized_black_scholes_merton``) and prints ``[wall, cpu]`` seconds, so
that the caller can interleave its own calls with the peer's (same load).
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
import py_vollib_vectorized as pvv

PEAK_N = 100_000
PEAK_REPEATS = 50


def best_seconds(fn, repeats: int) -> list[float]:  # type: ignore[no-untyped-def]
    """[best wall seconds, best CPU seconds of this process] over ``repeats`` calls."""
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return [min(walls), min(cpus)]


def main() -> None:
    path, repeats = sys.argv[1], int(sys.argv[2])
    data = np.load(path)
    s, k, t, v, r, q = (data[name] for name in ("spot", "strike", "t", "vol", "rate", "div_yield"))
    flag = np.where(data["is_call"], "c", "p")
    price = data["price"]
    model = "black_scholes_merton"

    def greeks(m: int | None = None):  # type: ignore[no-untyped-def]
        sl = slice(m)
        return pvv.get_all_greeks(
            flag[sl], s[sl], k[sl], t[sl], r[sl], v[sl], q[sl], model=model, return_as="dict"
        )

    def prices(m: int | None = None):  # type: ignore[no-untyped-def]
        sl = slice(m)
        return pvv.vectorized_black_scholes_merton(
            flag[sl], s[sl], k[sl], t[sl], r[sl], v[sl], q[sl], return_as="numpy"
        )

    def ivs(m: int | None = None):  # type: ignore[no-untyped-def]
        sl = slice(m)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pvv.vectorized_implied_volatility(
                price[sl],
                s[sl],
                k[sl],
                t[sl],
                r[sl],
                flag[sl],
                q[sl],
                model=model,
                return_as="numpy",
                on_error="ignore",
            )

    # Warm-up: numba compilation on a small slice.
    g_small, p_small, iv_small = greeks(1000), prices(1000), ivs(1000)
    if sys.argv[3:] == ["serve"]:
        print("ready", flush=True)
        for line in sys.stdin:
            if line.strip() == "greeks":
                print(json.dumps(best_seconds(lambda: (greeks(), prices()), 1)), flush=True)
        return
    result = {
        "n": int(s.size),
        "greeks_s": best_seconds(greeks, repeats),
        "price_s": best_seconds(prices, repeats),
        "iv_s": best_seconds(ivs, repeats),
        # Peak: price + greeks on a 100,000-option slice, best of many short runs.
        "peak_greeks_s": best_seconds(lambda: (greeks(PEAK_N), prices(PEAK_N)), PEAK_REPEATS),
        "peak_iv_s": best_seconds(lambda: ivs(PEAK_N), PEAK_REPEATS),
        "delta_head": np.asarray(g_small["delta"], dtype=float)[:1000].tolist(),
        "price_head": np.asarray(p_small, dtype=float).ravel()[:1000].tolist(),
        "iv_head": np.asarray(iv_small, dtype=float).ravel()[:1000].tolist(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

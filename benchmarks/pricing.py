"""Pricing throughput: mmdesk vs py_vollib_vectorized and QuantLib, in one run, on the same inputs.

    uv run python benchmarks/pricing.py [--n 1000000] [--ql-n 20000] [--repeats 5] [--no-peers]

Measures options per second (best wall-clock time of ``--repeats`` runs, after a
warm-up; also per CPU-second of the process) for

* European price + all eight greeks (``bs_greeks``: price, delta, gamma, vega,
  theta, rho, vanna, volga, charm in one kernel pass) by the plain call, whose
  result is dropped before the next call (so its memory is recycled, see
  ``mmdesk.pricing._output_pool``); the same call keeping every result alive
  (fresh, page-faulted memory each time); written into a reused ``out=``
  buffer; and price alone; plus an "interleaved" line: ``--rounds`` plain calls
  alternating with the peer's price + greeks call (one each, so both see the
  same load; best of each); plus a
  "peak" line: the best of 50 runs on the first 100,000 options (for both mmdesk
  and py_vollib_vectorized), i.e. the rate when the shared cores happen to be free;
* implied vol (``implied_vol``) of those prices, with the same "peak" line;
* American prices per method (``american_price``: baw, bjs2002, bjs1993, tree);

at N = 1,000,000 random options (fixed seed), next to

* py_vollib_vectorized 0.1.1 (``get_all_greeks``: delta, gamma, theta, rho,
  vega; ``vectorized_black_scholes_merton``; ``vectorized_implied_volatility``)
  on the *same* 1,000,000 options, run in its own virtual environment (it needs
  py_vollib 1.0.1 and py_lets_be_rational 1.0.1 to work with today's numba),
  created by this script with ``uv`` under ``~/.cache/mmdesk/bench-venv`` on first
  use (``MMDESK_BENCH_VENV`` overrides the location);
* QuantLib (AnalyticEuropeanEngine NPV + delta, gamma, vega, theta, rho;
  ``impliedVolatility``; BAW, Bjerksund–Stensland and Leisen–Reimer engines),
  which prices one option per Python call: it is timed on a subsample (the first
  ``--ql-n`` options, fewer for the slow ones) and reported per option.

Anything missing (a peer that cannot be installed, a pricing function not yet
written) is reported as "not available" instead of stopping the run.  The
machine's load average is printed: other processes on the 2 cores depress all
rates alike, mmdesk's (parallel) more than the single-threaded peers'.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
PEER_PACKAGES = ("py_vollib_vectorized==0.1.1", "py_vollib==1.0.1", "py_lets_be_rational==1.0.1")
DEFAULT_VENV = Path.home() / ".cache" / "mmdesk" / "bench-venv"
SEED = 20261121
PEAK_N = 100_000  # options in each short "peak" run (must match _peer_vollib.py)
PEAK_REPEATS = 50


# ---------------------------------------------------------------- inputs


def make_inputs(n: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """Random European options: spot 50–150, strikes lognormal around spot (30%),
    1 day to 3 years (whole days, ACT/365), vol 5%–100%, r 0–8%, q 0–4%, half calls."""
    rng = np.random.default_rng(seed)
    spot = rng.uniform(50.0, 150.0, n)
    return {
        "spot": spot,
        "strike": spot * np.exp(rng.normal(0.0, 0.3, n)),
        "days": rng.integers(1, 3 * 365 + 1, n),
        "t": np.empty(0),  # filled below: days / 365
        "vol": rng.uniform(0.05, 1.0, n),
        "rate": rng.uniform(0.0, 0.08, n),
        "div_yield": rng.uniform(0.0, 0.04, n),
        "is_call": rng.random(n) < 0.5,
    }


#: (best wall-clock seconds, best CPU seconds of the process, all threads)
Timing = tuple[float, float]


def best_seconds(fn: Callable[[], object], repeats: int) -> Timing:
    """Best wall-clock and best process-CPU seconds of ``repeats`` calls (after a warm-up)."""
    fn()
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


# ---------------------------------------------------------------- mmdesk


def time_mmdesk(inp: dict[str, np.ndarray], repeats: int, am_n: int, tree_n: int) -> dict[str, Any]:
    from mmdesk.pricing import bs_greeks, bs_price

    n = inp["spot"].size
    args = tuple(inp[k] for k in ("spot", "strike", "t", "vol", "rate", "div_yield", "is_call"))
    res: dict[str, Any] = {"n": n}
    # Each result is dropped before the next call, as a desk replacing its greeks
    # does: the plain call then recycles the dropped output's memory (see
    # mmdesk.pricing._output_pool).  The "kept" line holds on to every result, so
    # each call pages in fresh memory (the cost the pool avoids).
    res["greeks_s"] = best_seconds(lambda: bs_greeks(*args), repeats)
    kept: list[object] = []
    res["greeks_kept_s"] = best_seconds(lambda: kept.append(bs_greeks(*args)), repeats)
    kept.clear()
    # The desk's use: reprice into the same buffers (no allocation, no page faults).
    buffer = np.empty((9, n))
    res["greeks_out_s"] = best_seconds(lambda: bs_greeks(*args, out=buffer), repeats)
    res["price_s"] = best_seconds(lambda: bs_price(*args), repeats)
    # Peak: the same on a 100,000-option slice, best of many short runs — what the
    # kernel does when both cores happen to be free (the machine is shared).
    head = tuple(a[:PEAK_N] for a in args)
    res["peak_greeks_s"] = best_seconds(lambda: bs_greeks(*head), PEAK_REPEATS)
    price = np.asarray(bs_price(*args))
    res["price"] = price
    res["delta"] = np.asarray(bs_greeks(*args).delta)
    try:
        from mmdesk.pricing import implied_vol

        iv_args = (price, *args[:3], *args[4:])
        res["iv_s"] = best_seconds(lambda: implied_vol(*iv_args), repeats)
        iv_head = tuple(a[:PEAK_N] for a in iv_args)
        res["peak_iv_s"] = best_seconds(lambda: implied_vol(*iv_head), PEAK_REPEATS)
        res["iv"] = np.asarray(implied_vol(*iv_args))
    except ImportError as exc:
        res["iv_error"] = f"not available ({exc})"
    res["american"] = {}
    try:
        from mmdesk.pricing.american import american_price
    except ImportError as exc:
        res["american_error"] = f"not available ({exc})"
        return res
    for method in ("baw", "bjs2002", "bjs1993", "tree"):
        m = tree_n if method == "tree" else am_n
        sub = tuple(a[:m] for a in args)
        try:
            secs = best_seconds(lambda sub=sub, method=method: american_price(*sub, method), 2)
            res["american"][method] = (m, secs)
        except Exception as exc:  # report, never crash the benchmark
            res["american"][method] = f"not available ({type(exc).__name__}: {exc})"
    return res


# ---------------------------------------------------------------- QuantLib


def time_quantlib(inp: dict[str, np.ndarray], ql_n: int, tree_steps: int) -> dict[str, Any]:
    try:
        import QuantLib as ql
    except ImportError as exc:
        return {"error": f"not available ({exc})"}
    today = ql.Date(2, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    spot_q, rate_q, div_q, vol_q = (ql.SimpleQuote(x) for x in (100.0, 0.0, 0.0, 0.2))
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(spot_q),
        ql.YieldTermStructureHandle(ql.FlatForward(today, ql.QuoteHandle(div_q), dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, ql.QuoteHandle(rate_q), dc)),
        ql.BlackVolTermStructureHandle(
            ql.BlackConstantVol(today, ql.NullCalendar(), ql.QuoteHandle(vol_q), dc)
        ),
    )

    def run(m: int, make_engine: Callable[[], Any], american: bool, what: str) -> Timing:
        engine = make_engine()
        w0, c0 = time.perf_counter(), time.process_time()
        for i in range(m):
            spot_q.setValue(float(inp["spot"][i]))
            rate_q.setValue(float(inp["rate"][i]))
            div_q.setValue(float(inp["div_yield"][i]))
            vol_q.setValue(float(inp["vol"][i]))
            kind = ql.Option.Call if inp["is_call"][i] else ql.Option.Put
            payoff = ql.PlainVanillaPayoff(kind, float(inp["strike"][i]))
            expiry = today + int(inp["days"][i])
            if american:
                option = ql.VanillaOption(payoff, ql.AmericanExercise(today, expiry))
            else:
                option = ql.EuropeanOption(payoff, ql.EuropeanExercise(expiry))
            option.setPricingEngine(engine)
            if what == "greeks":
                option.NPV()
                option.delta()
                option.gamma()
                option.vega()
                option.theta()
                option.rho()
            elif what == "iv":
                try:
                    option.impliedVolatility(
                        float(inp["price"][i]), process, 1e-12, 1000, 1e-4, 10.0
                    )
                except RuntimeError:
                    pass  # no vol found: counted in the time, as for the others
            else:
                option.NPV()
        return time.perf_counter() - w0, time.process_time() - c0

    res: dict[str, Any] = {}
    analytic = lambda: ql.AnalyticEuropeanEngine(process)  # noqa: E731
    res["greeks"] = (ql_n, run(ql_n, analytic, False, "greeks"))
    res["price"] = (ql_n, run(ql_n, analytic, False, "price"))
    iv_n = max(ql_n // 4, 1)
    res["iv"] = (iv_n, run(iv_n, analytic, False, "iv"))
    engines = {
        "baw": (ql_n, lambda: ql.BaroneAdesiWhaleyApproximationEngine(process)),
        "bjs1993": (ql_n, lambda: ql.BjerksundStenslandApproximationEngine(process)),
        "tree": (
            max(ql_n // 20, 1),
            lambda: ql.BinomialLRVanillaEngine(process, tree_steps),
        ),
    }
    res["american"] = {}
    for method, (m, make) in engines.items():
        try:
            res["american"][method] = (m, run(m, make, True, "price"))
        except Exception as exc:
            res["american"][method] = f"not available ({type(exc).__name__}: {exc})"
    return res


# ---------------------------------------------------------------- py_vollib_vectorized


def peer_python() -> Path | str:
    """The bench venv's python with py_vollib_vectorized, created with uv when missing."""
    venv = Path(os.environ.get("MMDESK_BENCH_VENV", DEFAULT_VENV))
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import py_vollib_vectorized"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"setting up {venv} with {', '.join(PEER_PACKAGES)} (one-off) ...", flush=True)
    steps = [
        [
            "uv",
            "venv",
            "--quiet",
            "--python",
            f"{sys.version_info[0]}.{sys.version_info[1]}",
            str(venv),
        ],
        ["uv", "pip", "install", "--quiet", "--python", str(python), *PEER_PACKAGES],
    ]
    for cmd in steps:
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            return f"not available ({' '.join(cmd[:3])} failed: {done.stderr.strip()[-300:]})"
    if subprocess.run(check, capture_output=True).returncode != 0:
        return "not available (py_vollib_vectorized does not import in the bench venv)"
    return python


def write_peer_inputs(inp: dict[str, np.ndarray], price: np.ndarray, tmp: str) -> Path:
    """The benchmark's inputs (and mmdesk's prices, for implied vol) as the peer's .npz."""
    path = Path(tmp) / "inputs.npz"
    fields = {k: v for k, v in inp.items() if k not in ("days", "price")}
    np.savez(path, price=price, **fields)
    return path


def time_vollib(inp: dict[str, np.ndarray], price: np.ndarray, repeats: int) -> dict[str, Any]:
    python = peer_python()
    if isinstance(python, str):
        return {"error": python}
    with tempfile.TemporaryDirectory() as tmp:
        path = write_peer_inputs(inp, price, tmp)
        done = subprocess.run(
            [str(python), str(HERE / "_peer_vollib.py"), str(path), str(repeats)],
            capture_output=True,
            text=True,
        )
    if done.returncode != 0:
        return {"error": f"not available (peer run failed: {done.stderr.strip()[-500:]})"}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def one_call(fn: Callable[[], object]) -> Timing:
    """Wall-clock and process-CPU seconds of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def time_interleaved(inp: dict[str, np.ndarray], price: np.ndarray, rounds: int) -> dict[str, Any]:
    """The plain ``bs_greeks`` call and the peer's price + greeks call, alternately.

    Each round times one mmdesk call, then one peer call (in the peer's process,
    which waits in ``_peer_vollib.py ... serve`` mode), so both see the same load:
    the ratio of the best of each is the fairest same-run comparison on a shared
    machine.  Returns the lists of (wall, cpu) timings, ``ours`` and ``theirs``.
    """
    from mmdesk.pricing import bs_greeks

    python = peer_python()
    if isinstance(python, str):
        return {"error": python}
    args = tuple(inp[k] for k in ("spot", "strike", "t", "vol", "rate", "div_yield", "is_call"))
    ours: list[Timing] = []
    theirs: list[Timing] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = write_peer_inputs(inp, price, tmp)
        command = [str(python), str(HERE / "_peer_vollib.py"), str(path), "0", "serve"]
        with subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        ) as peer:
            assert peer.stdin is not None and peer.stdout is not None
            if peer.stdout.readline().strip() != "ready":
                return {"error": "not available (peer serve mode did not start)"}
            bs_greeks(*args)  # warm-up
            for _ in range(rounds):
                ours.append(one_call(lambda: bs_greeks(*args)))
                peer.stdin.write("greeks\n")
                peer.stdin.flush()
                wall, cpu = json.loads(peer.stdout.readline())
                theirs.append((wall, cpu))
            peer.stdin.close()
    return {"ours": ours, "theirs": theirs}


# ---------------------------------------------------------------- report


def fmt_rate(r: float | None) -> str:
    if r is None:
        return "not available"
    return f"{r / 1e6:10.3f} M/s" if r >= 1e5 else f"{r / 1e3:10.2f} k/s"


Row = tuple[str, float | None, float | None, float | None, str]


def print_table(title: str, rows: list[Row]) -> None:
    header = (
        f"{title:38s} {'mmdesk':>14s} {'py_vollib_vec':>14s} {'ratio':>8s} "
        f"{'QuantLib':>14s} {'ratio':>9s}  QuantLib sample"
    )
    print(header)
    print("-" * len(header))
    for label, ours, vol_r, ql_r, ql_note in rows:
        r1 = f"{ours / vol_r:7.1f}x" if ours and vol_r else "      -"
        r2 = f"{ours / ql_r:8.0f}x" if ours and ql_r else "       -"
        ql_text = (
            "-" if ql_r is None and not ql_note.startswith("not available") else fmt_rate(ql_r)
        )
        print(
            f"{label:38s} {fmt_rate(ours):>14s} {fmt_rate(vol_r):>14s} {r1:>8s} "
            f"{ql_text:>14s} {r2:>9s}  {ql_note}"
        )
    print()


def build_rows(
    mm: dict[str, Any],
    pv: dict[str, Any],
    ql_res: dict[str, Any],
    tree_steps: int,
    which: int,
    inter: dict[str, Any],
) -> list[Row]:
    """Table rows of options per second; ``which`` 0 = wall clock, 1 = per CPU-second."""
    n = mm["n"]
    pv_ok = "error" not in pv and bool(pv)

    def r(count: int, timing: Any) -> float | None:
        return count / timing[which] if timing is not None and timing[which] > 0 else None

    def ql(key: str, sub: str | None = None) -> tuple[float | None, str]:
        entry = ql_res.get(sub, {}).get(key) if sub else ql_res.get(key)
        if not isinstance(entry, tuple):
            return None, str(ql_res.get("error", entry if entry else ""))
        return r(entry[0], entry[1]), f"{entry[0]:,} opts"

    rows: list[Row] = []
    # vollib needs two calls for price + greeks (get_all_greeks has no price).
    pv_greeks = None
    if pv_ok:
        both = [pv["greeks_s"][k] + pv["price_s"][k] for k in (0, 1)]
        pv_greeks = r(n, both)
    rows.append(("price + 8 greeks", r(n, mm["greeks_s"]), pv_greeks, *ql("greeks")))
    if "ours" in inter:
        rows.append(
            (
                f"  interleaved with the peer, best of {len(inter['ours'])}",
                r(n, min(inter["ours"], key=lambda x: x[which])),
                r(n, min(inter["theirs"], key=lambda x: x[which])),
                None,
                "one call each, alternately (same load)",
            )
        )
    rows.append(
        (
            "  every result kept (fresh memory)",
            r(n, mm["greeks_kept_s"]),
            pv_greeks,
            None,
            "no memory recycled: page faults on every call",
        )
    )
    rows.append(
        (
            "  into a reused out= buffer",
            r(n, mm["greeks_out_s"]),
            pv_greeks,
            None,
            "vollib column: its normal call (no out parameter)",
        )
    )
    pv_peak = r(PEAK_N, pv["peak_greeks_s"]) if pv_ok and "peak_greeks_s" in pv else None
    rows.append(
        (
            f"  peak: best of {PEAK_REPEATS} on {PEAK_N:,}",
            r(PEAK_N, mm["peak_greeks_s"]),
            pv_peak,
            None,
            "QuantLib not timed on this line",
        )
    )
    rows.append(
        ("price", r(n, mm["price_s"]), r(n, pv["price_s"]) if pv_ok else None, *ql("price"))
    )
    rows.append(
        (
            "implied vol",
            r(n, mm["iv_s"]) if "iv_s" in mm else None,
            r(n, pv["iv_s"]) if pv_ok else None,
            *ql("iv"),
        )
    )
    if "peak_iv_s" in mm:
        rows.append(
            (
                f"  peak: best of {PEAK_REPEATS} on {PEAK_N:,}",
                r(PEAK_N, mm["peak_iv_s"]),
                r(PEAK_N, pv["peak_iv_s"]) if pv_ok and "peak_iv_s" in pv else None,
                None,
                "QuantLib not timed on this line",
            )
        )
    for method in ("baw", "bjs2002", "bjs1993", "tree"):
        entry = mm["american"].get(method)
        ours = r(entry[0], entry[1]) if isinstance(entry, tuple) else None
        label = f"American {method}" + (f" ({tree_steps} steps)" if method == "tree" else "")
        if isinstance(entry, tuple):
            label += f" [{entry[0]:,} opts]"
        rows.append((label, ours, None, *ql(method, "american")))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="options (mmdesk, vollib)")
    parser.add_argument("--ql-n", type=int, default=20_000, help="QuantLib subsample")
    parser.add_argument("--am-n", type=int, default=200_000, help="American closed forms")
    parser.add_argument("--tree-n", type=int, default=20_000, help="American tree options")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--rounds", type=int, default=10, help="interleaved mmdesk/peer greeks rounds"
    )
    parser.add_argument("--no-peers", action="store_true", help="skip vollib and QuantLib")
    a = parser.parse_args()

    import numba

    inp = make_inputs(a.n)
    inp["t"] = inp["days"] / 365.0
    print(
        f"N = {a.n:,} options, seed {SEED}; numba threads {numba.get_num_threads()}, "
        f"cpus {os.cpu_count()}, load average at start {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    mm = time_mmdesk(inp, a.repeats, min(a.am_n, a.n), min(a.tree_n, a.n))
    inp["price"] = mm["price"]
    try:
        from mmdesk.pricing.american.tree import DEFAULT_STEPS as tree_steps
    except ImportError:
        tree_steps = 201
    ql_res = {} if a.no_peers else time_quantlib(inp, min(a.ql_n, a.n), tree_steps)
    pv = {} if a.no_peers else time_vollib(inp, mm["price"], a.repeats)
    inter = {} if a.no_peers else time_interleaved(inp, mm["price"], a.rounds)
    print(f"load average at end {os.getloadavg()[0]:.2f}\n")

    pv_ok = "error" not in pv and bool(pv)
    print_table("options/s, wall clock", build_rows(mm, pv, ql_res, tree_steps, 0, inter))
    print_table(
        "options per CPU-second (all threads)", build_rows(mm, pv, ql_res, tree_steps, 1, inter)
    )
    print(
        "Wall clock is what a caller sees; per CPU-second divides by the CPU time the process\n"
        "got (mmdesk runs on all cores, the peers on one), which corrects for other load."
    )
    print("py_vollib_vectorized:", "ok" if pv_ok else pv.get("error", "skipped (--no-peers)"))
    if "ours" in inter:
        ratios = [p[0] / o[0] for o, p in zip(inter["ours"], inter["theirs"], strict=True)]
        print(
            f"  interleaved rounds: wall-clock ratio per round min {min(ratios):.1f}x, "
            f"median {float(np.median(ratios)):.1f}x, max {max(ratios):.1f}x"
        )
    elif "error" in inter:
        print(f"  interleaved rounds: {inter['error']}")
    if pv_ok:
        print(
            "  'price + 8 greeks' peer rate = N / (time of get_all_greeks + time of "
            "vectorized_black_scholes_merton);\n"
            "  it returns 5 greeks (delta, gamma, theta, rho, vega)."
        )
        d = np.array(pv["delta_head"])
        p = np.array(pv["price_head"])
        m = len(d)
        print(
            f"  same inputs check (first {m}): max |price diff| "
            f"{np.max(np.abs(p - mm['price'][:m])):.2e}, max |delta diff| "
            f"{np.max(np.abs(d - mm['delta'][:m])):.2e}"
        )
    if "error" in ql_res:
        print("QuantLib:", ql_res["error"])
    else:
        print(
            "QuantLib: one option per Python call, timed on the first options of the same inputs "
            "(counts in the QuantLib column); 'price + 8 greeks' = NPV + delta, gamma, vega, "
            "theta, rho."
        )
    for key in ("iv_error", "american_error"):
        if key in mm:
            print(f"mmdesk {key.split('_')[0]}: {mm[key]}")
    for method, entry in mm["american"].items():
        if not isinstance(entry, tuple):
            print(f"mmdesk American {method}: {entry}")
    if "iv" in mm:
        finite = np.isfinite(mm["iv"])
        err = np.abs(mm["iv"][finite] - inp["vol"][finite])
        print(
            f"mmdesk implied vol round trip: {finite.mean():.4%} finite, "
            f"median |vol error| {np.median(err):.1e} (large errors are options whose price "
            "carries no vol information, e.g. deep ITM with vega below the price's last bit)"
        )


if __name__ == "__main__":
    main()

"""American options: agreement with QuantLib on large random grids, and throughput.

Run ``uv run python benchmarks/american.py`` (``--n`` options per QuantLib
comparison, default 2000).  Prints, per method:

* BAW and BJS 1993 vs QuantLib's BaroneAdesiWhaley / BjerksundStensland
  engines (max |diff|, max |diff| / max(1, price));
* the LR tree vs QuantLib's ``BinomialLRVanillaEngine`` at the same odd step
  count, European exercise (same lattice) and American exercise (where
  QuantLib's engine drops the payoff at expiry, ``fl(fl(T/n)·n) < T``, against
  the LR tree built that way: ``american_oracle.leisen_reimer_as_quantlib``);
* the tree (4001 steps) vs ``FdBlackScholesVanillaEngine`` (1600 x 1600):
  relative difference; and with cash dividends, each dividend model of the
  tree vs the FD engine's same model (Escrowed, Spot);
* options/s of american_price / american_greeks / american_implied_vol.

Times are days/365 and QuantLib uses Actual365Fixed, so both see the same T.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import QuantLib as ql

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pricing"))
from american_oracle import (
    TODAY,
    american_npv,
    bs_process,
    leisen_reimer_as_quantlib,
    quantlib_skips_terminal_payoff,
)

from mmdesk.pricing.american import (
    american_greeks,
    american_implied_vol,
    american_price,
)
from mmdesk.pricing.american.tree import lr_tree_one


def random_options(rng: np.random.Generator, n: int, min_rate: float = 0.0) -> list[dict]:
    return [
        {
            "spot": 100.0,
            "strike": float(rng.uniform(50.0, 150.0)),
            "days": int(rng.integers(1, 5 * 365)),
            "vol": float(rng.uniform(0.05, 1.0)),
            "rate": float(rng.uniform(min_rate, 0.10)),
            "div_yield": float(rng.uniform(min_rate, 0.10)),
            "is_call": bool(rng.integers(2)),
        }
        for _ in range(n)
    ]


def ql_value(o: dict, engine: object) -> float:
    return american_npv(
        o["spot"], o["strike"], o["days"], o["vol"], o["rate"], o["div_yield"], o["is_call"],
        engine,  # type: ignore[arg-type]
    )  # fmt: skip


def ours(o: dict, method: str, **kw: object) -> float:
    return float(
        american_price(
            o["spot"], o["strike"], o["days"] / 365.0, o["vol"], o["rate"], o["div_yield"],
            o["is_call"], method, **kw,  # type: ignore[arg-type]
        )
    )  # fmt: skip


def closed_form_vs_quantlib(rng: np.random.Generator, n: int) -> None:
    for method, engine, min_rate in (
        ("baw", ql.BaroneAdesiWhaleyApproximationEngine, 0.0),
        ("bjs1993", ql.BjerksundStenslandApproximationEngine, -0.02),
    ):
        worst_abs = worst_rel = 0.0
        refused = 0
        for o in random_options(rng, n, min_rate):
            try:
                theirs = ql_value(o, engine)
            except RuntimeError:
                refused += 1
                continue
            diff = abs(ours(o, method) - theirs)
            worst_abs = max(worst_abs, diff)
            worst_rel = max(worst_rel, diff / max(1.0, theirs))
        print(
            f"{method:8s} vs QuantLib ({n} options, {refused} refused by QuantLib): "
            f"max |diff| {worst_abs:.2e}, max |diff|/max(1,price) {worst_rel:.2e}"
        )


def tree_vs_quantlib(rng: np.random.Generator, n: int) -> None:
    empty = np.empty(0)
    eu_worst = am_worst = 0.0
    disagree = dropped = ours_above = 0
    dropped_worst = 0.0
    for o in random_options(rng, n):
        steps = int(rng.choice([51, 101, 201, 401]))
        args = (o["spot"], o["strike"], o["days"] / 365.0, o["vol"], o["rate"], o["div_yield"],
                o["is_call"], steps, empty, empty)  # fmt: skip
        process = bs_process(o["spot"], o["vol"], o["rate"], o["div_yield"])
        kind = ql.Option.Call if o["is_call"] else ql.Option.Put
        eu = ql.VanillaOption(
            ql.PlainVanillaPayoff(kind, o["strike"]), ql.EuropeanExercise(TODAY + o["days"])
        )
        eu.setPricingEngine(ql.BinomialLRVanillaEngine(process, steps))
        theirs_eu = eu.NPV()
        eu_worst = max(
            eu_worst,
            abs(lr_tree_one(*args, False, np.empty(3)) - theirs_eu) / max(1.0, theirs_eu),
        )
        mine = lr_tree_one(*args, True, np.empty(3))
        theirs = ql_value(o, lambda p, s=steps: ql.BinomialLRVanillaEngine(p, s))
        rel = abs(mine - theirs) / max(1.0, theirs)
        if not quantlib_skips_terminal_payoff(o["days"], steps):
            am_worst = max(am_worst, rel)
            disagree += rel > 1e-10
            continue
        # QuantLib drops the payoff at expiry here (american_oracle): compare with
        # the LR tree built the same way.
        dropped += 1
        as_ql = leisen_reimer_as_quantlib(*args[:2], o["days"], *args[3:8])
        dropped_worst = max(dropped_worst, abs(as_ql - theirs) / max(1.0, theirs))
        ours_above += mine >= theirs
    print(
        f"tree     vs QuantLib LR ({n} options, same odd steps): European exercise max rel "
        f"{eu_worst:.2e}; American, where QuantLib keeps the expiry payoff: "
        f"{n - dropped - disagree}/{n - dropped} agree to 1e-10 rel (max rel {am_worst:.2e}); "
        f"where it drops it (fl(fl(T/n)*n) < T: {dropped} options) QuantLib = LR without "
        f"the expiry payoff to max rel {dropped_worst:.2e}, ours >= QuantLib in {ours_above}"
    )


def tree_vs_fd(rng: np.random.Generator, n: int) -> None:
    worst = 0.0
    for o in random_options(rng, n):
        o["strike"] = float(rng.uniform(80.0, 125.0))
        o["vol"] = float(rng.uniform(0.1, 0.6))
        o["days"] = int(rng.integers(30, 2 * 365))
        fd = ql_value(
            o,
            lambda p: ql.FdBlackScholesVanillaEngine(p, 1600, 1600, 0, ql.FdmSchemeDesc.Douglas()),
        )
        worst = max(worst, abs(ours(o, "tree", steps=4001) - fd) / fd)
    print(f"tree(4001) vs FD(1600x1600), {n} options: max rel diff {worst:.2e}")


def dividends_vs_fd(rng: np.random.Generator, n: int) -> None:
    worst_escrowed = worst_spot = model_gap = 0.0
    for _ in range(n):
        o = {
            "spot": 100.0, "strike": float(rng.uniform(85.0, 115.0)),
            "days": int(rng.integers(60, 730)), "vol": float(rng.uniform(0.15, 0.5)),
            "rate": float(rng.uniform(0.0, 0.08)), "div_yield": 0.0,
            "is_call": bool(rng.integers(2)),
        }  # fmt: skip
        div_days = sorted({int(d) for d in rng.integers(5, o["days"] - 1, 3)})
        amounts = [float(a) for a in rng.uniform(0.5, 2.5, len(div_days))]
        process = bs_process(o["spot"], o["vol"], o["rate"], 0.0)
        kind = ql.Option.Call if o["is_call"] else ql.Option.Put
        values = {}
        for model in ("Escrowed", "Spot"):
            option = ql.VanillaOption(
                ql.PlainVanillaPayoff(kind, o["strike"]),
                ql.AmericanExercise(TODAY, TODAY + o["days"]),
            )
            option.setPricingEngine(
                ql.FdBlackScholesVanillaEngine(
                    process, ql.DividendVector([TODAY + d for d in div_days], amounts),
                    1600, 1600, 0, ql.FdmSchemeDesc.Douglas(), False, -ql.nullDouble(),
                    getattr(ql.FdBlackScholesVanillaEngine, model),
                )
            )  # fmt: skip
            values[model] = option.NPV()
        divs = (np.array(div_days) / 365.0, amounts)
        tree = ours(o, "tree", steps=4001, dividends=divs)
        tree_spot = ours(o, "tree", steps=4001, dividends=divs, dividend_model="spot")
        worst_escrowed = max(worst_escrowed, abs(tree - values["Escrowed"]) / values["Escrowed"])
        worst_spot = max(worst_spot, abs(tree_spot - values["Spot"]) / values["Spot"])
        model_gap = max(model_gap, abs(tree - tree_spot) / tree_spot)
    print(
        f"tree(4001) with 1-3 cash dividends vs FD(1600), {n} options: escrowed model max rel "
        f"diff {worst_escrowed:.2e}; spot model {worst_spot:.2e}; the two models differ by up "
        f"to {model_gap:.2e}"
    )


def throughput(rng: np.random.Generator) -> None:
    def timed(fn: object, n: int) -> float:
        fn()  # type: ignore[operator]
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        return n / (time.perf_counter() - start)

    for method, n in (("baw", 200_000), ("bjs2002", 50_000), ("bjs1993", 200_000), ("tree", 5_000)):
        spot = rng.uniform(80.0, 120.0, n)
        t = rng.uniform(0.02, 2.0, n)
        vol = rng.uniform(0.1, 0.6, n)
        is_call = rng.random(n) < 0.5
        args = (spot, 100.0, t, vol, 0.04, 0.015, is_call, method)
        price = american_price(*args)
        p_rate = timed(lambda a=args: american_price(*a), n)
        m = max(n // 10, 500)
        g_args = (spot[:m], 100.0, t[:m], vol[:m], 0.04, 0.015, is_call[:m], method)
        g_rate = timed(lambda a=g_args: american_greeks(*a), m)
        iv_args = (price[:m], spot[:m], 100.0, t[:m], 0.04, 0.015, is_call[:m], method)
        iv_rate = timed(lambda a=iv_args: american_implied_vol(*a), m)
        print(
            f"{method:8s} price {p_rate:12,.0f}/s   price+8 greeks {g_rate:10,.0f}/s   "
            f"implied vol {iv_rate:10,.0f}/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="options per QuantLib comparison")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    closed_form_vs_quantlib(rng, args.n)
    tree_vs_quantlib(rng, max(args.n // 4, 50))
    tree_vs_fd(rng, max(args.n // 40, 10))
    dividends_vs_fd(rng, max(args.n // 200, 5))
    throughput(rng)


if __name__ == "__main__":
    main()

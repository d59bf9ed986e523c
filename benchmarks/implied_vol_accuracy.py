"""Issue 2 implied-vol acceptance on 1,000,000 random options, plus a quick throughput figure.

Run: ``uv run python benchmarks/implied_vol_accuracy.py [--n N] [--seed S] [--exact M]``
(defaults: 1,000,000 options, seed 20261121, 20,000 of them also priced by mpmath).

The rule (see :mod:`mmdesk.pricing.iv_accuracy` and ``docs/implied_vol.md``):
every option whose price carries vol information (4·ε·price/vega < 1e-10, price
and normalised price normal doubles) comes back within that bound + 1e-14;
every other one is NaN with a reason or within the bound (never a wrong finite
number). Runs: on prices from the accurate normalised Black function (the
acceptance); on ``--exact`` options priced by mpmath at the same double
x = ln(S_q/K_r), s = σ√T (a perfect pricer); and on prices from
``mmdesk.pricing.bs_price`` (which shows how far that pricer's own rounding is
from ε·price).
"""

from __future__ import annotations

import argparse
import math
import time

import mpmath as mp
import numpy as np

from mmdesk.pricing import bs_price
from mmdesk.pricing.implied_vol import implied_vol_with_reason
from mmdesk.pricing.iv_accuracy import (
    AccuracyReport,
    RandomOptions,
    check_accuracy,
    random_options,
    reference_bs_price,
)
from mmdesk.pricing.iv_reason import IVReason


def _print_report(title: str, report: AccuracyReport) -> None:
    print(f"\n{title}")
    print(f"  options                               {report.n:>10,}")
    print(f"  carry vol information                 {report.n_information:>10,}")
    print(f"    ... outside bound + 1e-14 (FAIL)    {report.n_information_failed:>10,}")
    print(f"  carry no vol information              {report.n_no_information:>10,}")
    print(f"    ... NaN with a reason               {report.n_no_information_nan:>10,}")
    print(f"  wrong finite vols (FAIL)              {report.n_wrong_finite:>10,}")
    print(f"  max |vol - σ| / (bound + 1e-14)       {report.max_error_over_bound:>10.3g}")
    reasons = ", ".join(f"{IVReason(k).name}={v:,}" for k, v in report.reason_counts.items())
    print(f"  reasons: {reasons}")
    print(f"  verdict: {'PASS' if report.passed else 'FAIL'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--exact", type=int, default=20_000, help="options priced by mpmath")
    args = parser.parse_args()

    options = random_options(np.random.default_rng(args.seed), args.n)
    price, vega = reference_bs_price(options)
    inputs = (options.spot, options.strike, options.t, options.rate, options.div_yield)
    implied_vol_with_reason(price[:10], *(a[:10] for a in inputs), options.is_call[:10])  # jit

    timings = []
    for _ in range(3):
        start, cpu = time.perf_counter(), time.process_time()
        vol, reason = implied_vol_with_reason(price, *inputs, options.is_call)
        timings.append((time.perf_counter() - start, time.process_time() - cpu))
    wall, cpu = min(timings)
    print(
        f"implied_vol on {args.n:,} options: best of 3 {wall:.3f} s wall = "
        f"{args.n / wall / 1e6:.2f} M/s; {cpu / args.n * 1e9:.0f} ns CPU per option "
        "(all threads; wall-clock depends on the machine's load)"
    )

    reference = check_accuracy(options, price, vega, np.asarray(vol), np.asarray(reason))
    _print_report("Prices from the normalised Black function (acceptance):", reference)

    exact_passed = True
    if args.exact > 0:
        sub = type(options)(*(a[: args.exact] for a in options))
        exact = _exact_prices(sub)
        vol_e, reason_e = implied_vol_with_reason(exact, *sub[:3], *sub[4:])
        exact_report = check_accuracy(
            sub, exact, vega[: args.exact], np.asarray(vol_e), np.asarray(reason_e)
        )
        _print_report(
            "Prices from mpmath at the kernel's double x and s (perfect pricer):", exact_report
        )
        exact_passed = exact_report.passed

    project_price = np.asarray(bs_price(*inputs[:3], options.vol, *inputs[3:], options.is_call))
    vol2, reason2 = implied_vol_with_reason(project_price, *inputs, options.is_call)
    project = check_accuracy(options, project_price, vega, np.asarray(vol2), np.asarray(reason2))
    _print_report("Prices from mmdesk.pricing.bs_price (pricer rounding included):", project)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(project_price - price) / price
    eps = np.finfo(np.float64).eps
    ok = np.isfinite(rel)
    print(
        f"  bs_price vs normalised Black: median {np.median(rel[ok]) / eps:.1f} ε, "
        f"{np.mean(rel[ok] > 4 * eps):.1%} of prices off by more than 4 ε"
    )
    return 0 if reference.passed and exact_passed else 1


def _exact_prices(options: RandomOptions) -> np.ndarray:
    """Black prices at 40 digits of the doubles x = ln(S_q/K_r), s = σ√T, sqrt(S_q·K_r)."""
    out = np.empty(options.spot.size)
    with mp.workdps(40):
        for i in range(out.size):
            sq = options.spot[i] * math.exp(-options.div_yield[i] * options.t[i])
            kr = options.strike[i] * math.exp(-options.rate[i] * options.t[i])
            x = mp.mpf(math.log(sq / kr))
            s = mp.mpf(options.vol[i] * math.sqrt(options.t[i]))
            th = 1 if options.is_call[i] else -1
            b = th * (
                mp.exp(x / 2) * mp.ncdf(th * (x / s + s / 2))
                - mp.exp(-x / 2) * mp.ncdf(th * (x / s - s / 2))
            )
            out[i] = float(mp.mpf(math.sqrt(sq) * math.sqrt(kr)) * b)
    return out


if __name__ == "__main__":
    raise SystemExit(main())

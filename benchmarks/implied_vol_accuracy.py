"""Issue 2 implied-vol acceptance on 1,000,000 random options, plus a quick throughput figure.

Run: ``uv run python benchmarks/implied_vol_accuracy.py [--n 1000000] [--seed 20261121]``

The rule (see :mod:`mmdesk.pricing.iv_accuracy` and ``docs/implied_vol.md``):
every option whose price carries vol information (4·ε·price/vega < 1e-10, price
and normalised price normal doubles) comes back within that bound + 1e-14;
every other one is NaN with a reason or within the bound (never a wrong finite
number). Run twice: on prices from the accurate normalised Black function
(the acceptance), and on prices from ``mmdesk.pricing.bs_price`` (which shows
how far that pricer's own rounding is from ε·price).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mmdesk.pricing import bs_price
from mmdesk.pricing.implied_vol import implied_vol_with_reason
from mmdesk.pricing.iv_accuracy import (
    AccuracyReport,
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
    args = parser.parse_args()

    options = random_options(np.random.default_rng(args.seed), args.n)
    price, vega = reference_bs_price(options)
    inputs = (options.spot, options.strike, options.t, options.rate, options.div_yield)
    implied_vol_with_reason(price[:10], *(a[:10] for a in inputs), options.is_call[:10])  # jit

    timings = []
    for _ in range(3):
        start = time.perf_counter()
        vol, reason = implied_vol_with_reason(price, *inputs, options.is_call)
        timings.append(time.perf_counter() - start)
    best = min(timings)
    print(
        f"implied_vol on {args.n:,} options: best of 3 {best:.3f} s = {args.n / best / 1e6:.2f} M/s"
    )

    reference = check_accuracy(options, price, vega, np.asarray(vol), np.asarray(reason))
    _print_report("Prices from the normalised Black function (acceptance):", reference)

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
    return 0 if reference.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())

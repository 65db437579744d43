"""The command line of the `simulate` benchmark: select the cases, run each in its own
process, write the report."""

import argparse
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp

from .. import _harness as harness
from .._setup import (
    BURN_IN_DAYS,
    CHUNK_PERIOD,
    FEES,
    FULL_BOUT_DAYS,
    MIN_BOUT_DAYS,
    N_ASSETS,
    OBJECTIVE_NAME,
    QUICK_BOUT_DAYS,
    SEED,
    scaled_days,
)
from ._cases import (
    ASSETS_VARIATIONS,
    BASE_DTYPE,
    DAYS_VARIATIONS,
    FEE_POPULATION_DAYS,
    POPULATION_VARIATIONS,
    Case,
    Row,
    matches,
    parse_filters,
    sweep_cases,
)
from ._measure import in_subprocess, run_case
from ._report import markdown_report, progress_line
from ._targets import target_checks

DESCRIPTION = (
    "Benchmark quantamm_eqx.simulate and the value-and-grad of the training objective "
    "(no-fee and fee paths, the registry's three pools, base case and sweep)."
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = harness.parser(
        "benchmarks.simulate",
        DESCRIPTION,
        quick=f"bouts scaled by {QUICK_BOUT_DAYS}/{FULL_BOUT_DAYS} (a {QUICK_BOUT_DAYS}-day "
        "base bout) and 2 timed runs per function",
    )
    selection = parser.add_mutually_exclusive_group()
    selection.add_argument(
        "--sweep",
        action="store_true",
        help="the base case and its one-factor variations for every pool and path (default)",
    )
    selection.add_argument(
        "--base", action="store_true", help="only the base case of every pool and path"
    )
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="KEY=VALUE[,VALUE]",
        help="keep the cases matching (repeatable); keys: pool, path, days, assets, "
        "population, dtype, vary (base, days, assets, population, dtype); pools by their "
        "registry names (momentum, anti_momentum, mean_reversion_channel) or the aliases "
        "anti-momentum and channel",
    )
    parser.add_argument(
        "--list", action="store_true", help="print the selected cases and exit, measuring none"
    )
    parser.add_argument(
        "--fee-population-days",
        type=int,
        default=FEE_POPULATION_DAYS,
        help=f"bout (days) of the fee path's population cases (default {FEE_POPULATION_DAYS}; "
        "scaled like every bout with --quick)",
    )
    parser.add_argument(
        "--case",
        default=None,
        help="internal: measure one case, POOL:PATH[:days=90,assets=3,population=1,"
        "dtype=float64] or `baseline`, in this process and write it to --json-out",
    )
    parser.add_argument("--json-out", type=Path, default=None, help="internal: see --case")
    return parser.parse_args(argv)


def measure_one(args: argparse.Namespace, runs: int, base_days: int) -> int:
    """`--case`: measure one case in this process."""
    if args.json_out is None:
        raise SystemExit("--case needs --json-out")
    case = None
    if args.case != "baseline":
        try:
            case = Case.parse(args.case, base_days)
        except ValueError as error:
            raise SystemExit(f"--case {args.case!r}: {error}") from None
    return run_case(case, runs, base_days, args.json_out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every selected case in its own process, print the tables, write the results."""
    args = parse_args(argv)
    runs = harness.runs_from(args)
    if args.fee_population_days < MIN_BOUT_DAYS:
        raise SystemExit(f"--fee-population-days must be at least {MIN_BOUT_DAYS}")
    base_days = scaled_days(FULL_BOUT_DAYS, args.quick)
    if args.case is not None:
        return measure_one(args, runs, base_days)

    jax.config.update("jax_enable_x64", True)
    filters = parse_filters(args.filter)
    if args.base:
        filters["vary"] = filters.get("vary", {"base"}) & {"base"}
    cases = [
        case
        for case in sweep_cases(args.quick, args.fee_population_days)
        if matches(case, filters, base_days)
    ]
    if not cases:
        raise SystemExit(f"no case matches the filters {args.filter}")
    if args.list:
        print("\n".join(case.spec() for case in cases))
        return 0

    machine = harness.machine_info(jnp.float64)
    date = harness.now()
    print(f"Machine: {harness.describe_machine(machine)}", flush=True)
    print(f"{len(cases)} cases", flush=True)
    rows: list[Row] = []
    failures: list[dict[str, str]] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="simulate-bench-") as workdir:
        baseline_kib = in_subprocess("baseline", runs, args.quick, Path(workdir))["peak_rss_kib"]
        print(f"  baseline process: peak RSS {harness.mb(baseline_kib):.0f} MB", flush=True)
        for index, case in enumerate(cases, start=1):
            try:
                row: Row = in_subprocess(case.spec(), runs, args.quick, Path(workdir))  # type: ignore[assignment]
            except subprocess.CalledProcessError as error:
                failures.append({"case": case.spec(), "error": f"exit status {error.returncode}"})
                print(f"  [{index:>2}/{len(cases)}] {case.spec()}: FAILED", flush=True)
                continue
            rows.append(row)
            print(progress_line(index, len(cases), row, time.perf_counter() - start), flush=True)
    wall_s = time.perf_counter() - start

    population_days = {
        "no-fee": base_days,
        "fee": scaled_days(args.fee_population_days, args.quick),
    }
    report: dict[str, Any] = {
        "benchmark": "quantamm_eqx.simulate",
        "objective": f'quantamm_eqx.metrics.OBJECTIVES["{OBJECTIVE_NAME}"]',
        "date": date,
        "wall_s": wall_s,
        "machine": machine,
        "seed": SEED,
        "chunk_period": CHUNK_PERIOD,
        "burn_in_days": BURN_IN_DAYS,
        "base_days": base_days,
        "base_assets": N_ASSETS,
        "base_dtype": BASE_DTYPE,
        "days_variations": [scaled_days(days, args.quick) for days in DAYS_VARIATIONS],
        "assets_variations": list(ASSETS_VARIATIONS),
        "population_variations": list(POPULATION_VARIATIONS),
        "population_days": population_days,
        "fees": FEES,
        "quick": args.quick,
        "runs": runs,
        "slow_warmup_s": harness.SLOW_WARMUP_S,
        "slow_runs": harness.SLOW_RUNS,
        "selection": {"base_only": args.base, "filters": args.filter},
        "baseline_rss_kib": baseline_kib,
        "rows": rows,
        "failures": failures,
    }
    report["targets"] = target_checks(
        rows, base_days, max(report["days_variations"]), population_days["no-fee"]
    )
    harness.write_results(args.out, "simulate", report, markdown_report(report))
    return 1 if failures else 0

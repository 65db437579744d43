"""Peak resident memory of one compiled `simulate` function per process.

`python -m benchmarks.simulate` compiles the forward and the value-and-grad in the same
process, so its peak holds both compilations. This script measures each function alone, as
a process that only evaluates (forward) or only trains (value-and-grad) pays: for each pool,
path and function of the base case (float64, 3 assets, 90-day bout, chunk 60;
`benchmarks._setup`), a fresh process compiles the function, calls it three times (`--runs`)
and reports `ru_maxrss`. The functions are those `benchmarks.simulate` times: the forward,
`quantamm_eqx.simulate(...).values`, and the value-and-grad of
`quantamm_eqx.metrics.OBJECTIVES["daily_log_sharpe"]`.

Results go to `<out>/memory.json` and `<out>/memory.md` (default `benchmarks/results/`),
written atomically; the table is printed too.

Usage (from the repository root): `python -m benchmarks.memory [--quick] [--days 90]
[--pools momentum,anti_momentum,mean_reversion_channel] [--paths no-fee,fee] [--runs 3]`.
"""

from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp

from . import _harness as harness
from ._setup import (
    FULL_BOUT_DAYS,
    MIN_BOUT_DAYS,
    N_ASSETS,
    OBJECTIVE_NAME,
    PATHS,
    POOL_NAMES,
    QUICK_BOUT_DAYS,
    bout_prices,
    make_config,
    make_population,
    pool_key,
    timed_functions,
)

FUNCTIONS = ("forward", "value-and-grad")
#: Calls of the compiled function in its process (`--runs`).
CALLS = 3


def measure(pool_name: str, path: str, function: str, days: int, calls: int) -> int:
    """In this process: compile and run one function of the case; its peak RSS, KiB."""
    prices = bout_prices(days, N_ASSETS, jnp.float64)
    pool = make_population(pool_name, N_ASSETS, 1, jnp.float64)
    forward, objective = timed_functions(make_config(path), days)  # type: ignore[arg-type]
    target = forward if function == "forward" else eqx.filter_value_and_grad(objective)
    compiled = eqx.filter_jit(target)
    for _ in range(calls):
        jax.block_until_ready(compiled(pool, prices))
    return harness.max_rss_kib()


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every (pool, path, function) in its own process; print and write the table."""
    parser = harness.parser(
        "benchmarks.memory",
        "Peak resident memory of one compiled simulate function per process.",
        quick=f"a {QUICK_BOUT_DAYS}-day bout",
        runs_help=f"calls of each compiled function in its process (default {CALLS})",
    )
    parser.add_argument(
        "--days", type=int, default=None, help=f"bout, days (default {FULL_BOUT_DAYS})"
    )
    parser.add_argument(
        "--pools", default=",".join(POOL_NAMES), help="comma-separated registry names"
    )
    parser.add_argument("--paths", default=",".join(PATHS), help="comma-separated")
    parser.add_argument("--case", default=None, help="internal: POOL:PATH:FUNCTION")
    args = parser.parse_args(argv)
    days = args.days or (QUICK_BOUT_DAYS if args.quick else FULL_BOUT_DAYS)
    if days < MIN_BOUT_DAYS:
        raise SystemExit(f"--days must be at least {MIN_BOUT_DAYS}")
    calls = CALLS if args.runs is None else args.runs
    if calls < 1:
        raise SystemExit("--runs must be at least 1")
    jax.config.update("jax_enable_x64", True)
    if args.case is not None:
        print(measure(*args.case.split(":"), days=days, calls=calls))
        return 0
    try:
        pools = [pool_key(name) for name in harness.comma_list(args.pools)]
    except ValueError as error:
        raise SystemExit(f"--pools: {error}") from None
    paths = harness.comma_list(args.paths)
    if not set(paths) <= set(PATHS):
        raise SystemExit(f"--paths: expected some of {PATHS}; got {args.paths!r}")

    machine = harness.machine_info(jnp.float64)
    date = harness.now()
    print(f"Machine: {harness.describe_machine(machine)}", flush=True)
    table = [
        "| pool | path | forward alone (MB) | value-and-grad alone (MB) |",
        "|---|---|---:|---:|",
    ]
    rows = []
    for pool_name in pools:
        for path in paths:
            peaks = {}
            for function in FUNCTIONS:
                spec = f"{pool_name}:{path}:{function}"
                output = harness.run_module(
                    "benchmarks.memory",
                    ["--case", spec, "--days", str(days), "--runs", str(calls)],
                    capture=True,
                )
                peaks[function] = int(output.stdout.split()[-1])
            rows.append({"pool": pool_name, "path": path, "peak_rss_kib": peaks})
            cells = " | ".join(f"{harness.mb(peaks[function]):.0f}" for function in FUNCTIONS)
            table.append(f"| {pool_name} | {path} | {cells} |")
            print(table[-1], flush=True)
    markdown = (
        "# Peak memory of each compiled function alone\n\n"
        + harness.header_lines(machine, date)
        + f"- {N_ASSETS} assets, a {days}-day bout, float64; each function compiled and called "
        f"{calls} times in its own process; value-and-grad of `{OBJECTIVE_NAME}`; "
        "MB = 10^6 bytes.\n\n" + "\n".join(table) + "\n"
    )
    report = {
        "benchmark": "peak memory per compiled simulate function",
        "date": date,
        "machine": machine,
        "days": days,
        "n_assets": N_ASSETS,
        "calls": calls,
        "objective": OBJECTIVE_NAME,
        "rows": rows,
    }
    harness.write_results(args.out, "memory", report, markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

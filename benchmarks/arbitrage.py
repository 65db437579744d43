"""Time the fee path's two arbitrage rules, `SimulationConfig(arbitrage="exact")` (the default)
and `"reference"` (quantammsim's rule, transcribed), in float64 and float32.

The fee path of the `simulate` benchmark's base case (`benchmarks._setup`: 3 assets, a 90-day
bout after a 10-day burn-in, chunk 60, `fees=0.003`, seeded GBM prices): for each pool, rule
and precision, the compile time and the median of `--runs` calls of the forward
(`quantamm_eqx.simulate(...).values`) and of the value-and-grad of the objective `fit` takes
by default, `quantamm_eqx.metrics.OBJECTIVES["daily_log_sharpe"]`, and the objective's
value. float32 runs with `jax_enable_x64` on and float32 prices and pool, which is what
`simulate` computes in.

Results go to `<out>/arbitrage.json` and `<out>/arbitrage.md` (default
`benchmarks/results/`), written atomically; the table is printed too.

Usage (from the repository root): `python -m benchmarks.arbitrage [--runs 5] [--days 90]
[--pools momentum,anti_momentum,mean_reversion_channel]`.
"""

from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from . import _harness as harness
from ._setup import (
    FEES,
    FULL_BOUT_DAYS,
    MIN_BOUT_DAYS,
    N_ASSETS,
    OBJECTIVE_NAME,
    POOL_NAMES,
    QUICK_BOUT_DAYS,
    bout_prices,
    make_config,
    make_population,
    pool_key,
    timed_functions,
)

RULES = ("exact", "reference")
DTYPES = ("float64", "float32")
HEADER = (
    "| pool | rule | precision | compile fwd (s) | fwd (ms) | v&g (ms) "
    "| fwd vs exact float64 | objective |\n"
    "|---|---|---|---:|---:|---:|---:|---:|"
)


def measure(pool_name: str, rule: str, dtype: str, days: int, runs: int) -> dict[str, Any]:
    """Compile and time the forward and value-and-grad of one case."""
    prices = bout_prices(days, N_ASSETS, dtype)
    pool = make_population(pool_name, N_ASSETS, 1, jnp.dtype(dtype))
    forward, objective = timed_functions(make_config("fee", arbitrage=rule), days)

    compiled_forward, compile_s = harness.compile_timed(forward, pool, prices)
    _, fwd = harness.warm_and_time(lambda: compiled_forward(pool, prices), runs)
    compiled_grad, compile_grad_s = harness.compile_timed(
        eqx.filter_value_and_grad(objective), pool, prices
    )
    (value, _), grad = harness.warm_and_time(lambda: compiled_grad(pool, prices), runs)
    return {
        "pool": pool_name,
        "rule": rule,
        "dtype": dtype,
        "compile_s": compile_s,
        "compile_grad_s": compile_grad_s,
        "forward_s": fwd["median_s"],
        "forward_min_s": fwd["min_s"],
        "forward_runs": fwd["runs"],
        "grad_s": grad["median_s"],
        "grad_min_s": grad["min_s"],
        "grad_runs": grad["runs"],
        "objective": float(value),
    }


def table_row(row: dict[str, Any], baseline: dict[str, Any]) -> str:
    """One row of the table."""
    return (
        f"| {row['pool']} | {row['rule']} | {row['dtype']} | {row['compile_s']:.2f} "
        f"| {row['forward_s'] * 1e3:.1f} | {row['grad_s'] * 1e3:.1f} "
        f"| {row['forward_s'] / baseline['forward_s']:.2f} | {row['objective']:.6g} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Time every pool, rule and precision in this process; print and write the table."""
    parser = harness.parser(
        "benchmarks.arbitrage",
        "Time the fee path's two arbitrage rules in float64 and float32.",
        quick=f"a {QUICK_BOUT_DAYS}-day bout and 2 timed runs",
    )
    parser.add_argument(
        "--days", type=int, default=None, help=f"bout, days (default {FULL_BOUT_DAYS})"
    )
    parser.add_argument(
        "--pools", default=",".join(POOL_NAMES), help="comma-separated registry names"
    )
    args = parser.parse_args(argv)
    runs = harness.runs_from(args)
    days = args.days or (QUICK_BOUT_DAYS if args.quick else FULL_BOUT_DAYS)
    if days < MIN_BOUT_DAYS:
        raise SystemExit(f"--days must be at least {MIN_BOUT_DAYS}")
    try:
        pools = [pool_key(name) for name in harness.comma_list(args.pools)]
    except ValueError as error:
        raise SystemExit(f"--pools: {error}") from None
    jax.config.update("jax_enable_x64", True)

    machine = harness.machine_info(jnp.float64)
    date = harness.now()
    setting = (
        f"- {days}-day bout, {N_ASSETS} assets, fees {FEES}; objective `{OBJECTIVE_NAME}`; "
        f"median of {runs} runs after a warm-up call; float32 rows in float32.\n"
    )
    print(harness.header_lines(machine, date) + setting)
    print(HEADER, flush=True)
    rows, lines = [], []
    for pool_name in pools:
        baseline = None  # the exact rule in float64, measured first
        for rule in RULES:
            for dtype in DTYPES:
                row = measure(pool_name, rule, dtype, days, runs)
                baseline = baseline or row
                rows.append(row)
                lines.append(table_row(row, baseline))
                print(lines[-1], flush=True)
    markdown = (
        "# The two arbitrage rules\n\n"
        + harness.header_lines(machine, date)
        + setting
        + "\n"
        + HEADER
        + "\n"
        + "\n".join(lines)
        + "\n"
    )
    report = {
        "benchmark": "arbitrage rules of the fee path",
        "date": date,
        "machine": machine,
        "days": days,
        "n_assets": N_ASSETS,
        "fees": FEES,
        "runs": runs,
        "objective": OBJECTIVE_NAME,
        "rows": rows,
    }
    harness.write_results(args.out, "arbitrage", report, markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark the EWMA price-gradient estimator, `quantamm_eqx.estimators.ewma_gradients`.

For each evaluation method (`"scan"`, `"associative"`) and each coarse series length, this
script measures

- the compile time: wall time of `jax.jit(...).lower(prices, lamb).compile()` (tracing,
  lowering and XLA compilation together), and
- the run time: the median (and minimum) over `--runs` calls of the compiled function, each
  ended with `jax.block_until_ready`, after one untimed warm-up call.

Prices are seeded synthetic geometric Brownian motion for three assets. Precision is float64
unless `--float32` is given; it is switched on inside `main()`, never at import.

Results go to `<out>/estimators.json` and `<out>/estimators.md` (default
`benchmarks/results/`), each written atomically.

Usage (from the repository root): `python -m benchmarks.run [--quick] [--float32]`, or
`nox -s bench -- [--quick]`.
"""

from collections.abc import Sequence
from typing import Any, TypedDict

import jax
import jax.numpy as jnp

from quantamm_eqx.estimators import Method, ewma_gradients
from quantamm_eqx.transforms import memory_days_to_lamb

from . import _harness as harness

#: Coarse series lengths: 90 days of daily prices, 3 months / a year of hourly prices, and
#: a year of minute prices.
FULL_LENGTHS = (90, 2190, 8760, 525600)
QUICK_LENGTHS = (90, 2190)
METHODS: tuple[Method, ...] = ("scan", "associative")
N_ASSETS = 3
SEED = 0
#: Minutes between coarse prices assumed when turning memory lengths into decays.
CHUNK_PERIOD = 60
#: One memory length (days) per asset.
MEMORY_DAYS = (7.0, 30.0, 90.0)
DESCRIPTION = "Benchmark quantamm_eqx.estimators.ewma_gradients (scan and associative)."


class Row(TypedDict):
    """One measurement: a method at a series length."""

    method: Method
    length: int
    compile_s: float
    run_median_s: float
    run_min_s: float
    runs: int


def bench_case(method: Method, length: int, runs: int, dtype: Any) -> Row:
    """Compile and time `ewma_gradients(prices, lamb, method=method)` at one length."""
    prices = harness.gbm_prices(length, N_ASSETS, SEED, dtype)
    lamb = memory_days_to_lamb(jnp.asarray(MEMORY_DAYS, dtype=dtype), CHUNK_PERIOD)

    def estimate(prices: jax.Array, lamb: jax.Array) -> jax.Array:
        return ewma_gradients(prices, lamb, method=method)

    compiled, compile_s = harness.compile_timed(estimate, prices, lamb, jit=jax.jit)
    _, timing = harness.warm_and_time(lambda: compiled(prices, lamb), runs, slow_warmup_s=None)
    return Row(
        method=method,
        length=length,
        compile_s=compile_s,
        run_median_s=timing["median_s"],
        run_min_s=timing["min_s"],
        runs=timing["runs"],
    )


def markdown_table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table (times in milliseconds)."""
    lines = [
        "| method | length | compile (ms) | run, median (ms) | run, min (ms) | per step (ns) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        per_step_ns = 1e9 * row["run_median_s"] / row["length"]
        lines.append(
            f"| `{row['method']}` | {row['length']:,} | {1e3 * row['compile_s']:.1f} "
            f"| {1e3 * row['run_median_s']:.3f} | {1e3 * row['run_min_s']:.3f} "
            f"| {per_step_ns:,.1f} |"
        )
    return "\n".join(lines) + "\n"


def markdown_report(rows: Sequence[Row], machine: dict[str, Any], date: str) -> str:
    """The Markdown results file: a heading, the machine, the date, the table."""
    return (
        "# `ewma_gradients` benchmark\n\n"
        + harness.header_lines(machine, date)
        + f"- {N_ASSETS} assets; median and minimum of {rows[0]['runs']} runs after a "
        "warm-up.\n\n" + markdown_table(rows)
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table and write the results files."""
    parser = harness.parser(
        "benchmarks.run", DESCRIPTION, quick=f"lengths {list(QUICK_LENGTHS)} and 2 timed runs each"
    )
    parser.add_argument(
        "--float32", action="store_true", help="benchmark in float32 (default: float64)"
    )
    args = parser.parse_args(argv)
    runs = harness.runs_from(args)
    if not args.float32:
        jax.config.update("jax_enable_x64", True)
    dtype = jnp.float32 if args.float32 else jnp.float64
    lengths = QUICK_LENGTHS if args.quick else FULL_LENGTHS

    machine = harness.machine_info(dtype)
    date = harness.now()
    print(f"Machine: {harness.describe_machine(machine)}", flush=True)
    rows = []
    for length in lengths:
        for method in METHODS:
            row = bench_case(method, length, runs, dtype)
            rows.append(row)
            print(
                f"  {method:>11} length {length:>7,}: compile {1e3 * row['compile_s']:8.1f} ms, "
                f"run {1e3 * row['run_median_s']:10.3f} ms",
                flush=True,
            )

    report = {
        "benchmark": "quantamm_eqx.estimators.ewma_gradients",
        "date": date,
        "machine": machine,
        "n_assets": N_ASSETS,
        "seed": SEED,
        "quick": args.quick,
        "rows": rows,
    }
    harness.write_results(args.out, "estimators", report, markdown_report(rows, machine, date))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

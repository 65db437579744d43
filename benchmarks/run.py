"""Benchmark the EWMA price-gradient estimator, `quantamm_eqx.estimators.ewma_gradients`.

For each evaluation method (`"scan"`, `"associative"`) and each coarse series length, this
script measures

- the compile time: wall time of `jax.jit(...).lower(prices, lamb).compile()` (tracing,
  lowering and XLA compilation together), and
- the run time: the median (and minimum) over `--runs` calls of the compiled function, each
  ended with `.block_until_ready()`, after one untimed warm-up call.

Prices are seeded synthetic geometric Brownian motion for three assets. Precision is float64
unless `--float32` is given; it is switched on inside `main()`, never at import.

Results go to `<out>/estimators.json` and `<out>/estimators.md` (default
`benchmarks/results/`), each written atomically: an interrupted run leaves the previous files
intact and no half-written file behind.

Usage (from the repository root): `python benchmarks/run.py [--quick] [--float32]`, or
`nox -s bench -- [--quick]`.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypedDict

import jax
import jax.numpy as jnp
import numpy as np

try:
    import quantamm_eqx  # noqa: F401
except ModuleNotFoundError:  # a source checkout without `pip install .`: use the tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quantamm_eqx.estimators import Method, ewma_gradients
from quantamm_eqx.transforms import memory_days_to_lamb

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
DEFAULT_OUT = Path(__file__).resolve().parent / "results"
DESCRIPTION = "Benchmark quantamm_eqx.estimators.ewma_gradients (scan and associative)."


class Row(TypedDict):
    """One measurement: a method at a series length."""

    method: Method
    length: int
    compile_s: float
    run_median_s: float
    run_min_s: float
    runs: int


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: lengths {list(QUICK_LENGTHS)} and 2 timed runs each",
    )
    parser.add_argument(
        "--float32", action="store_true", help="benchmark in float32 (default: float64)"
    )
    parser.add_argument(
        "--runs", type=int, default=None, help="timed runs per case (default: 5; 2 with --quick)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output directory (default: benchmarks/results)",
    )
    return parser.parse_args(argv)


def gbm_prices(n_steps: int, n_assets: int, seed: int, dtype: Any) -> jax.Array:
    """Seeded geometric Brownian motion prices, shape `(n_steps, n_assets)`, starting at 100."""
    rng = np.random.default_rng(seed)
    # Per coarse step; 1e-3 keeps a year of minute steps within a realistic price range.
    drift, volatility = 0.0, 1e-3
    shocks = rng.standard_normal((n_steps - 1, n_assets))
    log_returns = (drift - 0.5 * volatility**2) + volatility * shocks
    log_prices = np.vstack([np.zeros((1, n_assets)), np.cumsum(log_returns, axis=0)])
    return jnp.asarray(100.0 * np.exp(log_prices), dtype=dtype)


def cpu_model() -> str:
    """The CPU model name (from `/proc/cpuinfo` on Linux), else `platform.processor()`."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def machine_info(dtype: Any) -> dict[str, Any]:
    """What the numbers were measured on."""
    uname = platform.uname()
    device = jax.devices()[0]
    kind = device.device_kind
    return {
        "processor": cpu_model(),
        "uname": f"{uname.system} {uname.release} {uname.machine}",
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "device": device.platform
        if kind.lower() == device.platform
        else f"{device.platform} ({kind})",
        "dtype": jnp.dtype(dtype).name,
    }


def describe_machine(machine: dict[str, Any]) -> str:
    """A one-line description of the machine."""
    return (
        f"{machine['processor']}, {machine['cpu_count']} CPUs, {machine['uname']}; "
        f"Python {machine['python']}, JAX {machine['jax']} on {machine['device']}; "
        f"{machine['dtype']}"
    )


def time_calls(fn: Callable[[], jax.Array], runs: int) -> list[float]:
    """Wall times of `runs` calls of `fn`, each waited on with `block_until_ready`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn().block_until_ready()
        times.append(time.perf_counter() - start)
    return times


def bench_case(method: Method, length: int, runs: int, dtype: Any) -> Row:
    """Compile and time `ewma_gradients(prices, lamb, method=method)` at one length."""
    prices = gbm_prices(length, N_ASSETS, SEED, dtype)
    lamb = memory_days_to_lamb(jnp.asarray(MEMORY_DAYS, dtype=dtype), CHUNK_PERIOD)

    def estimate(prices: jax.Array, lamb: jax.Array) -> jax.Array:
        return ewma_gradients(prices, lamb, method=method)

    start = time.perf_counter()
    compiled = jax.jit(estimate).lower(prices, lamb).compile()
    compile_s = time.perf_counter() - start
    compiled(prices, lamb).block_until_ready()  # warm-up, not timed
    times = time_calls(lambda: compiled(prices, lamb), runs)
    return Row(
        method=method,
        length=length,
        compile_s=compile_s,
        run_median_s=statistics.median(times),
        run_min_s=min(times),
        runs=runs,
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
        f"- Machine: {describe_machine(machine)}\n"
        f"- Date: {date}\n"
        f"- {N_ASSETS} assets; median and minimum of {rows[0]['runs']} runs after a warm-up.\n\n"
        + markdown_table(rows)
    )


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same directory and `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp creates the file private (0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as tmp:
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table and write the results files."""
    args = parse_args(argv)
    if not args.float32:
        jax.config.update("jax_enable_x64", True)
    dtype = jnp.float32 if args.float32 else jnp.float64
    lengths = QUICK_LENGTHS if args.quick else FULL_LENGTHS
    runs = args.runs if args.runs is not None else (2 if args.quick else 5)
    if runs < 1:
        raise SystemExit("--runs must be at least 1")

    machine = machine_info(dtype)
    date = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    print(f"Machine: {describe_machine(machine)}", flush=True)
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
    write_atomic(args.out / "estimators.json", json.dumps(report, indent=2) + "\n")
    markdown = markdown_report(rows, machine, date)
    write_atomic(args.out / "estimators.md", markdown)
    print()
    print(markdown)
    print(f"Wrote {args.out / 'estimators.json'} and {args.out / 'estimators.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

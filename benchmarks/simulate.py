"""Benchmark `quantamm_eqx.simulate`: a pool over a 90-day bout of minute prices.

The case measured is the target of the project's performance work: float64, 3 assets, a
90-day bout (`bout_length = 90 * 1440` minutes), `chunk_period = 60`, after a 10-day burn-in
(`start_index = 10 * 1440`) on 100 days of seeded geometric Brownian motion minute prices
(per-minute volatility 1e-3). For each pool type (momentum, anti-momentum, mean-reversion
channel) and each path of `simulate` (no-fee: the default configuration, the closed form;
fee: `fees=0.003`, the per-minute arbitrage scan), this script measures

- the compile time: wall time of `eqx.filter_jit(f).lower(pool, prices).compile()` for the
  forward function (the values path) and for `eqx.filter_value_and_grad` of an objective,
  the daily log Sharpe ratio of the values;
- the run time: the median (and minimum) over `--runs` calls of each compiled function,
  each ended with `jax.block_until_ready`, after one untimed warm-up call;
- the peak resident memory: each (pool, path) case runs in a fresh subprocess of this
  script (`--case POOL:PATH`), which reports `resource.getrusage(RUSAGE_SELF).ru_maxrss`
  at its end, so the number is that case's peak, JAX included. A baseline process that only
  imports jax and quantamm_eqx and runs a tiny computation (`--case baseline`) gives the
  part every process pays. The peak is also sampled after each stage of a case (prices
  built, forward compiled, forward run, value-and-grad compiled, value-and-grad run).

Precision is float64, switched on inside `main()`, never at import. `--quick` is a smoke
run on a 10-day bout (20 days of prices) with 2 timed runs per function.

Results go to `<out>/simulate.json` and `<out>/simulate.md` (default `benchmarks/results/`),
each written atomically: an interrupted run leaves the previous files intact.

Usage (from the repository root): `python benchmarks/simulate.py [--quick]`, or
`nox -s bench -- [--quick]` (which also runs `benchmarks/run.py`).
"""

import argparse
import datetime
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, TypedDict

import equinox as eqx
import jax
import jax.numpy as jnp

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `run.py`, beside this script
try:
    import quantamm_eqx  # noqa: F401
except ModuleNotFoundError:  # a source checkout without `pip install .`: use the tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from run import describe_machine, gbm_prices, machine_info, write_atomic

import quantamm_eqx as qe

FeePath = Literal["no-fee", "fee"]
POOLS = ("momentum", "anti-momentum", "channel")
PATHS: tuple[FeePath, ...] = ("no-fee", "fee")
N_ASSETS = 3
SEED = 0
MINUTES_PER_DAY = 1440
CHUNK_PERIOD = 60
BURN_IN_DAYS = 10
FULL_BOUT_DAYS = 90
QUICK_BOUT_DAYS = 10
FEES = 0.003
#: Pool settings, in human units (one value shared by all assets).
MEMORY_DAYS = 10.0
K_PER_DAY = 20.0
CHANNEL = {"width": 0.5, "amplitude_per_day": 1.0, "exponents": 2.0}
#: The targets of the performance issue (2-core CPU, float64, 3 assets, 90-day bout).
TARGET_NO_FEE_GRAD_S = 0.030
TARGET_FEE_FORWARD_S = 0.150
TARGET_FEE_GRAD_S = 0.600
TARGET_PEAK_MB = 600.0
DEFAULT_OUT = Path(__file__).resolve().parent / "results"
DESCRIPTION = "Benchmark quantamm_eqx.simulate (no-fee and fee paths, three pool types)."


class Row(TypedDict):
    """One (pool, path) case, measured in its own process."""

    pool: str
    path: FeePath
    bout_length: int
    minutes: int
    compile_forward_s: float
    compile_grad_s: float
    forward_median_s: float
    forward_min_s: float
    grad_median_s: float
    grad_min_s: float
    runs: int
    objective: float
    peak_rss_kib: int
    rss_stages_kib: dict[str, int]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: a {QUICK_BOUT_DAYS}-day bout and 2 timed runs per function",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=None,
        help="timed runs per function (default: 5; 2 with --quick)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output directory (default: benchmarks/results)",
    )
    parser.add_argument(
        "--case",
        default=None,
        help="internal: measure one case, POOL:PATH (e.g. momentum:fee) or `baseline`, in "
        "this process and write it to --json-out",
    )
    parser.add_argument("--json-out", type=Path, default=None, help="internal: see --case")
    return parser.parse_args(argv)


def max_rss_kib() -> int:
    """This process's peak resident set size so far, in KiB (`ru_maxrss` on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def make_pool(name: str) -> qe.AbstractPool:
    """The pool of type `name`, built from human units."""
    common = {
        "n_assets": N_ASSETS,
        "memory_days": MEMORY_DAYS,
        "k_per_day": K_PER_DAY,
        "chunk_period": CHUNK_PERIOD,
    }
    if name == "momentum":
        return qe.MomentumPool.from_memory_days(**common)
    if name == "anti-momentum":
        return qe.AntiMomentumPool.from_memory_days(**common)
    if name == "channel":
        return qe.MeanReversionChannelPool.from_memory_days(**common, **CHANNEL)
    raise ValueError(f"unknown pool {name!r}; expected one of {POOLS}")


def make_config(path: FeePath) -> qe.SimulationConfig:
    """The configuration of a path: defaults (no fees) or `fees=FEES`."""
    fees = FEES if path == "fee" else 0.0
    return qe.SimulationConfig(
        chunk_period=CHUNK_PERIOD, weight_interpolation_period=CHUNK_PERIOD, fees=fees
    )


def daily_log_sharpe(values: jax.Array) -> jax.Array:
    """The annualised Sharpe ratio of the daily log returns of `values`."""
    daily = values[::MINUTES_PER_DAY]
    returns = jnp.diff(jnp.log(daily))
    return jnp.sqrt(365.0) * returns.mean() / (returns.std() + 1e-8)


def time_calls(fn: Callable[[], Any], runs: int) -> list[float]:
    """Wall times of `runs` calls of `fn`, each waited on with `jax.block_until_ready`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - start)
    return times


def compile_timed(fn: Callable[..., Any], *args: Any) -> tuple[Callable[..., Any], float]:
    """`eqx.filter_jit(fn).lower(*args).compile()` and its wall time."""
    start = time.perf_counter()
    compiled = eqx.filter_jit(fn).lower(*args).compile()
    return compiled, time.perf_counter() - start


def bench_case(pool_name: str, path: FeePath, bout_days: int, runs: int) -> Row:
    """Compile and time the forward and value-and-grad of `simulate` for one case."""
    stages = {"start": max_rss_kib()}
    bout_length = bout_days * MINUTES_PER_DAY
    start_index = BURN_IN_DAYS * MINUTES_PER_DAY
    prices = gbm_prices(start_index + bout_length, N_ASSETS, SEED, jnp.float64)
    pool = make_pool(pool_name)
    config = make_config(path)
    stages["prices built"] = max_rss_kib()

    def forward(pool: qe.AbstractPool, prices: jax.Array) -> jax.Array:
        result = qe.simulate(pool, prices, config, start_index=start_index, bout_length=bout_length)
        return result.values

    def objective(pool: qe.AbstractPool, prices: jax.Array) -> jax.Array:
        return daily_log_sharpe(forward(pool, prices))

    compiled_forward, compile_forward_s = compile_timed(forward, pool, prices)
    stages["forward compiled"] = max_rss_kib()
    jax.block_until_ready(compiled_forward(pool, prices))  # warm-up, not timed
    forward_times = time_calls(lambda: compiled_forward(pool, prices), runs)
    stages["forward run"] = max_rss_kib()

    compiled_grad, compile_grad_s = compile_timed(
        eqx.filter_value_and_grad(objective), pool, prices
    )
    stages["value-and-grad compiled"] = max_rss_kib()
    value, _ = jax.block_until_ready(compiled_grad(pool, prices))  # warm-up, not timed
    grad_times = time_calls(lambda: compiled_grad(pool, prices), runs)
    stages["value-and-grad run"] = max_rss_kib()

    return Row(
        pool=pool_name,
        path=path,
        bout_length=bout_length,
        minutes=bout_length - 1,
        compile_forward_s=compile_forward_s,
        compile_grad_s=compile_grad_s,
        forward_median_s=statistics.median(forward_times),
        forward_min_s=min(forward_times),
        grad_median_s=statistics.median(grad_times),
        grad_min_s=min(grad_times),
        runs=runs,
        objective=float(value),
        peak_rss_kib=max_rss_kib(),
        rss_stages_kib=stages,
    )


def baseline_case() -> dict[str, Any]:
    """Peak RSS of a process that imported jax and quantamm_eqx and ran a tiny computation."""
    x = jnp.arange(3.0, dtype=jnp.float64)
    jax.block_until_ready(jax.jit(lambda x: jnp.sum(jnp.exp(x)))(x))
    return {"case": "baseline", "peak_rss_kib": max_rss_kib()}


def run_case(args: argparse.Namespace) -> int:
    """`--case`: measure one case in this process and write its JSON to `--json-out`."""
    if args.json_out is None:
        raise SystemExit("--case needs --json-out")
    if args.case == "baseline":
        result: dict[str, Any] = baseline_case()
    else:
        pool_name, _, path = args.case.partition(":")
        if pool_name not in POOLS or path not in PATHS:
            raise SystemExit(f"--case must be POOL:PATH with POOL in {POOLS}, PATH in {PATHS}")
        bout_days = QUICK_BOUT_DAYS if args.quick else FULL_BOUT_DAYS
        result = dict(bench_case(pool_name, path, bout_days, args.runs))
    write_atomic(args.json_out, json.dumps(result, indent=2) + "\n")
    return 0


def in_subprocess(case: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Run this script with `--case case` in a fresh Python process; return its JSON."""
    json_out = workdir / f"{case.replace(':', '_')}.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--case", case]
    command += ["--json-out", str(json_out), "--runs", str(args.runs)]
    if args.quick:
        command.append("--quick")
    subprocess.run(command, check=True)
    return json.loads(json_out.read_text(encoding="utf-8"))


def mb(kib: float) -> float:
    """KiB to MB (10**6 bytes), the unit of the memory target."""
    return kib * 1024 / 1e6


def markdown_tables(rows: Sequence[Row], baseline_kib: int) -> str:
    """The time table and the memory table (times in ms, memory in MB)."""
    lines = [
        "| pool | path | compile fwd (s) | compile v&g (s) | fwd, median (ms) | fwd, min (ms) "
        "| v&g, median (ms) | v&g, min (ms) | fwd per minute (ns) | v&g per minute (ns) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['pool']} | {row['path']} | {row['compile_forward_s']:.2f} "
            f"| {row['compile_grad_s']:.2f} | {1e3 * row['forward_median_s']:.1f} "
            f"| {1e3 * row['forward_min_s']:.1f} | {1e3 * row['grad_median_s']:.1f} "
            f"| {1e3 * row['grad_min_s']:.1f} "
            f"| {1e9 * row['forward_median_s'] / row['minutes']:,.0f} "
            f"| {1e9 * row['grad_median_s'] / row['minutes']:,.0f} |"
        )
    lines += [
        "",
        f"Peak resident memory (MB = 10^6 bytes; baseline process: {mb(baseline_kib):.0f} MB), "
        "and the peak so far after each stage of the case:",
        "",
        "| pool | path | peak RSS | above baseline | prices built | fwd compiled | fwd run "
        "| v&g compiled | v&g run |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        stages = row["rss_stages_kib"]
        staged = " | ".join(
            f"{mb(stages[name]):.0f}"
            for name in (
                "prices built",
                "forward compiled",
                "forward run",
                "value-and-grad compiled",
                "value-and-grad run",
            )
        )
        lines.append(
            f"| {row['pool']} | {row['path']} | {mb(row['peak_rss_kib']):.0f} "
            f"| {mb(row['peak_rss_kib'] - baseline_kib):.0f} | {staged} |"
        )
    return "\n".join(lines) + "\n"


def target_checks(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Each target against the worst case over the pools (median times)."""

    def worst(path: FeePath, key: str) -> float:
        return max(float(row[key]) for row in rows if row["path"] == path)

    peak_mb = max(mb(row["peak_rss_kib"]) for row in rows)
    checks = [
        (
            "no-fee value-and-grad (ms)",
            1e3 * worst("no-fee", "grad_median_s"),
            1e3 * TARGET_NO_FEE_GRAD_S,
        ),
        ("fee forward (ms)", 1e3 * worst("fee", "forward_median_s"), 1e3 * TARGET_FEE_FORWARD_S),
        ("fee value-and-grad (ms)", 1e3 * worst("fee", "grad_median_s"), 1e3 * TARGET_FEE_GRAD_S),
        ("peak memory, any case (MB)", peak_mb, TARGET_PEAK_MB),
    ]
    return [
        {"target": name, "measured": measured, "limit": limit, "met": measured <= limit}
        for name, measured, limit in checks
    ]


def markdown_report(report: dict[str, Any]) -> str:
    """The Markdown results file: heading, machine, date, setup, tables, targets."""
    rows, machine = report["rows"], report["machine"]
    text = (
        "# `simulate` benchmark\n\n"
        f"- Machine: {describe_machine(machine)}\n"
        f"- Date: {report['date']}\n"
        f"- {N_ASSETS} assets; {report['bout_days']}-day bout (`bout_length` "
        f"{report['bout_days'] * MINUTES_PER_DAY:,}) after a {BURN_IN_DAYS}-day burn-in; "
        f"chunk period {CHUNK_PERIOD}; fee path `fees={FEES}`; median and minimum of "
        f"{rows[0]['runs']} runs after a warm-up; each case in its own process.\n\n"
        + markdown_tables(rows, report["baseline_rss_kib"])
    )
    text += "\nAgainst the targets (worst pool, median times; MB = 10^6 bytes):\n\n"
    if report["quick"]:
        text += "(A `--quick` run: the targets are for a 90-day bout and do not apply.)\n\n"
    text += "| target | measured | limit | met |\n|---|---:|---:|---|\n"
    for check in report["targets"]:
        text += (
            f"| {check['target']} | {check['measured']:.1f} | {check['limit']:.0f} "
            f"| {'yes' if check['met'] else 'no'} |\n"
        )
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Run every case in its own process, print the tables and write the results files."""
    args = parse_args(argv)
    jax.config.update("jax_enable_x64", True)
    if args.runs is None:
        args.runs = 2 if args.quick else 5
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    if args.case is not None:
        return run_case(args)

    machine = machine_info(jnp.float64)
    date = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    print(f"Machine: {describe_machine(machine)}", flush=True)
    bout_days = QUICK_BOUT_DAYS if args.quick else FULL_BOUT_DAYS
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="simulate-bench-") as workdir:
        baseline_kib = in_subprocess("baseline", args, Path(workdir))["peak_rss_kib"]
        print(f"  baseline process: peak RSS {mb(baseline_kib):.0f} MB", flush=True)
        for pool_name in POOLS:
            for path in PATHS:
                row: Row = in_subprocess(f"{pool_name}:{path}", args, Path(workdir))
                rows.append(row)
                print(
                    f"  {pool_name:>13} {path:>6}: compile {row['compile_forward_s']:5.2f} s "
                    f"+ {row['compile_grad_s']:5.2f} s, fwd {1e3 * row['forward_median_s']:8.1f} "
                    f"ms, v&g {1e3 * row['grad_median_s']:8.1f} ms, peak "
                    f"{mb(row['peak_rss_kib']):.0f} MB",
                    flush=True,
                )

    report: dict[str, Any] = {
        "benchmark": "quantamm_eqx.simulate",
        "date": date,
        "machine": machine,
        "n_assets": N_ASSETS,
        "seed": SEED,
        "chunk_period": CHUNK_PERIOD,
        "burn_in_days": BURN_IN_DAYS,
        "bout_days": bout_days,
        "fees": FEES,
        "quick": args.quick,
        "baseline_rss_kib": baseline_kib,
        "rows": rows,
    }
    report["targets"] = target_checks(rows)
    write_atomic(args.out / "simulate.json", json.dumps(report, indent=2) + "\n")
    markdown = markdown_report(report)
    write_atomic(args.out / "simulate.md", markdown)
    print()
    print(markdown)
    print(f"Wrote {args.out / 'simulate.json'} and {args.out / 'simulate.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

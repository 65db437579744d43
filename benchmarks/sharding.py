"""Benchmark population training sharded over devices: throughput against device count.

For each device count `d` (default 1, 2, 4) a fresh Python process (`python -m
benchmarks.sharding --child d ...`) is started with
`XLA_FLAGS=--xla_force_host_platform_device_count=d` (on CPU; on an accelerator host the
real devices are used, up to `d`), and `quantamm_eqx.fit` trains a population of
`--population` momentum pools (default 32) over a mesh of those devices. Each process runs
`fit` for `--steps` and for `4 * --steps` optimisation steps (chunks of 20 steps): the
difference of the two wall times divided by the difference of steps is the time per step
without compilation (`fit` compiles in both), after one untimed warm-up run that takes the
process's one-time costs. It reports the median over `--repeats` of that time, and the
throughput in member-steps per second. Run it on an otherwise idle machine: compilation
time that varies between the two runs shows up in the difference.

Results go to `<out>/sharding.json` and `<out>/sharding.md` (default
`benchmarks/results/`), written atomically.

Usage (from the repository root): `python -m benchmarks.sharding [--devices 1,2,4]`, or
`nox -s bench_sharding`.
"""

import json
import os
import statistics
import time
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh

from quantamm_eqx import MomentumPool, SimulationConfig, fit
from quantamm_eqx.metrics import OBJECTIVES

from . import _harness as harness
from ._setup import CHUNK_PERIOD, MINUTES_PER_DAY, N_ASSETS

BATCH_SIZE = 4
STEPS_PER_CHUNK = 20
#: Days of prices beyond the bout: the burn-in and the room to draw bouts from.
EXTRA_DAYS = 6


def child(
    devices: int, population: int, steps: int, repeats: int, bout_days: int, objective: str
) -> dict[str, Any]:
    """In this process (started with `devices` host devices): time `fit` per step."""
    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(0)
    n_minutes = (bout_days + EXTRA_DAYS) * MINUTES_PER_DAY
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, (n_minutes, N_ASSETS)), axis=0))
    config = SimulationConfig(chunk_period=CHUNK_PERIOD, weight_interpolation_period=CHUNK_PERIOD)
    members = [
        MomentumPool.from_memory_days(N_ASSETS, memory_days=days, chunk_period=CHUNK_PERIOD)
        for days in np.linspace(0.5, 5.0, population)
    ]
    pool = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *members)
    mesh = Mesh(np.array(jax.devices()[:devices]), ("population",))

    def run(n_steps: int) -> float:
        start = time.perf_counter()
        fit(
            pool,
            prices,
            config,
            bout_length=bout_days * MINUTES_PER_DAY,
            steps=n_steps,
            key=jax.random.key(0),
            batch_size=BATCH_SIZE,
            steps_per_chunk=STEPS_PER_CHUNK,
            progress=False,
            objective=objective,
            mesh=mesh,
        )
        return time.perf_counter() - start

    run(steps)  # warm-up, not timed: the process's one-time costs
    per_step = []
    for _ in range(repeats):
        short, long = run(steps), run(4 * steps)
        per_step.append((long - short) / (3 * steps))
    return {"devices": devices, "per_step_s": per_step, "backend": jax.default_backend()}


def in_subprocess(devices: int, args: Any) -> dict[str, Any]:
    """Run `child` in a fresh process that sees `devices` host devices; its JSON."""
    environment = dict(os.environ)
    environment["XLA_FLAGS"] = (
        environment.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={devices}"
    )
    options = ["--child", str(devices), "--population", str(args.population)]
    options += ["--steps", str(args.steps), "--repeats", str(args.repeats)]
    options += ["--bout-days", str(args.bout_days), "--objective", args.objective]
    result = harness.run_module(
        "benchmarks.sharding", options, env=environment, capture=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"the {devices}-device run failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> int:
    """Measure each device count in its own process; print and write the table."""
    parser = harness.parser(
        "benchmarks.sharding",
        "Population training throughput against device count (forced CPU devices).",
        runs=False,
    )
    parser.add_argument("--devices", default="1,2,4", help="device counts, comma-separated")
    parser.add_argument(
        "--population", type=int, default=32, help="members (a multiple of each count)"
    )
    parser.add_argument("--steps", type=int, default=40, help="steps of the shorter run")
    parser.add_argument("--repeats", type=int, default=3, help="repeats for the median")
    parser.add_argument("--bout-days", type=int, default=14, help="training bout, days")
    parser.add_argument(
        "--objective",
        default="returns",
        choices=sorted(OBJECTIVES),
        metavar="NAME",
        help="fit's objective, a name in quantamm_eqx.metrics.OBJECTIVES (default: returns)",
    )
    parser.add_argument("--child", type=int, default=None, help="internal: one device count")
    args = parser.parse_args(argv)
    if args.child is not None:
        measured = child(
            args.child, args.population, args.steps, args.repeats, args.bout_days, args.objective
        )
        print(json.dumps(measured))
        return 0

    counts = [int(count) for count in harness.comma_list(args.devices)]
    jax.config.update("jax_enable_x64", True)
    machine = harness.machine_info(jnp.float64)
    date = harness.now()
    print(f"Machine: {harness.describe_machine(machine)}", flush=True)
    rows = []
    for count in counts:
        measured = in_subprocess(count, args)
        median = statistics.median(measured["per_step_s"])
        rows.append(
            {
                "devices": count,
                "backend": measured["backend"],
                "median_step_ms": 1e3 * median,
                "member_steps_per_s": args.population / median,
                "per_step_s": measured["per_step_s"],
            }
        )
        print(f"{count} device(s): {1e3 * median:.1f} ms per step", flush=True)
    base = rows[0]["member_steps_per_s"]
    lines = [
        "# Population training across devices",
        "",
        harness.header_lines(machine, date).rstrip("\n"),
        f"- Population training throughput ({args.population} momentum pools, {N_ASSETS} "
        f"assets, {args.bout_days}-day bouts, chunk {CHUNK_PERIOD}, batch {BATCH_SIZE}, "
        f"objective `{args.objective}`, float64); median of {args.repeats} over "
        f"{args.steps} and {4 * args.steps} steps.",
        "",
        "| devices | median time per step (ms) | member-steps per second | speed-up |",
        "|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['devices']} | {row['median_step_ms']:.1f} | "
            f"{row['member_steps_per_s']:.1f} | {row['member_steps_per_s'] / base:.2f} |"
        )
    settings = {key: value for key, value in vars(args).items() if key != "child"}
    document = {
        "benchmark": "population training throughput against device count",
        "machine": machine,
        "date": date,
        "settings": settings | {"out": str(args.out)},
        "rows": rows,
    }
    harness.write_results(args.out, "sharding", document, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

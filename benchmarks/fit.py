"""Benchmark `quantamm_eqx.fit`: training throughput of a standard population job.

The job: a stacked population of `--population` momentum pools (default 16; 3 assets,
`chunk_period = weight_interpolation_period = 60`, memory from 0.5 to 5 days), trained with
`fit`'s defaults (objective `daily_log_sharpe`, Adam) on `batch_size = 4` windows of
`--bout-days` days (default 30) per step, in float64, on seeded geometric Brownian motion
minute prices covering the bout plus `EXTRA_DAYS` (burn-in and room to draw windows). Two
cases: fees off (closed-form reserves) and fees on (`fees=0.003`, the per-minute arbitrage
scan, far slower per step: its `S` is `--fee-steps`).

Every `fit` call compiles its training step, so each case makes one untimed warm-up run (the
process's one-time costs), then, per repeat, times a run of `S` steps and one of `4 S` (in
chunks of `gcd(S, 20)` steps, so both runs do exactly the steps asked). JAX reports the
seconds each call spends tracing, lowering and compiling (`jax.monitoring` events
`/jax/core/compile/...`); the time per step is the difference of the two runs' wall times
less those seconds, divided by `3 S` (the difference of the wall times alone is that plus the
noise of two compilations). Compile and setup time: `t_short - S * per_step`. Reported, as
medians over the repeats: milliseconds per step; steps, member-steps and window-steps
(members x batch) per second; compile and setup seconds; and their share of a 100-step run,
`compile / (compile + 100 per_step)`. Run it on an otherwise idle machine.

Results go to `<out>/fit.json` and `<out>/fit.md` (default `benchmarks/results/`), written
atomically. Usage (from the repository root): `python -m benchmarks.fit [--quick]`.
"""

import math
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from quantamm_eqx import MomentumPool, SimulationConfig, fit

from . import _harness as harness
from ._setup import CHUNK_PERIOD, FEES, MINUTES_PER_DAY, N_ASSETS, SEED

BATCH_SIZE = 4
#: The most steps per compiled `lax.scan` chunk.
MAX_STEPS_PER_CHUNK = 20
#: Days of prices beyond the bout: the burn-in and the room to draw windows from.
EXTRA_DAYS = 30
#: The run length whose compile share is reported.
STANDARD_STEPS = 100
#: The prefix of JAX's duration events for tracing, lowering and compiling.
COMPILE_EVENTS = "/jax/core/compile/"
#: The cases: their swap fees.
CASES = {"fees off": 0.0, "fees on": FEES}
#: Each option's defaults (full run, `--quick`) and meaning.
DEFAULTS = {
    "steps": (20, 4, "S, the shorter run's steps, fees off"),
    "repeats": (3, 1, "timed pairs of runs per case, for the median"),
    "fee_steps": (1, 1, "S with fees"),
    "bout_days": (30, 10, "training windows' length, days (at least 3)"),
}
#: What `case_row` records per repeat (seconds).
RUN_KEYS = ("per_step_runs_s", "compile_runs_s", "jax_compile_runs_s", "short_s", "long_s")


def population_pool(size: int) -> MomentumPool:
    """`size` momentum pools with memory from 0.5 to 5 days, stacked on a leading axis."""
    members = [
        MomentumPool.from_memory_days(N_ASSETS, memory_days=days, chunk_period=CHUNK_PERIOD)
        for days in np.linspace(0.5, 5.0, size)
    ]
    return jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *members)


#: A run of `fit` for a number of steps: its wall time and JAX's compile time in it (s).
Runner = Callable[[int], tuple[float, float]]


def runner(
    pool: MomentumPool, prices: jax.Array, config: SimulationConfig, bout_days: int, steps: int
) -> Runner:
    """`fit` on the job for a number of steps (chunks of `gcd(steps, 20)`), timed."""

    def run(n_steps: int) -> tuple[float, float]:
        compiling = [0.0]

        def listener(event: str, seconds: float, **_: Any) -> None:
            if event.startswith(COMPILE_EVENTS):
                compiling[0] += seconds

        jax.monitoring.register_event_duration_secs_listener(listener)
        try:
            start = time.perf_counter()
            result = fit(
                pool,
                prices,
                config,
                bout_length=bout_days * MINUTES_PER_DAY,
                steps=n_steps,
                key=jax.random.key(SEED),
                batch_size=BATCH_SIZE,
                steps_per_chunk=math.gcd(steps, MAX_STEPS_PER_CHUNK),
                progress=False,
            )
            jax.block_until_ready(result.final_pool)
            return time.perf_counter() - start, compiling[0]
        finally:
            jax.monitoring.unregister_event_duration_listener(listener)

    return run


def case_row(run: Runner, steps: int, repeats: int, population: int) -> dict[str, Any]:
    """Warm up, time `repeats` pairs of runs of `steps` and `4 * steps`; their summary."""
    run(steps)  # warm-up, not timed: the process's one-time costs
    measured: dict[str, list[float]] = {key: [] for key in RUN_KEYS}
    for _ in range(repeats):
        (short, short_jax), (long, long_jax) = run(steps), run(4 * steps)
        step = ((long - long_jax) - (short - short_jax)) / (3 * steps)
        values = (step, short - steps * step, short_jax, short, long)
        for key, value in zip(RUN_KEYS, values, strict=True):
            measured[key].append(value)
    step = statistics.median(measured["per_step_runs_s"])
    compile_s = max(0.0, statistics.median(measured["compile_runs_s"]))  # noise can go below 0
    return {
        "steps": steps,
        "repeats": repeats,
        "median_step_ms": 1e3 * step,
        "steps_per_s": 1 / step,
        "member_steps_per_s": population / step,
        "window_steps_per_s": population * BATCH_SIZE / step,
        "compile_s": compile_s,
        "jax_compile_s": statistics.median(measured["jax_compile_runs_s"]),
        "compile_fraction": compile_s / (compile_s + STANDARD_STEPS * step),
    } | measured


def main(argv: Sequence[str] | None = None) -> int:
    """Measure both cases; print and write the table."""
    parser = harness.parser(
        "benchmarks.fit",
        "Training throughput of quantamm_eqx.fit on a population of momentum pools.",
        quick="4 steps (1 with fees), 1 repeat, 10-day bouts",
        runs=False,
    )
    for name, (full, quick, meaning) in DEFAULTS.items():
        flag, text = "--" + name.replace("_", "-"), f"{meaning} (default {full}; {quick} quick)"
        parser.add_argument(flag, type=int, default=None, help=text)
    parser.add_argument("--population", type=int, default=16, help="pools (default 16)")
    args = parser.parse_args(argv)
    for name, (full, quick, _) in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
        if getattr(args, name) < 1:
            raise SystemExit(f"--{name.replace('_', '-')} must be at least 1")
    if args.population < 1 or args.bout_days < 3:
        raise SystemExit("--population must be at least 1, --bout-days at least 3")

    jax.config.update("jax_enable_x64", True)
    machine = harness.machine_info(jnp.float64)
    date = harness.now()
    print(f"Machine: {harness.describe_machine(machine)}", flush=True)
    n_minutes = (args.bout_days + EXTRA_DAYS) * MINUTES_PER_DAY
    prices = harness.gbm_prices(n_minutes, N_ASSETS, SEED, jnp.float64)
    pool = population_pool(args.population)
    rows = []
    for case, fees in CASES.items():
        steps = args.fee_steps if fees else args.steps
        config = SimulationConfig(
            chunk_period=CHUNK_PERIOD, weight_interpolation_period=CHUNK_PERIOD, fees=fees
        )
        run = runner(pool, prices, config, args.bout_days, steps)
        row = {"case": case, "fees": fees} | case_row(run, steps, args.repeats, args.population)
        rows.append(row)
        print(
            f"{case}: {row['median_step_ms']:.1f} ms per step, "
            f"compile and setup {row['compile_s']:.1f} s",
            flush=True,
        )
    lines = [
        "# Training throughput of `fit`",
        "",
        harness.header_lines(machine, date).rstrip("\n"),
        f"- `fit` on {args.population} stacked momentum pools ({N_ASSETS} assets, memory "
        f"0.5-5 days, chunk {CHUNK_PERIOD}), batch {BATCH_SIZE}, {args.bout_days}-day bouts, "
        "objective `daily_log_sharpe`, float64; medians over the repeats of runs of S and "
        f"4 S steps. Compile share: compile + setup over that plus {STANDARD_STEPS} steps.",
        "",
        "| case | S x repeats | ms per step | steps/s | member-steps/s | window-steps/s "
        "| compile + setup (s) | compile share |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['case']} | {row['steps']} x {row['repeats']} | "
            f"{row['median_step_ms']:.1f} | {row['steps_per_s']:.3g} | "
            f"{row['member_steps_per_s']:.1f} | {row['window_steps_per_s']:.1f} | "
            f"{row['compile_s']:.1f} | {100 * row['compile_fraction']:.0f}% |"
        )
    settings = vars(args) | {"batch_size": BATCH_SIZE, "out": str(args.out)}
    document = {"benchmark": "fit training throughput", "machine": machine, "date": date}
    document |= {"settings": settings, "rows": rows}
    harness.write_results(args.out, "fit", document, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

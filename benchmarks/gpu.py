"""Benchmark a population of momentum pools on one accelerator: no-fee training and the fee path.

The population: `--population` momentum pools (default 1024; 3 assets, chunk 60), built with
`MomentumPool.from_memory_days` (memory spread geometrically over 0.5-30 days, `k_per_day`
over 5-50 in a seeded shuffled order) and stacked leaf by leaf; prices are seeded geometric
Brownian motion minutes (`benchmarks._harness.gbm_prices`) covering a 30-day burn-in and the
bout. Two cases, each in every dtype of `--dtypes` (float32 and float64; prices and the
pools' array leaves cast to it):

1. no-fee value-and-grad: every member's `quantamm_eqx.metrics.daily_log_sharpe` of its
   `quantamm_eqx.simulate` over a `--days` bout (default 365) and its gradient, member by
   member with `jax.lax.map(eqx.filter_value_and_grad(objective), ..., batch_size=B)`
   (`--member-batch`, default 128: a batch runs under `vmap`, which bounds the memory) inside
   one `eqx.filter_jit`. The goal: at most 1 s for 1024 members x 365 days on one
   H100-class GPU.
2. fee path forward: the same population with `fees=0.003` (the per-minute arbitrage scan),
   the minute values of all members at once (`eqx.filter_vmap`) over a `--fee-days` bout
   (default 30); the time per call and per minute-step (the call over the bout's minutes,
   for the whole population).

Timing as in every benchmark (`benchmarks/_harness.py`): compile alone, one warm-up call,
then the median and minimum of `--runs` calls (default 5), each ended with
`jax.block_until_ready`. The results record the backend, the devices, the dtype of the
outputs and, where the device reports it, its peak memory so far (`memory_stats()`).
Results go to `<out>/gpu.json` and `<out>/gpu.md` (default `benchmarks/results/`).

Usage on a GPU host, from the repository root: `pip install -e . "jax[cuda12]"`, then
`python -m benchmarks.gpu`. `--small` is a CPU smoke size (population 8, 3-day bouts,
member batch 4, 2 runs).
"""

import sys
from collections.abc import Callable, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

import quantamm_eqx as qe
from quantamm_eqx.metrics import daily_log_sharpe

from . import _harness as harness

N_ASSETS = 3
CHUNK_PERIOD = 60
MINUTES_PER_DAY = 1440
BURN_IN_DAYS = 30
FEES = 0.003
SEED = 0
MEMORY_DAYS = (0.5, 30.0)
K_PER_DAY = (5.0, 50.0)
GOAL_S = 1.0
FULL = {"population": 1024, "days": 365, "fee_days": 30, "member_batch": 128, "runs": 5}
SMALL = {"population": 8, "days": 3, "fee_days": 3, "member_batch": 4, "runs": 2}


def make_population(size: int, dtype: Any) -> qe.MomentumPool:
    """`size` momentum pools with spread memories and `k_per_day`, stacked, in `dtype`."""
    memory = np.geomspace(*MEMORY_DAYS, size)
    k_per_day = np.random.default_rng(SEED).permutation(np.linspace(*K_PER_DAY, size))
    members = [
        qe.MomentumPool.from_memory_days(
            N_ASSETS, memory_days=float(m), k_per_day=float(k), chunk_period=CHUNK_PERIOD
        )
        for m, k in zip(memory, k_per_day, strict=True)
    ]
    pool = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *members)
    return jax.tree_util.tree_map(lambda x: x.astype(dtype) if eqx.is_inexact_array(x) else x, pool)


def no_fee_value_and_grad(days: int, batch: int) -> Callable[..., Any]:
    """`(pool, prices) -> (objectives, grads)`, member by member in batches of `batch`."""
    config = qe.SimulationConfig(
        chunk_period=CHUNK_PERIOD, weight_interpolation_period=CHUNK_PERIOD
    )
    start, length = BURN_IN_DAYS * MINUTES_PER_DAY, days * MINUTES_PER_DAY

    def objective(member: qe.MomentumPool, prices: jax.Array) -> jax.Array:
        simulation = qe.simulate(member, prices, config, start_index=start, bout_length=length)
        return daily_log_sharpe(simulation)

    value_and_grad = eqx.filter_value_and_grad(objective)

    def run(pool: qe.MomentumPool, prices: jax.Array) -> Any:
        dynamic, static = eqx.partition(pool, eqx.is_array)

        def one(leaves: Any) -> Any:
            return value_and_grad(eqx.combine(leaves, static), prices)

        return jax.lax.map(one, dynamic, batch_size=batch)

    return run


def fee_forward(days: int) -> Callable[..., Any]:
    """`(pool, prices) -> values`, `(population, minutes)`, every member at once, with fees."""
    config = qe.SimulationConfig(
        chunk_period=CHUNK_PERIOD, weight_interpolation_period=CHUNK_PERIOD, fees=FEES
    )
    start, length = BURN_IN_DAYS * MINUTES_PER_DAY, days * MINUTES_PER_DAY

    def run(pool: qe.MomentumPool, prices: jax.Array) -> jax.Array:
        def values(member: qe.MomentumPool) -> jax.Array:
            return qe.simulate(member, prices, config, start_index=start, bout_length=length).values

        return eqx.filter_vmap(values)(pool)

    return run


def peak_device_mb() -> float | None:
    """The first device's peak memory in use so far (MB), or None where it is not reported."""
    stats = jax.devices()[0].memory_stats()
    if not stats or "peak_bytes_in_use" not in stats:
        return None
    return stats["peak_bytes_in_use"] / 1e6


def all_finite(tree: Any) -> bool:
    """Whether every array leaf of `tree` is finite."""
    leaves = jax.tree_util.tree_leaves(eqx.filter(tree, eqx.is_array))
    return all(bool(jnp.all(jnp.isfinite(leaf))) for leaf in leaves)


def timed(fn: Callable[..., Any], args: tuple[Any, ...], runs: int) -> tuple[Any, dict[str, Any]]:
    """Compile `fn` alone, warm up once, time `runs` calls; the warm-up's output and times."""
    compiled, compile_s = harness.compile_timed(fn, *args)
    out, timing = harness.warm_and_time(lambda: compiled(*args), runs, slow_warmup_s=None)
    return out, {"compile_s": compile_s, **timing}


def measure(dtype: str, sizes: dict[str, int], runs: int) -> list[dict[str, Any]]:
    """The no-fee and fee rows of one dtype."""
    population, days, fee_days = sizes["population"], sizes["days"], sizes["fee_days"]
    minutes = (BURN_IN_DAYS + max(days, fee_days)) * MINUTES_PER_DAY + 1
    prices = harness.gbm_prices(minutes, N_ASSETS, SEED, dtype)
    pool = make_population(population, dtype)

    def row(case: str, days: int, batch: int, timing: dict[str, Any], out: Any) -> dict[str, Any]:
        minutes = days * MINUTES_PER_DAY
        return {
            "case": case,
            "dtype": dtype,
            "population": population,
            "days": days,
            "minutes": minutes,
            "member_batch": batch,
            **timing,
            "per_member_ms": 1e3 * timing["median_s"] / population,
            "us_per_minute_step": 1e6 * timing["median_s"] / minutes,
            "output_dtype": out.dtype.name,
            "peak_device_memory_mb": peak_device_mb(),
        }

    fn = no_fee_value_and_grad(days, sizes["member_batch"])
    (objectives, grads), timing = timed(fn, (pool, prices), runs)
    no_fee = row("no-fee value-and-grad", days, sizes["member_batch"], timing, objectives) | {
        "grad_dtype": jax.tree_util.tree_leaves(grads)[0].dtype.name,
        "objective_mean": float(jnp.mean(objectives)),
        "finite": all_finite(objectives) and all_finite(grads),
    }
    values, timing = timed(fee_forward(fee_days), (pool, prices), runs)
    fee = row("fee forward", fee_days, population, timing, values) | {"finite": all_finite(values)}
    return [no_fee, fee]


def fmt(value: float | None, spec: str) -> str:
    """`value` formatted, or a dash for None."""
    return "-" if value is None else format(value, spec)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure both cases in each dtype; print and write the table."""
    parser = harness.parser(
        "benchmarks.gpu",
        "A population's no-fee value-and-grad and fee-path forward on one accelerator.",
        runs_help=f"timed calls per case (default {FULL['runs']}; {SMALL['runs']} with --small)",
    )
    parser.add_argument("--population", type=int, help=f"members (default {FULL['population']})")
    parser.add_argument("--days", type=int, help=f"no-fee bout, days (default {FULL['days']})")
    parser.add_argument("--fee-days", type=int, help=f"fee bout, days (default {FULL['fee_days']})")
    parser.add_argument(
        "--member-batch", type=int, help=f"members per vmap batch (default {FULL['member_batch']})"
    )
    parser.add_argument("--dtypes", default="float32,float64", help="comma-separated")
    parser.add_argument("--small", action="store_true", help="CPU smoke size: " + str(SMALL))
    args = parser.parse_args(argv)
    jax.config.update("jax_enable_x64", True)
    base = SMALL if args.small else FULL
    sizes = {key: getattr(args, key) or base[key] for key in base}
    dtypes = harness.comma_list(args.dtypes)
    if any(dtype not in ("float32", "float64") for dtype in dtypes) or not dtypes:
        raise SystemExit(f"--dtypes must name float32 and/or float64, not {args.dtypes!r}")
    if min(sizes.values()) < 1 or min(sizes["days"], sizes["fee_days"]) < 3:
        raise SystemExit("sizes must be positive; bouts at least 3 days (daily_log_sharpe)")
    backend = jax.default_backend()
    if backend == "cpu" and not args.small:
        print(
            "warning: the default sizes are meant for a GPU; on CPU use --small",
            file=sys.stderr,
            flush=True,
        )
    machine = harness.machine_info(jnp.float32) | {"dtype": ",".join(dtypes)}
    date = harness.now()
    print(f"Machine: {harness.describe_machine(machine)}", flush=True)
    rows = []
    for dtype in dtypes:
        for row in measure(dtype, sizes, sizes["runs"]):
            rows.append(row)
            print(f"{row['case']}, {dtype}: {row['median_s']:.4f} s median", flush=True)
    lines = [
        "# A population on one accelerator",
        "",
        harness.header_lines(machine, date).rstrip("\n"),
        f"- Backend `{backend}`, devices {[str(device) for device in jax.devices()]}.",
        f"- {sizes['population']} momentum pools ({N_ASSETS} assets, chunk {CHUNK_PERIOD}, "
        f"{BURN_IN_DAYS}-day burn-in): no-fee value-and-grad of `daily_log_sharpe` "
        f"({sizes['days']} days, `lax.map` batches of {sizes['member_batch']}) and the fee "
        f"path's forward (fees {FEES}, {sizes['fee_days']} days, all members under `vmap`); "
        f"median of {sizes['runs']} calls. Goal: no-fee, 1024 members x 365 days in "
        f"<= {GOAL_S:g} s on one H100-class GPU.",
        "",
        "| case | dtype | days | compile (s) | median (s) | min (s) | per member (ms) "
        "| µs per minute-step | finite | peak device memory (MB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['case']} | {row['output_dtype']} | {row['days']} | {row['compile_s']:.2f} "
            f"| {row['median_s']:.4f} | {row['min_s']:.4f} | {row['per_member_ms']:.3f} "
            f"| {row['us_per_minute_step']:.1f} | {'yes' if row['finite'] else 'NO'} "
            f"| {fmt(row['peak_device_memory_mb'], '.0f')} |"
        )
    document = {
        "benchmark": "population no-fee value-and-grad and fee-path forward on one device",
        "machine": machine,
        "date": date,
        "backend": backend,
        "devices": [str(device) for device in jax.devices()],
        "settings": sizes | {"dtypes": dtypes, "small": args.small, "out": str(args.out)},
        "goal_s": GOAL_S,
        "rows": rows,
    }
    harness.write_results(args.out, "gpu", document, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

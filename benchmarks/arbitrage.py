"""Time the fee path's two arbitrage rules, `SimulationConfig(arbitrage="exact")` (the default)
and `"reference"` (quantammsim's rule, transcribed), in float64 and float32.

The base case of `simulate.py` (3 assets, a 90-day bout after a 10-day burn-in, chunk 60,
`fees=0.003`, seeded GBM prices): for each pool type, rule and precision, the compile time
and the median of `--runs` calls of the forward (`simulate(...).values`) and of the
value-and-grad of the daily log Sharpe ratio, and the objective's value. float32 runs
with `jax_enable_x64` on and float32 prices and pool, which is what `simulate` computes in.

Usage (from the repository root): `python benchmarks/arbitrage.py [--runs 5] [--days 90]
[--pools momentum,anti-momentum,channel]`; prints a Markdown table.
"""

import argparse
import datetime
import platform
import statistics
import sys
from pathlib import Path

import equinox as eqx
import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import simulate as bench  # noqa: E402

import quantamm_eqx as qe  # noqa: E402

RULES = ("exact", "reference")
DTYPES = ("float64", "float32")


def measure(pool_name: str, rule: str, dtype: str, days: int, runs: int) -> dict:
    """Compile and time the forward and value-and-grad of one case."""
    start_index = bench.BURN_IN_DAYS * bench.MINUTES_PER_DAY
    bout_length = days * bench.MINUTES_PER_DAY
    prices = bench.gbm_prices(start_index + bout_length, bench.N_ASSETS, bench.SEED, dtype)
    pool = bench.make_population(pool_name, bench.N_ASSETS, 1, jnp.dtype(dtype))
    config = qe.SimulationConfig(
        chunk_period=bench.CHUNK_PERIOD,
        weight_interpolation_period=bench.CHUNK_PERIOD,
        fees=bench.FEES,
        arbitrage=rule,
    )

    def forward(pool, prices):
        result = qe.simulate(pool, prices, config, start_index=start_index, bout_length=bout_length)
        return result.values

    def objective(pool, prices):
        return bench.daily_log_sharpe(forward(pool, prices))

    compiled_forward, compile_s = bench.compile_timed(forward, pool, prices)
    _, _, forward_times = bench.warm_and_time(lambda: compiled_forward(pool, prices), runs)
    compiled_grad, _ = bench.compile_timed(eqx.filter_value_and_grad(objective), pool, prices)
    (value, _), _, grad_times = bench.warm_and_time(lambda: compiled_grad(pool, prices), runs)
    return {
        "pool": pool_name,
        "rule": rule,
        "dtype": dtype,
        "compile_s": compile_s,
        "forward_s": statistics.median(forward_times),
        "grad_s": statistics.median(grad_times),
        "objective": float(value),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed calls per function")
    parser.add_argument("--days", type=int, default=bench.FULL_BOUT_DAYS, help="bout, days")
    parser.add_argument("--pools", default=",".join(bench.POOLS), help="comma-separated")
    args = parser.parse_args(argv)
    print(
        f"{platform.machine()}, {platform.processor() or 'cpu'}, JAX {jax.__version__} on "
        f"{jax.default_backend()}, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; "
        f"{args.days}-day bout, {bench.N_ASSETS} assets, fees {bench.FEES}, median of "
        f"{args.runs}\n"
    )
    print(
        "| pool | rule | precision | compile fwd (s) | fwd (ms) | v&g (ms) "
        "| fwd vs exact float64 | objective |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for pool_name in args.pools.split(","):
        baseline = None
        for rule in RULES:
            for dtype in DTYPES:
                row = measure(pool_name, rule, dtype, args.days, args.runs)
                baseline = baseline or row
                print(
                    f"| {pool_name} | {rule} | {dtype} | {row['compile_s']:.2f} "
                    f"| {row['forward_s'] * 1e3:.1f} | {row['grad_s'] * 1e3:.1f} "
                    f"| {row['forward_s'] / baseline['forward_s']:.2f} | {row['objective']:.6g} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

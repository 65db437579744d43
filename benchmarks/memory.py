"""Peak resident memory of one compiled `simulate` function per process.

`simulate.py` compiles the forward and the value-and-grad in the same process, so its peak
holds both compilations. This script measures each function alone, as a process that only
evaluates (forward) or only trains (value-and-grad) pays: for each pool type, path and
function of the base case (float64, 3 assets, 90-day bout, chunk 60), a fresh process
compiles the function, calls it three times and reports `ru_maxrss`.

Usage (from the repository root): `python benchmarks/memory.py`; prints a Markdown table.
"""

import argparse
import resource
import subprocess
import sys
from pathlib import Path

FUNCTIONS = ("forward", "value-and-grad")


def measure(pool_name: str, path: str, function: str) -> int:
    """In this process: compile and run one function of the base case; its peak RSS, KiB."""
    import equinox as eqx
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import simulate as bench

    import quantamm_eqx as qe

    start_index = bench.BURN_IN_DAYS * bench.MINUTES_PER_DAY
    bout_length = bench.FULL_BOUT_DAYS * bench.MINUTES_PER_DAY
    prices = bench.gbm_prices(start_index + bout_length, bench.N_ASSETS, bench.SEED, jnp.float64)
    pool = bench.make_pool(pool_name)
    config = bench.make_config(path)

    def forward(pool, prices):
        result = qe.simulate(pool, prices, config, start_index=start_index, bout_length=bout_length)
        return result.values

    def objective(pool, prices):
        return bench.daily_log_sharpe(forward(pool, prices))

    target = forward if function == "forward" else eqx.filter_value_and_grad(objective)
    compiled = eqx.filter_jit(target)
    for _ in range(3):
        jax.block_until_ready(compiled(pool, prices))
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str] | None = None) -> int:
    """Measure every (pool, path, function) in its own process; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default=None, help="internal: POOL:PATH:FUNCTION")
    args = parser.parse_args(argv)
    if args.case is not None:
        print(measure(*args.case.split(":")))
        return 0
    print("| pool | path | forward alone (MB) | value-and-grad alone (MB) |")
    print("|---|---|---:|---:|")
    for pool_name in ("momentum", "anti-momentum", "channel"):
        for path in ("no-fee", "fee"):
            cells = []
            for function in FUNCTIONS:
                command = [sys.executable, __file__, "--case", f"{pool_name}:{path}:{function}"]
                output = subprocess.run(command, check=True, capture_output=True, text=True)
                cells.append(f"{int(output.stdout.split()[-1]) * 1024 / 1e6:.0f}")
            print(f"| {pool_name} | {path} | {' | '.join(cells)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

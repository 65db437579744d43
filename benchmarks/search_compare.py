"""Gradient training, Optuna and CMA-ES on the same problem: the numbers of the how-to
"Search a strategy" (`docs/how-to/search.md`).

The problem: a momentum pool on the built-in stocks (`--assets`, daily closes as minute
prices, from `--start` to the end of the data, float64, `chunk_period=1440`), objective
`daily_log_sharpe`. The last `TEST_FRACTION` of the data is a test span no method sees; the
rest is given to each method, which keeps the last `VAL_FRACTION` of it to choose its pool:

- gradient: `fit` on a Sobol population (`initial_population`) of `--members` pools,
  `--steps` steps of `BATCH` bouts of `BOUT_DAYS` days, best step and member by validation;
- Optuna: `optuna_search` with `--trials` TPE trials over memory days and `k` per day;
- CMA-ES: `cmaes_search` with `--generations` generations of `--members` candidates, each
  scored on the whole training span.

Reported per method: wall seconds (compilation included: what a user waits), the chosen
pool's validation and test objectives, and its memory in days. Results go to
`<out>/search.json` and `<out>/search.md`, written atomically. Usage (from the repository
root, with the `search` extra): `python -m benchmarks.search_compare [--quick]`.
"""

import math
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np

from quantamm_eqx import MomentumPool, SimulationConfig, fit, initial_population, simulate
from quantamm_eqx.data import load_stocks
from quantamm_eqx.metrics import daily_log_sharpe
from quantamm_eqx.search import cmaes_search, optuna_search
from quantamm_eqx.training import split_index
from quantamm_eqx.transforms import logit_lamb_to_memory_days

from . import _harness as harness

TEST_FRACTION = 0.2
VAL_FRACTION = 0.25
BOUT_DAYS = 120
BATCH = 2
MINUTES_PER_DAY = 1440
#: Each option's defaults (full run, `--quick`).
DEFAULTS = {"members": (8, 4), "steps": (40, 4), "trials": (40, 4), "generations": (10, 2)}


def memory_days(pool: MomentumPool, config: SimulationConfig) -> float:
    """The pool's mean memory in days."""
    memory = logit_lamb_to_memory_days(pool.logit_lamb, config.chunk_period, config.max_memory_days)
    return float(np.mean(memory))


def methods(members: int, steps: int, trials: int, generations: int) -> dict[str, Callable]:
    """Each method: `(pool, prices, config) -> the chosen pool`."""
    bout = BOUT_DAYS * MINUTES_PER_DAY

    def gradient(pool, prices, config):
        population = initial_population(pool, members, jax.random.key(1), method="sobol")
        result = fit(
            population, prices, config, bout_length=bout, steps=steps, key=jax.random.key(0),
            batch_size=BATCH, val_fraction=VAL_FRACTION, progress=False,
        )  # fmt: skip
        return result.pool

    def optuna(pool, prices, config):
        with tempfile.TemporaryDirectory() as folder:
            result = optuna_search(
                pool, prices, config, n_trials=trials, val_fraction=VAL_FRACTION,
                storage=Path(folder) / "study.db", progress=False,
            )  # fmt: skip
        return result.pool

    def cmaes(pool, prices, config):
        result = cmaes_search(
            pool, prices, config, generations=generations, population_size=members,
            key=jax.random.key(0), val_fraction=VAL_FRACTION, progress=False,
        )  # fmt: skip
        return result.pool

    return {"gradient (fit)": gradient, "Optuna (TPE)": optuna, "CMA-ES (evosax)": cmaes}


def score(pool, prices, config, start: int, stop: int) -> float:
    """`daily_log_sharpe` of `pool` over minutes `[start, stop)`, history before."""
    result = simulate(pool, prices[:stop], config, start_index=start, bout_length=stop - start)
    return float(daily_log_sharpe(result))


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.parser(
        "benchmarks.search_compare", __doc__.splitlines()[0], quick="fewer steps", runs=False
    )
    parser.add_argument("--assets", type=harness.comma_list, default=["AAPL", "MSFT", "IBM"])
    parser.add_argument("--start", default="2008-01-01", help="first date of the data")
    for name, (default, _) in DEFAULTS.items():
        parser.add_argument(f"--{name}", type=int, default=None, help=f"default {default}")
    args = parser.parse_args(argv)
    sizes = {
        name: getattr(args, name) or defaults[1 if args.quick else 0]
        for name, defaults in DEFAULTS.items()
    }
    jax.config.update("jax_enable_x64", True)
    data = load_stocks(args.assets, start=args.start)
    prices = np.asarray(data.prices, dtype=np.float64)
    config = SimulationConfig(chunk_period=1440, weight_interpolation_period=1440)
    pool = MomentumPool.from_memory_days(len(args.assets), memory_days=10.0, k_per_day=20.0)
    test_start = split_index(len(prices), TEST_FRACTION)
    val_start = split_index(test_start, VAL_FRACTION)
    seen = prices[:test_start]

    rows: list[dict[str, Any]] = [
        {
            "method": "starting pool",
            "seconds": 0.0,
            "validation": score(pool, prices, config, val_start, test_start),
            "test": score(pool, prices, config, test_start, len(prices)),
            "memory_days": memory_days(pool, config),
        }
    ]
    for name, method in methods(**sizes).items():
        began = time.perf_counter()
        chosen = method(pool, seen, config)
        seconds = time.perf_counter() - began
        rows.append(
            {
                "method": name,
                "seconds": seconds,
                "validation": score(chosen, prices, config, val_start, test_start),
                "test": score(chosen, prices, config, test_start, len(prices)),
                "memory_days": memory_days(chosen, config),
            }
        )
        print(f"{name}: {seconds:.1f} s, test {rows[-1]['test']:.4g}", flush=True)

    machine = harness.machine_info(np.float64)
    date = harness.now()
    spans = {
        "train": [str(data.timestamps[0])[:10], str(data.timestamps[val_start])[:10]],
        "validation": [str(data.timestamps[val_start])[:10], str(data.timestamps[test_start])[:10]],
        "test": [str(data.timestamps[test_start])[:10], str(data.timestamps[-1])[:10]],
    }
    document = {"machine": machine, "date": date, "sizes": sizes, "assets": args.assets,
                "spans": spans, "rows": rows}  # fmt: skip
    lines = [
        "# Gradient, Optuna and CMA-ES on the built-in stocks",
        "",
        harness.header_lines(machine, date).rstrip("\n"),
        f"- {', '.join(args.assets)}; train {spans['train'][0]} to {spans['train'][1]}, "
        f"validation to {spans['validation'][1]}, test to {spans['test'][1]}; objective "
        f"daily_log_sharpe; sizes {sizes}.",
        "",
        "| method | wall s | validation | test | memory (days) |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        cells = [row["validation"], row["test"], row["memory_days"]]
        text = ["n/a" if not math.isfinite(v) else f"{v:.4g}" for v in cells]
        lines.append(f"| {row['method']} | {row['seconds']:.1f} | " + " | ".join(text) + " |")
    harness.write_results(args.out, "search", document, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark `quantamm_eqx.simulate`: the base case, and how it scales.

The base case is the target of the project's performance work: float64, 3 assets, a 90-day
bout (`bout_length = 90 * 1440` minutes), `chunk_period = 60`, one parameter set, after a
10-day burn-in (`start_index = 10 * 1440`) on seeded geometric Brownian motion minute prices
(per-minute volatility 1e-3). Every case runs one pool type (momentum, anti-momentum,
mean-reversion channel) on one path of `simulate` (no-fee: the default configuration, the
closed form; fee: `fees=0.003`, the per-minute arbitrage scan).

The sweep (`--sweep`, the default) measures, for each pool type and path, the base case and
one-factor-at-a-time variations from it:

- bout length: 30 and 365 days (base 90);
- assets: 2, 5 and 8 (base 3);
- population: 16 and 128 parameter sets (base 1), simulated together: a stacked pool (member
  `i` remembers `10 * (1 + 0.01 i)` days) under `eqx.filter_vmap`, the objective being the
  sum over members of their daily log Sharpe ratios. On the fee path these cases run on a
  `--fee-population-days` bout (default 30) to keep the sweep short, and are compared with
  the single pool on that bout;
- precision: float32 (base float64).

`--base` measures the base cases only (six cases, about a minute); `--filter KEY=VALUE`
(repeatable; comma-separated values; keys `pool`, `path`, `days`, `assets`, `population`,
`dtype` and `vary`, the factor varied: `base`, `days`, `assets`, `population`, `dtype`)
keeps a subset, e.g. `--filter path=no-fee --filter vary=base,population`; `--list` prints
the selected cases without measuring them.

For each case this script measures

- the compile time: wall time of `eqx.filter_jit(f).lower(pool, prices).compile()` for the
  forward function (the values path) and for `eqx.filter_value_and_grad` of an objective,
  the daily log Sharpe ratio of the values;
- the run time: the median (and minimum) over `--runs` calls of each compiled function,
  each ended with `jax.block_until_ready`, after one untimed warm-up call; when the warm-up
  took more than 10 s, 2 calls instead (each row records its warm-up and its number of runs);
- the peak resident memory: each case runs in a fresh subprocess of this script (`--case
  POOL:PATH[:days=90,assets=3,population=1,dtype=float64]`), which reports
  `resource.getrusage(RUSAGE_SELF).ru_maxrss` at its end, so the number is that case's
  peak, JAX included. A baseline process that only imports jax and quantamm_eqx and runs a
  tiny computation (`--case baseline`) gives the part every process pays. The peak is also
  sampled after each stage of a case (prices built, forward compiled, forward run,
  value-and-grad compiled, value-and-grad run).

Precision is float64 (`jax_enable_x64`), switched on inside `main()`, never at import; a
float32 case runs in a process that leaves it off, as a float32 user would. `--quick` is a
smoke run: every bout scaled by 10/90 (a 10-day base bout; 3 and 41 days for the bout
variations; 3 days for the fee path's populations) and 2 timed runs per function.

Results go to `<out>/simulate.json` and `<out>/simulate.md` (default `benchmarks/results/`),
each written atomically: an interrupted run leaves the previous files intact. A case whose
process fails is reported as failed and the sweep goes on.

Usage (from the repository root): `python benchmarks/simulate.py [--quick] [--base]
[--filter KEY=VALUE]`, or `nox -s bench -- [--quick]`, which runs `benchmarks/run.py` and
then this script with the same arguments (so pass only `--quick`, `--runs N` and `--out DIR`
there; `--quick` then runs the quick sweep of every case).
"""

import argparse
import dataclasses
import datetime
import json
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
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
DType = Literal["float32", "float64"]
Factor = Literal["base", "days", "assets", "population", "dtype"]
POOLS = ("momentum", "anti-momentum", "channel")
PATHS: tuple[FeePath, ...] = ("no-fee", "fee")
DTYPES: tuple[DType, ...] = ("float32", "float64")
FACTORS: tuple[Factor, ...] = ("base", "days", "assets", "population", "dtype")
N_ASSETS = 3
SEED = 0
MINUTES_PER_DAY = 1440
CHUNK_PERIOD = 60
BURN_IN_DAYS = 10
FULL_BOUT_DAYS = 90
QUICK_BOUT_DAYS = 10
BASE_DTYPE: DType = "float64"
FEES = 0.003
#: The one-factor-at-a-time variations of the sweep, from the base case.
DAYS_VARIATIONS = (30, 365)
ASSETS_VARIATIONS = (2, 5, 8)
POPULATION_VARIATIONS = (16, 128)
DTYPE_VARIATIONS: tuple[DType, ...] = ("float32",)
#: The fee path's population cases run on a bout this long (days; `--fee-population-days`).
FEE_POPULATION_DAYS = 30
#: A function whose warm-up call took longer than this (s) is timed over `SLOW_RUNS` calls.
SLOW_WARMUP_S = 10.0
SLOW_RUNS = 2
#: Pool settings, in human units (one value shared by all assets).
MEMORY_DAYS = 10.0
K_PER_DAY = 20.0
CHANNEL = {"width": 0.5, "amplitude_per_day": 1.0, "exponents": 2.0}
#: Member `i` of a population remembers `MEMORY_DAYS * (1 + POPULATION_SPREAD * i)` days.
POPULATION_SPREAD = 0.01
#: The targets of the performance issue (2-core CPU, float64, 3 assets, 90-day bout).
TARGET_NO_FEE_GRAD_S = 0.030
TARGET_FEE_FORWARD_S = 0.150
TARGET_FEE_GRAD_S = 0.600
TARGET_PEAK_MB = 600.0
TARGET_NO_FEE_COMPILE_S = 1.5
#: Time grows linearly: time ratio / size ratio within these bounds.
TARGET_LINEAR = (0.7, 1.3)
DEFAULT_OUT = Path(__file__).resolve().parent / "results"
DESCRIPTION = "Benchmark quantamm_eqx.simulate (no-fee and fee paths, three pool types, sweep)."


@dataclasses.dataclass(frozen=True)
class Case:
    """One measurement's setting: a pool type on a path, bout, assets, population, dtype."""

    pool: str
    path: FeePath
    days: int
    assets: int = N_ASSETS
    population: int = 1
    dtype: DType = BASE_DTYPE

    def spec(self) -> str:
        """The `--case` text: `POOL:PATH:days=D,assets=A,population=P,dtype=T`."""
        return (
            f"{self.pool}:{self.path}:days={self.days},assets={self.assets},"
            f"population={self.population},dtype={self.dtype}"
        )

    @classmethod
    def parse(cls, text: str, default_days: int) -> "Case":
        """The case of a `--case` text; settings left out take the base case's values."""
        pool, _, rest = text.partition(":")
        path, _, settings = rest.partition(":")
        if pool not in POOLS or path not in PATHS:
            raise ValueError(f"expected POOL:PATH with POOL in {POOLS}, PATH in {PATHS}")
        values: dict[str, Any] = {"days": default_days}
        for item in filter(None, settings.split(",")):
            key, _, value = item.partition("=")
            if key in ("days", "assets", "population"):
                values[key] = int(value)
            elif key == "dtype" and value in DTYPES:
                values[key] = value
            else:
                raise ValueError(f"unknown setting {item!r}")
        case = cls(pool=pool, path=path, **values)  # type: ignore[arg-type]
        if case.days < 2 or case.assets < 2 or case.population < 1:
            raise ValueError("need days >= 2, assets >= 2 and population >= 1")
        return case


class Row(TypedDict):
    """One case, measured in its own process (times in s, memory in KiB)."""

    case: str
    pool: str
    path: FeePath
    days: int
    n_assets: int
    population: int
    dtype: DType
    vary: Factor
    label: str
    bout_length: int
    minutes: int
    fees: float
    compile_forward_s: float
    compile_grad_s: float
    forward_warmup_s: float
    forward_median_s: float
    forward_min_s: float
    forward_runs: int
    grad_warmup_s: float
    grad_median_s: float
    grad_min_s: float
    grad_runs: int
    objective: float
    peak_rss_kib: int
    rss_stages_kib: dict[str, int]
    machine: dict[str, Any]
    date: str


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    selection = parser.add_mutually_exclusive_group()
    selection.add_argument(
        "--sweep",
        action="store_true",
        help="the base case and its one-factor variations for every pool and path (default)",
    )
    selection.add_argument(
        "--base", action="store_true", help="only the base case of every pool and path"
    )
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="KEY=VALUE[,VALUE]",
        help="keep the cases matching (repeatable); keys: pool, path, days, assets, "
        "population, dtype, vary (base, days, assets, population, dtype)",
    )
    parser.add_argument(
        "--list", action="store_true", help="print the selected cases and exit, measuring none"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: bouts scaled by {QUICK_BOUT_DAYS}/{FULL_BOUT_DAYS} (a "
        f"{QUICK_BOUT_DAYS}-day base bout) and 2 timed runs per function",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=None,
        help=f"timed runs per function (default: 5; 2 with --quick; {SLOW_RUNS} where the "
        f"warm-up took more than {SLOW_WARMUP_S:g} s)",
    )
    parser.add_argument(
        "--fee-population-days",
        type=int,
        default=FEE_POPULATION_DAYS,
        help=f"bout (days) of the fee path's population cases (default {FEE_POPULATION_DAYS}; "
        "scaled like every bout with --quick)",
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
        help="internal: measure one case, POOL:PATH[:days=90,assets=3,population=1,"
        "dtype=float64] or `baseline`, in this process and write it to --json-out",
    )
    parser.add_argument("--json-out", type=Path, default=None, help="internal: see --case")
    return parser.parse_args(argv)


def max_rss_kib() -> int:
    """This process's peak resident set size so far, in KiB (`ru_maxrss` on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def scaled_days(days: int, quick: bool) -> int:
    """A bout length in days, scaled by `QUICK_BOUT_DAYS / FULL_BOUT_DAYS` for `--quick`."""
    return max(2, round(days * QUICK_BOUT_DAYS / FULL_BOUT_DAYS)) if quick else days


def varied(case: Case, base_days: int) -> Factor:
    """The factor a sweep case varies from the base (population before the bout it runs on)."""
    if case.population != 1:
        return "population"
    if case.days != base_days:
        return "days"
    if case.assets != N_ASSETS:
        return "assets"
    if case.dtype != BASE_DTYPE:
        return "dtype"
    return "base"


def case_label(case: Case, base_days: int) -> str:
    """A short name for a case: what differs from the base case (`base` if nothing)."""
    parts = []
    if case.population != 1:
        parts.append(f"pop {case.population}")
    if case.days != base_days:
        parts.append(f"{case.days} d")
    if case.assets != N_ASSETS:
        parts.append(f"{case.assets} assets")
    if case.dtype != BASE_DTYPE:
        parts.append(case.dtype)
    return ", ".join(parts) or "base"


def sweep_cases(quick: bool, fee_population_days: int) -> list[Case]:
    """Every pool and path: the base case, then one factor at a time."""
    base_days = scaled_days(FULL_BOUT_DAYS, quick)
    day_variations = [scaled_days(days, quick) for days in DAYS_VARIATIONS]
    cases = []
    for pool in POOLS:
        for path in PATHS:
            base = Case(pool=pool, path=path, days=base_days)
            population_days = (
                scaled_days(fee_population_days, quick) if path == "fee" else base_days
            )
            cases.append(base)
            cases += [dataclasses.replace(base, days=days) for days in day_variations]
            if population_days not in (base_days, *day_variations):  # the populations' reference
                cases.append(dataclasses.replace(base, days=population_days))
            cases += [dataclasses.replace(base, assets=n) for n in ASSETS_VARIATIONS]
            cases += [
                dataclasses.replace(base, population=n, days=population_days)
                for n in POPULATION_VARIATIONS
            ]
            cases += [dataclasses.replace(base, dtype=dtype) for dtype in DTYPE_VARIATIONS]
    return cases


def parse_filters(filters: Iterable[str]) -> dict[str, set[str]]:
    """`--filter KEY=V1,V2` options as {key: allowed values} (repeated keys intersect)."""
    keys = ("pool", "path", "days", "assets", "population", "dtype", "vary")
    selected: dict[str, set[str]] = {}
    for text in filters:
        key, sep, values = text.partition("=")
        if not sep or key not in keys or not values:
            raise SystemExit(f"--filter expects KEY=VALUE[,VALUE] with KEY in {keys}; got {text!r}")
        allowed = set(values.split(","))
        selected[key] = selected[key] & allowed if key in selected else allowed
    return selected


def matches(case: Case, filters: dict[str, set[str]], base_days: int) -> bool:
    """Whether `case` passes every filter."""
    fields = dataclasses.asdict(case) | {"vary": varied(case, base_days)}
    return all(str(fields[key]) in allowed for key, allowed in filters.items())


def make_pool(
    name: str, n_assets: int = N_ASSETS, memory_days: float = MEMORY_DAYS
) -> qe.AbstractPool:
    """The pool of type `name` for `n_assets` assets, built from human units."""
    common = {
        "n_assets": n_assets,
        "memory_days": memory_days,
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


def make_population(name: str, n_assets: int, population: int, dtype: Any) -> qe.AbstractPool:
    """One pool (`population == 1`) or `population` pools stacked leaf by leaf, in `dtype`.

    Member `i` remembers `MEMORY_DAYS * (1 + POPULATION_SPREAD * i)` days.
    """
    pools = [
        make_pool(name, n_assets, MEMORY_DAYS * (1 + POPULATION_SPREAD * i))
        for i in range(population)
    ]
    pool = pools[0] if population == 1 else jax.tree_util.tree_map(lambda *x: jnp.stack(x), *pools)
    return jax.tree_util.tree_map(
        lambda x: jnp.asarray(x, dtype) if eqx.is_inexact_array(x) else x, pool
    )


def make_config(path: FeePath) -> qe.SimulationConfig:
    """The configuration of a path: defaults (no fees) or `fees=FEES`."""
    fees = FEES if path == "fee" else 0.0
    return qe.SimulationConfig(
        chunk_period=CHUNK_PERIOD, weight_interpolation_period=CHUNK_PERIOD, fees=fees
    )


def daily_log_sharpe(values: jax.Array) -> jax.Array:
    """The annualised Sharpe ratio of the daily log returns of `values` (along the last axis)."""
    daily = values[..., ::MINUTES_PER_DAY]
    returns = jnp.diff(jnp.log(daily), axis=-1)
    return jnp.sqrt(365.0) * returns.mean(axis=-1) / (returns.std(axis=-1) + 1e-8)


def time_calls(fn: Callable[[], Any], runs: int) -> list[float]:
    """Wall times of `runs` calls of `fn`, each waited on with `jax.block_until_ready`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - start)
    return times


def warm_and_time(fn: Callable[[], Any], runs: int) -> tuple[Any, float, list[float]]:
    """One warm-up call, timed but kept out of the statistics, then the timed calls.

    Returns the warm-up's result, its wall time, and the times of `runs` calls, or of
    `min(runs, SLOW_RUNS)` calls when the warm-up took more than `SLOW_WARMUP_S`.
    """
    start = time.perf_counter()
    out = jax.block_until_ready(fn())
    warmup_s = time.perf_counter() - start
    if warmup_s > SLOW_WARMUP_S:
        runs = min(runs, SLOW_RUNS)
    return out, warmup_s, time_calls(fn, runs)


def compile_timed(fn: Callable[..., Any], *args: Any) -> tuple[Callable[..., Any], float]:
    """`eqx.filter_jit(fn).lower(*args).compile()` and its wall time."""
    start = time.perf_counter()
    compiled = eqx.filter_jit(fn).lower(*args).compile()
    return compiled, time.perf_counter() - start


def bench_case(case: Case, runs: int, base_days: int) -> Row:
    """Compile and time the forward and value-and-grad of `simulate` for one case."""
    stages = {"start": max_rss_kib()}
    dtype = jnp.dtype(case.dtype)
    bout_length = case.days * MINUTES_PER_DAY
    start_index = BURN_IN_DAYS * MINUTES_PER_DAY
    prices = gbm_prices(start_index + bout_length, case.assets, SEED, dtype)
    pool = make_population(case.pool, case.assets, case.population, dtype)
    config = make_config(case.path)
    stages["prices built"] = max_rss_kib()

    def simulate_values(pool: qe.AbstractPool, prices: jax.Array) -> jax.Array:
        result = qe.simulate(pool, prices, config, start_index=start_index, bout_length=bout_length)
        return result.values

    def forward(pool: qe.AbstractPool, prices: jax.Array) -> jax.Array:
        if case.population == 1:
            return simulate_values(pool, prices)
        return eqx.filter_vmap(lambda member: simulate_values(member, prices))(pool)

    def objective(pool: qe.AbstractPool, prices: jax.Array) -> jax.Array:
        return jnp.sum(daily_log_sharpe(forward(pool, prices)))

    compiled_forward, compile_forward_s = compile_timed(forward, pool, prices)
    stages["forward compiled"] = max_rss_kib()
    _, forward_warmup_s, forward_times = warm_and_time(lambda: compiled_forward(pool, prices), runs)
    stages["forward run"] = max_rss_kib()

    compiled_grad, compile_grad_s = compile_timed(
        eqx.filter_value_and_grad(objective), pool, prices
    )
    stages["value-and-grad compiled"] = max_rss_kib()
    (value, _), grad_warmup_s, grad_times = warm_and_time(lambda: compiled_grad(pool, prices), runs)
    stages["value-and-grad run"] = max_rss_kib()

    return Row(
        case=case.spec(),
        pool=case.pool,
        path=case.path,
        days=case.days,
        n_assets=case.assets,
        population=case.population,
        dtype=case.dtype,
        vary=varied(case, base_days),
        label=case_label(case, base_days),
        bout_length=bout_length,
        minutes=bout_length - 1,
        fees=config.fees,
        compile_forward_s=compile_forward_s,
        compile_grad_s=compile_grad_s,
        forward_warmup_s=forward_warmup_s,
        forward_median_s=statistics.median(forward_times),
        forward_min_s=min(forward_times),
        forward_runs=len(forward_times),
        grad_warmup_s=grad_warmup_s,
        grad_median_s=statistics.median(grad_times),
        grad_min_s=min(grad_times),
        grad_runs=len(grad_times),
        objective=float(value),
        peak_rss_kib=max_rss_kib(),
        rss_stages_kib=stages,
        machine=machine_info(dtype),
        date=now(),
    )


def baseline_case() -> dict[str, Any]:
    """Peak RSS of a process that imported jax and quantamm_eqx and ran a tiny computation."""
    x = jnp.arange(3.0, dtype=jnp.float64)
    jax.block_until_ready(jax.jit(lambda x: jnp.sum(jnp.exp(x)))(x))
    return {"case": "baseline", "peak_rss_kib": max_rss_kib()}


def now() -> str:
    """The current UTC time, ISO 8601, to the second."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def run_case(args: argparse.Namespace, case: Case | None) -> int:
    """`--case`: measure one case in this process and write its JSON to `--json-out`."""
    if args.json_out is None:
        raise SystemExit("--case needs --json-out")
    if case is None:
        result: dict[str, Any] = baseline_case()
    else:
        base_days = scaled_days(FULL_BOUT_DAYS, args.quick)
        result = dict(bench_case(case, args.runs, base_days))
    write_atomic(args.json_out, json.dumps(result, indent=2) + "\n")
    return 0


def in_subprocess(spec: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Run this script with `--case spec` in a fresh Python process; return its JSON.

    Raises `subprocess.CalledProcessError` if the process fails.
    """
    json_out = workdir / "case.json"
    json_out.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--case", spec]
    command += ["--json-out", str(json_out), "--runs", str(args.runs)]
    if args.quick:
        command.append("--quick")
    subprocess.run(command, check=True)
    return json.loads(json_out.read_text(encoding="utf-8"))


def mb(kib: float) -> float:
    """KiB to MB (10**6 bytes), the unit of the memory target."""
    return kib * 1024 / 1e6


def row_key(row: Row | Case) -> tuple[Any, ...]:
    """What identifies a case among the rows."""
    if isinstance(row, Case):
        return (row.pool, row.path, row.days, row.assets, row.population, row.dtype)
    return (
        row["pool"],
        row["path"],
        row["days"],
        row["n_assets"],
        row["population"],
        row["dtype"],
    )


def row_case(row: Row) -> Case:
    """The case of a row."""
    return Case(
        pool=row["pool"],
        path=row["path"],
        days=row["days"],
        assets=row["n_assets"],
        population=row["population"],
        dtype=row["dtype"],
    )


def reference_case(row: Row, base_days: int) -> tuple[Case, str] | None:
    """The case a variation is compared with, and the unit of its size ratio."""
    case = row_case(row)
    if row["vary"] == "population":
        return dataclasses.replace(case, population=1), "members"
    if row["vary"] == "days":
        return dataclasses.replace(case, days=base_days), "minutes"
    if row["vary"] == "assets":
        return dataclasses.replace(case, assets=N_ASSETS), "assets"
    return None


def size_ratio(row: Row, reference: Row, unit: str) -> float:
    """How much larger a row's case is than its reference, in `unit`."""
    if unit == "members":
        return row["population"] / reference["population"]
    if unit == "minutes":
        return row["minutes"] / reference["minutes"]
    return row["n_assets"] / reference["n_assets"]


def ms(seconds: float) -> str:
    """Seconds as milliseconds, to a tenth."""
    return f"{1e3 * seconds:,.1f}"


def runs_text(row: Row) -> str:
    """The number of timed runs, forward / value-and-grad."""
    return f"{row['forward_runs']}/{row['grad_runs']}"


def is_base(row: Row) -> bool:
    """Whether a row is a base case."""
    return row["vary"] == "base"


def base_table(rows: Sequence[Row]) -> str:
    """The base cases: compile and run times (times in ms)."""
    lines = [
        "| pool | path | compile fwd (s) | compile v&g (s) | fwd, median (ms) | fwd, min (ms) "
        "| v&g, median (ms) | v&g, min (ms) | fwd per minute (ns) | v&g per minute (ns) "
        "| runs |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if not is_base(row):
            continue
        lines.append(
            f"| {row['pool']} | {row['path']} | {row['compile_forward_s']:.2f} "
            f"| {row['compile_grad_s']:.2f} | {ms(row['forward_median_s'])} "
            f"| {ms(row['forward_min_s'])} | {ms(row['grad_median_s'])} "
            f"| {ms(row['grad_min_s'])} "
            f"| {1e9 * row['forward_median_s'] / row['minutes']:,.0f} "
            f"| {1e9 * row['grad_median_s'] / row['minutes']:,.0f} | {runs_text(row)} |"
        )
    return "\n".join(lines) + "\n"


def scaling_table(rows: Sequence[Row], path: FeePath, base_days: int) -> str:
    """Time per minute-step and member of every float64 case of `path`, and the ratios.

    Each variation is compared with its reference: the base case, or for a population the
    single pool on the same bout. `4.05x time for 4.06x minutes` reads: the median time is
    4.05 times the reference's, for a bout 4.06 times as long.
    """
    by_key = {row_key(row): row for row in rows}
    lines = [
        "| pool | case | fwd (ms) | v&g (ms) | fwd per minute·member (ns) "
        "| v&g per minute·member (ns) | fwd vs reference | v&g vs reference | runs |",
        "|---|---|---:|---:|---:|---:|---|---|---:|",
    ]
    for row in rows:
        if row["path"] != path or row["dtype"] != BASE_DTYPE:
            continue
        work = row["minutes"] * row["population"]
        reference = reference_case(row, base_days)
        versus = ["(reference)"] * 2 if is_base(row) else ["-"] * 2
        if reference is not None and row_key(reference[0]) in by_key:
            ref_row, unit = by_key[row_key(reference[0])], reference[1]
            size = size_ratio(row, ref_row, unit)
            suffix = "" if is_base(ref_row) else f" (vs {ref_row['label']})"
            versus = [
                f"{row[key] / ref_row[key]:.2f}x time for {size:.2f}x {unit}{suffix}"
                for key in ("forward_median_s", "grad_median_s")
            ]
        lines.append(
            f"| {row['pool']} | {row['label']} | {ms(row['forward_median_s'])} "
            f"| {ms(row['grad_median_s'])} | {1e9 * row['forward_median_s'] / work:,.1f} "
            f"| {1e9 * row['grad_median_s'] / work:,.1f} | {versus[0]} | {versus[1]} "
            f"| {runs_text(row)} |"
        )
    return "\n".join(lines) + "\n"


def precision_table(rows: Sequence[Row]) -> str:
    """float32 against float64 (each float32 case next to its float64 base case)."""
    by_key = {row_key(row): row for row in rows}
    lines = [
        "| pool | path | compile fwd f64 / f32 (s) | compile v&g f64 / f32 (s) "
        "| fwd f64 (ms) | fwd f32 (ms) | f32 / f64 | v&g f64 (ms) | v&g f32 (ms) | f32 / f64 "
        "| objective f64 | objective f32 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if row["dtype"] == BASE_DTYPE or row["vary"] != "dtype":
            continue
        key = row_key(dataclasses.replace(row_case(row), dtype=BASE_DTYPE))
        if key not in by_key:
            continue
        f64 = by_key[key]
        lines.append(
            f"| {row['pool']} | {row['path']} "
            f"| {f64['compile_forward_s']:.2f} / {row['compile_forward_s']:.2f} "
            f"| {f64['compile_grad_s']:.2f} / {row['compile_grad_s']:.2f} "
            f"| {ms(f64['forward_median_s'])} | {ms(row['forward_median_s'])} "
            f"| {row['forward_median_s'] / f64['forward_median_s']:.2f} "
            f"| {ms(f64['grad_median_s'])} | {ms(row['grad_median_s'])} "
            f"| {row['grad_median_s'] / f64['grad_median_s']:.2f} "
            f"| {f64['objective']:.6g} | {row['objective']:.6g} |"
        )
    return "\n".join(lines) + "\n"


def memory_table(rows: Sequence[Row], baseline_kib: int) -> str:
    """Peak RSS of every case, and the peak so far after each stage (MB)."""
    lines = [
        "| pool | path | case | peak RSS | above baseline | prices built | fwd compiled "
        "| fwd run | v&g compiled | v&g run |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    stage_names = (
        "prices built",
        "forward compiled",
        "forward run",
        "value-and-grad compiled",
        "value-and-grad run",
    )
    for row in rows:
        stages = row["rss_stages_kib"]
        staged = " | ".join(f"{mb(stages[name]):,.0f}" for name in stage_names)
        lines.append(
            f"| {row['pool']} | {row['path']} | {row['label']} | {mb(row['peak_rss_kib']):,.0f} "
            f"| {mb(row['peak_rss_kib'] - baseline_kib):,.0f} | {staged} |"
        )
    return "\n".join(lines) + "\n"


def linearity(
    rows: Sequence[Row], path: FeePath, vary: Factor, large: Case, small: Case
) -> dict[str, dict[str, float]]:
    """Per pool and function: (time ratio) / (size ratio) of the `large` and `small` cases.

    `large` and `small` name the setting; their `pool` is replaced by each pool in turn.
    """
    by_key = {row_key(row): row for row in rows}
    ratios: dict[str, dict[str, float]] = {"forward": {}, "grad": {}}
    for pool in POOLS:
        big = by_key.get(row_key(dataclasses.replace(large, pool=pool, path=path)))
        little = by_key.get(row_key(dataclasses.replace(small, pool=pool, path=path)))
        if big is None or little is None:
            continue
        unit = "members" if vary == "population" else "minutes"
        size = size_ratio(big, little, unit)
        for function in ("forward", "grad"):
            key = f"{function}_median_s"
            ratios[function][pool] = big[key] / little[key] / size
    return ratios


def target_checks(
    rows: Sequence[Row], base_days: int, long_days: int, population_days: int
) -> list[dict[str, Any]]:
    """Each target against the worst case over the pools (base cases, median times).

    Linearity compares the `long_days` bout with the base bout, and the largest population
    with the smallest (on a `population_days` bout), on the no-fee path. Targets whose cases
    were not measured are left out.
    """
    base = [row for row in rows if is_base(row)]
    checks: list[dict[str, Any]] = []

    def add(name: str, path: FeePath | None, key: str, scale: float, limit: float) -> None:
        values = [float(row[key]) for row in base if path is None or row["path"] == path]
        if values:
            measured = scale * max(values)
            checks.append({"target": name, "measured": measured, "limit": limit})

    add("no-fee value-and-grad (ms)", "no-fee", "grad_median_s", 1e3, 1e3 * TARGET_NO_FEE_GRAD_S)
    add("fee forward (ms)", "fee", "forward_median_s", 1e3, 1e3 * TARGET_FEE_FORWARD_S)
    add("fee value-and-grad (ms)", "fee", "grad_median_s", 1e3, 1e3 * TARGET_FEE_GRAD_S)
    add("peak memory, any base case (MB)", None, "peak_rss_kib", 1024 / 1e6, TARGET_PEAK_MB)
    add(
        "no-fee compile, value-and-grad (s)", "no-fee", "compile_grad_s", 1, TARGET_NO_FEE_COMPILE_S
    )
    add("no-fee compile, forward (s)", "no-fee", "compile_forward_s", 1, TARGET_NO_FEE_COMPILE_S)

    small_pop, large_pop = POPULATION_VARIATIONS[0], POPULATION_VARIATIONS[-1]
    setting = Case(pool=POOLS[0], path="no-fee", days=base_days)
    comparisons = (
        (
            f"{long_days} d / {base_days} d",
            "days",
            dataclasses.replace(setting, days=long_days),
            setting,
        ),
        (
            f"pop {large_pop} / pop {small_pop}",
            "population",
            dataclasses.replace(setting, population=large_pop, days=population_days),
            dataclasses.replace(setting, population=small_pop, days=population_days),
        ),
    )
    for name, vary, large, small in comparisons:
        ratios = linearity(rows, "no-fee", vary, large, small)
        for function, label in (("forward", "fwd"), ("grad", "v&g")):
            per_pool = ratios[function]
            if per_pool:  # the worst pool: the ratio farthest from 1
                worst = max(per_pool.values(), key=lambda ratio: abs(math.log(ratio)))
                checks.append(
                    {
                        "target": f"linear time, no-fee {label}, {name} (time ratio / size ratio)",
                        "measured": worst,
                        "limit": list(TARGET_LINEAR),
                        "per_pool": per_pool,
                    }
                )
    for check in checks:
        limit = check["limit"]
        measured = check["measured"]
        check["met"] = (
            limit[0] <= measured <= limit[1] if isinstance(limit, list) else measured <= limit
        )
    return checks


def number(value: float) -> str:
    """A measurement for the targets table: two decimals below 10, else one."""
    return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"


def targets_table(checks: Sequence[dict[str, Any]]) -> str:
    """The target checks as a Markdown table."""
    lines = ["| target | measured | limit | met |", "|---|---:|---:|---|"]
    for check in checks:
        limit = check["limit"]
        limit_text = f"{limit[0]:g}–{limit[1]:g}" if isinstance(limit, list) else f"{limit:g}"
        lines.append(
            f"| {check['target']} | {number(check['measured'])} | {limit_text} "
            f"| {'yes' if check['met'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def markdown_report(report: dict[str, Any]) -> str:
    """The Markdown results file: heading, machine, date, setup, tables, targets."""
    rows, machine = report["rows"], report["machine"]
    base_days = report["base_days"]
    text = (
        "# `simulate` benchmark\n\n"
        f"- Machine: {describe_machine(machine)} (float32 cases: float32)\n"
        f"- Date: {report['date']}; the run took {report['wall_s'] / 60:.1f} min\n"
        f"- Base case: {BASE_DTYPE}, {N_ASSETS} assets, a {base_days}-day bout (`bout_length` "
        f"{base_days * MINUTES_PER_DAY:,}) after a {BURN_IN_DAYS}-day burn-in, one parameter "
        f"set; chunk period {CHUNK_PERIOD}; fee path `fees={FEES}`.\n"
        f"- Variations, one factor at a time: bouts of "
        f"{', '.join(str(days) for days in report['days_variations'])} days; "
        f"{', '.join(map(str, ASSETS_VARIATIONS))} assets; populations of "
        f"{', '.join(map(str, POPULATION_VARIATIONS))} (a stacked pool under "
        f"`eqx.filter_vmap`; objective: the sum of the members' Sharpe ratios), on a "
        f"{report['population_days']['no-fee']}-day bout for the no-fee path and a "
        f"{report['population_days']['fee']}-day bout for the fee path; float32.\n"
        f"- Median and minimum of {report['runs']} runs after a warm-up call ({SLOW_RUNS} runs "
        f"where the warm-up took more than {SLOW_WARMUP_S:g} s; `runs` is forward/"
        "value-and-grad); each case in its own process.\n"
    )
    if report["quick"]:
        text += "- A `--quick` run: bouts scaled by 10/90; the targets do not apply.\n"
    if report["selection"]["filters"]:
        text += f"- Filters: {report['selection']['filters']}\n"
    text += "\n## Base cases\n\n" + base_table(rows)
    for path in PATHS:
        if any(row["path"] == path for row in rows):
            text += (
                f"\n## Scaling, {path} path ({BASE_DTYPE})\n\n"
                "Time per simulated minute and member; each variation against its reference "
                "(the base case; for a population, the single pool on the same bout): "
                "`4.05x time for 4.06x minutes` reads: the median time is 4.05 times the "
                "reference's, for a bout 4.06 times as long.\n\n"
                + scaling_table(rows, path, base_days)
            )
    if any(row["vary"] == "dtype" for row in rows):
        text += "\n## float32 against float64\n\n" + precision_table(rows)
    text += (
        f"\n## Peak resident memory\n\nMB = 10^6 bytes; baseline process: "
        f"{mb(report['baseline_rss_kib']):.0f} MB. The peak so far after each stage of the "
        "case:\n\n" + memory_table(rows, report["baseline_rss_kib"])
    )
    text += "\n## Against the targets\n\nWorst pool; base cases, median times.\n\n"
    if report["quick"]:
        text += "(A `--quick` run: the targets are for a 90-day bout and do not apply.)\n\n"
    text += targets_table(report["targets"])
    if report["failures"]:
        text += "\n## Failed cases\n\n" + "".join(
            f"- `{failure['case']}`: {failure['error']}\n" for failure in report["failures"]
        )
    return text


def progress_line(index: int, total: int, row: Row, elapsed: float) -> str:
    """One line per measured case."""
    return (
        f"  [{index:>2}/{total}] {row['pool']:>13} {row['path']:>6} {row['label']:<18}: "
        f"compile {row['compile_forward_s']:5.2f} + {row['compile_grad_s']:5.2f} s, "
        f"fwd {1e3 * row['forward_median_s']:9.1f} ms, v&g {1e3 * row['grad_median_s']:9.1f} "
        f"ms ({runs_text(row)} runs), peak {mb(row['peak_rss_kib']):,.0f} MB; "
        f"{elapsed:,.0f} s so far"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run every selected case in its own process, print the tables, write the results."""
    args = parse_args(argv)
    if args.runs is None:
        args.runs = 2 if args.quick else 5
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    if args.fee_population_days < 2:
        raise SystemExit("--fee-population-days must be at least 2")
    base_days = scaled_days(FULL_BOUT_DAYS, args.quick)
    if args.case is not None:
        case = None
        if args.case != "baseline":
            try:
                case = Case.parse(args.case, base_days)
            except ValueError as error:
                raise SystemExit(f"--case {args.case!r}: {error}") from None
        # float64 unless the case is float32, chosen here and never at import.
        jax.config.update("jax_enable_x64", case is None or case.dtype == "float64")
        return run_case(args, case)

    jax.config.update("jax_enable_x64", True)
    filters = parse_filters(args.filter)
    if args.base:
        filters["vary"] = filters.get("vary", {"base"}) & {"base"}
    cases = [
        case
        for case in sweep_cases(args.quick, args.fee_population_days)
        if matches(case, filters, base_days)
    ]
    if not cases:
        raise SystemExit(f"no case matches the filters {args.filter}")
    if args.list:
        print("\n".join(case.spec() for case in cases))
        return 0

    machine = machine_info(jnp.float64)
    date = now()
    print(f"Machine: {describe_machine(machine)}", flush=True)
    print(f"{len(cases)} cases", flush=True)
    rows: list[Row] = []
    failures: list[dict[str, str]] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="simulate-bench-") as workdir:
        baseline_kib = in_subprocess("baseline", args, Path(workdir))["peak_rss_kib"]
        print(f"  baseline process: peak RSS {mb(baseline_kib):.0f} MB", flush=True)
        for index, case in enumerate(cases, start=1):
            try:
                row: Row = in_subprocess(case.spec(), args, Path(workdir))  # type: ignore
            except subprocess.CalledProcessError as error:
                failures.append({"case": case.spec(), "error": f"exit status {error.returncode}"})
                print(f"  [{index:>2}/{len(cases)}] {case.spec()}: FAILED", flush=True)
                continue
            rows.append(row)
            print(progress_line(index, len(cases), row, time.perf_counter() - start), flush=True)
    wall_s = time.perf_counter() - start

    population_days = {
        "no-fee": base_days,
        "fee": scaled_days(args.fee_population_days, args.quick),
    }
    report: dict[str, Any] = {
        "benchmark": "quantamm_eqx.simulate",
        "date": date,
        "wall_s": wall_s,
        "machine": machine,
        "seed": SEED,
        "chunk_period": CHUNK_PERIOD,
        "burn_in_days": BURN_IN_DAYS,
        "base_days": base_days,
        "base_assets": N_ASSETS,
        "base_dtype": BASE_DTYPE,
        "days_variations": [scaled_days(days, args.quick) for days in DAYS_VARIATIONS],
        "assets_variations": list(ASSETS_VARIATIONS),
        "population_variations": list(POPULATION_VARIATIONS),
        "population_days": population_days,
        "fees": FEES,
        "quick": args.quick,
        "runs": args.runs,
        "slow_warmup_s": SLOW_WARMUP_S,
        "slow_runs": SLOW_RUNS,
        "selection": {"base_only": args.base, "filters": args.filter},
        "baseline_rss_kib": baseline_kib,
        "rows": rows,
        "failures": failures,
    }
    report["targets"] = target_checks(
        rows, base_days, max(report["days_variations"]), population_days["no-fee"]
    )
    write_atomic(args.out / "simulate.json", json.dumps(report, indent=2) + "\n")
    markdown = markdown_report(report)
    write_atomic(args.out / "simulate.md", markdown)
    print()
    print(markdown)
    print(f"Wrote {args.out / 'simulate.json'} and {args.out / 'simulate.md'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

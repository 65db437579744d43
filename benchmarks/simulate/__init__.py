"""Benchmark `quantamm_eqx.simulate` and the training objective's value-and-grad: the base
case, and how it scales. Run `python -m benchmarks.simulate` from the repository root.

The base case is the target of the project's performance work (`benchmarks._setup`):
float64, 3 assets, a 90-day bout after a 10-day burn-in, `chunk_period = 60`, one parameter
set, on seeded geometric Brownian motion minute prices. Every case runs one pool of the
library's registry (`momentum`, `anti_momentum`, `mean_reversion_channel`) on one path of
`simulate` (no-fee: the default configuration, the closed form; fee: `fees=0.003`, the
per-minute arbitrage scan).

The sweep (`--sweep`, the default) measures, for each pool and path, the base case and
one-factor-at-a-time variations from it:

- bout length: 30 and 365 days (base 90);
- assets: 2, 5 and 8 (base 3);
- population: 16 and 128 parameter sets (base 1), simulated together: a stacked pool (member
  `i` remembers `10 * (1 + 0.01 i)` days) under `eqx.filter_vmap`, the objective being the
  sum over members of their objectives. On the fee path these cases run on a
  `--fee-population-days` bout (default 30) to keep the sweep short, and are compared with
  the single pool on that bout;
- precision: float32 (base float64).

`--base` measures the base cases only (six cases); `--filter KEY=VALUE` (repeatable;
comma-separated values; keys `pool`, `path`, `days`, `assets`, `population`, `dtype` and
`vary`, the factor varied: `base`, `days`, `assets`, `population`, `dtype`) keeps a subset,
e.g. `--filter path=no-fee --filter vary=base,population`; `--list` prints the selected
cases without measuring them. Pools are named as in `quantamm_eqx.pools.POOLS`; the earlier
names `anti-momentum` and `channel` are accepted too.

For each case, in its own process (`--case POOL:PATH[:days=90,assets=3,population=1,
dtype=float64]`, which writes its row to `--json-out`):

- the compile time of `eqx.filter_jit(f).lower(pool, prices).compile()` for the forward,
  `quantamm_eqx.simulate(...).values`, and for `eqx.filter_value_and_grad` of the objective
  `fit` takes by default, `quantamm_eqx.metrics.OBJECTIVES["daily_log_sharpe"]` of the
  `Simulation`, with respect to the pool;
- the run time: median and minimum of `--runs` calls of each compiled function after an
  untimed warm-up call (2 calls where the warm-up took more than 10 s);
- the peak resident memory, `ru_maxrss` at the end of the case's process (JAX included),
  and the peak so far after each stage. A baseline process (`--case baseline`) that only
  imports jax and quantamm_eqx and runs a tiny computation gives what every process pays.

float64 is switched on inside `main()`, never at import; a float32 case runs in a process
that leaves it off, as a float32 user would. `--quick` scales every bout by 10/90 (at least
3 days, the objective's minimum) and times 2 calls per function.

Results go to `<out>/simulate.json` and `<out>/simulate.md` (default `benchmarks/results/`),
written atomically. A case whose process fails is reported as failed and the sweep goes on.

Modules: `_cases` (the cases, sweep and filters), `_measure` (one case, in this process),
`_report` (the Markdown tables), `_targets` (the performance targets), `_cli` (the command
line).
"""

from ._cli import main as main

"""Benchmarks of quantamm_eqx, run as modules from the repository root.

- `python -m benchmarks.run`: the EWMA price-gradient estimator, `ewma_gradients`;
- `python -m benchmarks.simulate`: `quantamm_eqx.simulate` and the value-and-grad of the
  training objective, base case and sweep (each case in its own process);
- `python -m benchmarks.memory`: peak memory of each compiled function alone;
- `python -m benchmarks.arbitrage`: the fee path's two arbitrage rules, float64 and float32;
- `python -m benchmarks.sharding`: population training throughput against device count.

Every script uses the shared harness (`benchmarks._harness`: timing with the compilation and
a warm-up call kept apart from the timed calls, medians of repeats, the machine and version
header, atomic JSON and Markdown results under `benchmarks/results/`, common options) and
the shared setting of the `simulate` cases (`benchmarks._setup`), which builds pools from the
library's registry, `quantamm_eqx.pools.POOLS`, and times the library's own functions:
`quantamm_eqx.simulate` and the objective `fit` takes by default,
`quantamm_eqx.metrics.OBJECTIVES["daily_log_sharpe"]`.
"""

"""One side of `benchmarks.side_by_side`: time the reference simulator, quantammsim.

Run by `benchmarks.side_by_side` with the Python of an environment where quantammsim is
importable (never this project's: quantammsim is not a dependency):

    PYTHONPATH=<checkout> <its python> benchmarks/_reference_side.py RULE DAYS N FEES REPEATS

Prints one JSON line: compile-and-first-call and best-of-`REPEATS` times of the forward
and value-and-grad of quantammsim's `forward_pass` (daily log-Sharpe of a bout), and the
process's peak resident memory. The scenario (prices, parameters, settings) is
`benchmarks.side_by_side.scenario`'s, written out again here because this file must run
without quantamm_eqx.
"""

import json
import resource
import sys
import time

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
from quantammsim.core_simulator.forward_pass import forward_pass  # noqa: E402
from quantammsim.pools.creator import create_pool  # noqa: E402
from quantammsim.runners.jax_runner_utils import (  # noqa: E402
    NestedHashabledict,
    get_sig_variations,
)

BURN_IN_DAYS = 30


def main() -> None:
    rule, days, n, fees = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    repeats = int(sys.argv[5])
    rng = np.random.default_rng(7)
    minutes = (BURN_IN_DAYS + days + 1) * 1440
    volatility = 0.8 / np.sqrt(365 * 1440)
    prices = 1000.0 * np.exp(np.cumsum(volatility * rng.standard_normal((minutes, n)), axis=0))
    settings = NestedHashabledict(
        {
            "n_assets": n, "bout_length": days * 1440, "chunk_period": 60,
            "weight_interpolation_period": 60, "weight_interpolation_method": "linear",
            "maximum_change": 3e-4, "minimum_weight": 0.1 / n, "max_memory_days": 30.0,
            "use_alt_lamb": False, "use_pre_exp_scaling": True, "initial_pool_value": 1e6,
            "fees": fees, "gas_cost": 0.0, "arb_fees": 0.0, "do_arb": True,
            "arb_frequency": 1, "all_sig_variations": get_sig_variations(n),
            "noise_trader_ratio": 0.0, "ste_max_change": False, "ste_min_max_weight": False,
            "weight_calculation_method": "vectorized", "training_data_kind": "historic",
            "return_val": "daily_log_sharpe", "rule": rule, "run_type": "normal",
            "do_trades": False, "use_fused_reserves": True, "checkpoint_fused": "scan",
        }
    )  # fmt: skip
    pool = create_pool(rule)
    params = {
        "log_k": jnp.full(n, 4.32), "logit_lamb": jnp.full(n, 4.0),
        "logit_delta_lamb": jnp.zeros(n), "initial_weights_logits": jnp.zeros(n),
        "subsidary_params": [],
    }  # fmt: skip
    prices_j = jnp.asarray(prices)
    start = jnp.array([BURN_IN_DAYS * 1440, 0])
    frozen = ("initial_weights_logits", "subsidary_params", "logit_delta_lamb")
    trained = {key: value for key, value in params.items() if key not in frozen}

    def objective(trained_params):
        return forward_pass(
            {**params, **trained_params}, start, prices_j, pool=pool, static_dict=settings
        )

    out = {"rule": rule, "days": days, "n_assets": n, "fees": fees}
    for name, function in (
        ("fwd", jax.jit(objective)),
        ("grad", jax.jit(jax.value_and_grad(objective))),
    ):
        began = time.perf_counter()
        result = jax.block_until_ready(function(trained))
        out[f"{name}_first_s"] = time.perf_counter() - began
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            jax.block_until_ready(function(trained))
            times.append(time.perf_counter() - began)
        out[f"{name}_s"] = min(times)
        if name == "fwd":
            out["objective"] = float(result)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()

"""One side of `benchmarks.side_by_side`: time the reference simulator, quantammsim.

Run by `benchmarks.side_by_side` with the Python of an environment where quantammsim is
importable (never this project's: quantammsim is not a dependency):

    PYTHONPATH=<checkout> <its python> benchmarks/_reference_side.py RULE DAYS N FEES REPEATS

Prints one JSON line: compile-and-first-call and best-of-`REPEATS` times of the forward
and value-and-grad of quantammsim's `forward_pass` (daily log-Sharpe of a bout), and the
process's peak resident memory. The scenario (prices, parameters, settings) and the timing
come from `benchmarks/_scenario.py`, which needs NumPy and JAX only: this file runs
without quantamm_eqx.
"""

import json
import sys

import _scenario as scenario  # this folder's: the script's own directory is on sys.path
import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
from quantammsim.core_simulator.forward_pass import forward_pass  # noqa: E402
from quantammsim.pools.creator import create_pool  # noqa: E402
from quantammsim.runners.jax_runner_utils import (  # noqa: E402
    NestedHashabledict,
    get_sig_variations,
)


def main() -> None:
    rule, days, n, fees = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    reference_only = {
        "do_arb": True, "arb_frequency": 1, "all_sig_variations": get_sig_variations(n),
        "noise_trader_ratio": 0.0, "ste_max_change": False, "ste_min_max_weight": False,
        "weight_calculation_method": "vectorized", "training_data_kind": "historic",
        "return_val": "daily_log_sharpe", "run_type": "normal", "do_trades": False,
        "use_fused_reserves": True, "checkpoint_fused": "scan",
    }  # fmt: skip
    settings = NestedHashabledict({**scenario.settings(rule, days, n, fees), **reference_only})
    pool = create_pool(rule)
    params = {key: jnp.asarray(value) for key, value in scenario.parameters(n).items()}
    params["subsidary_params"] = []
    prices = jnp.asarray(scenario.prices(days, n))
    start = jnp.array([scenario.BURN_IN_DAYS * scenario.MINUTES_PER_DAY, 0])
    frozen = ("initial_weights_logits", "subsidary_params", "logit_delta_lamb")
    trained = {key: value for key, value in params.items() if key not in frozen}

    def objective(trained_params):
        return forward_pass(
            {**params, **trained_params}, start, prices, pool=pool, static_dict=settings
        )

    out = {"rule": rule, "days": days, "n_assets": n, "fees": fees}
    out |= scenario.time_both(
        jax.jit(objective), jax.jit(jax.value_and_grad(objective)), trained, int(sys.argv[5])
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()

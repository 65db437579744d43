"""The side-by-side scenario, shared by both sides of `benchmarks.side_by_side`.

NumPy and JAX only: `benchmarks/_reference_side.py` imports it (as a top-level module, from
its own folder) in an environment without quantamm_eqx, and `benchmarks/side_by_side.py`
as `benchmarks._scenario`, so the two libraries always see the same prices, parameters,
settings and timing.
"""

import resource
import time
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

BURN_IN_DAYS = 30
MINUTES_PER_DAY = 1440


def prices(days: int, n_assets: int) -> np.ndarray:
    """Seeded geometric Brownian motion minute prices: the burn-in, the bout and a minute."""
    rng = np.random.default_rng(7)
    minutes = (BURN_IN_DAYS + days + 1) * MINUTES_PER_DAY
    volatility = 0.8 / np.sqrt(365 * MINUTES_PER_DAY)
    return 1000.0 * np.exp(np.cumsum(volatility * rng.standard_normal((minutes, n_assets)), 0))


def settings(rule: str, days: int, n_assets: int, fees: float) -> dict[str, Any]:
    """quantammsim's settings of the scenario (its names; float64, chunk 60)."""
    return {
        "n_assets": n_assets, "bout_length": days * MINUTES_PER_DAY, "chunk_period": 60,
        "weight_interpolation_period": 60, "weight_interpolation_method": "linear",
        "maximum_change": 3e-4, "minimum_weight": 0.1 / n_assets, "max_memory_days": 30.0,
        "use_alt_lamb": False, "use_pre_exp_scaling": True, "initial_pool_value": 1e6,
        "fees": fees, "gas_cost": 0.0, "arb_fees": 0.0, "rule": rule,
    }  # fmt: skip


def parameters(n_assets: int) -> dict[str, np.ndarray]:
    """quantammsim's momentum parameters of the scenario."""
    return {
        "log_k": np.full(n_assets, 4.32), "logit_lamb": np.full(n_assets, 4.0),
        "logit_delta_lamb": np.zeros(n_assets), "initial_weights_logits": np.zeros(n_assets),
    }  # fmt: skip


def time_both(
    forward: Callable[[Any], Any], value_and_grad: Callable[[Any], Any], argument: Any, runs: int
) -> dict[str, float]:
    """Compile-and-first-call and best-of-`runs` seconds of both functions, the forward's
    value, and the process's peak resident memory (MB)."""
    out: dict[str, float] = {}
    for name, function in (("fwd", forward), ("grad", value_and_grad)):
        began = time.perf_counter()
        result = jax.block_until_ready(function(argument))
        out[f"{name}_first_s"] = time.perf_counter() - began
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            jax.block_until_ready(function(argument))
            times.append(time.perf_counter() - began)
        out[f"{name}_s"] = min(times)
        if name == "fwd":
            out["objective"] = float(result)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out

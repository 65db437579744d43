"""Benchmark value paths for a simulation: holding, and rebalancing to fixed weights."""

import jax.numpy as jnp
from jaxtyping import Array, Float

from .._custom_types import AssetVector
from .._validation import checked_instance
from ._simulate import Simulation


def hodl_values(result: Simulation) -> Float[Array, " rows"]:
    """The value of the pool's initial reserves held untouched: `prices @ initial_reserves`.

    Row `i` matches `result.values[i]`; row 0 is the starting value.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, hodl_values, simulate
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.linspace([1.0, 1.0], [2.0, 1.0], 3000)
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=1440)
    >>> bool(np.isclose(hodl_values(result)[0], result.values[0]))  # both start at V0
    True
    ```
    """
    checked_instance(result, Simulation, "result", "a Simulation, from simulate(...)")
    return result.prices @ result.initial_reserves


def rebalanced_values(
    result: Simulation, weights: AssetVector | None = None
) -> Float[Array, " rows"]:
    """The value of a portfolio rebalanced every minute to fixed weights, without costs.

    It starts with the pool's starting value; `V[i] = V[i-1] * sum(w * p[i] / p[i-1])`.
    With the default equal weights this is the equal-weight rebalanced portfolio a TFMM
    pool with constant weights approximates.

    **Arguments:**

    - `result`: a [`Simulation`][quantamm_eqx.Simulation].
    - `weights`: the target weights (summing to one); equal weights if None.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, rebalanced_values, simulate
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.ones((3000, 2))
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=1440)
    >>> bool(np.allclose(rebalanced_values(result), result.values))  # nothing moves
    True
    ```
    """
    checked_instance(result, Simulation, "result", "a Simulation, from simulate(...)")
    prices = result.prices
    n_assets = prices.shape[1]
    if weights is None:
        weights = jnp.full((n_assets,), 1.0 / n_assets, dtype=prices.dtype)
    growth = jnp.sum(weights * prices[1:] / prices[:-1], axis=1)
    start = jnp.sum(result.initial_reserves * prices[0])
    log_path = jnp.concatenate([jnp.zeros((1,), prices.dtype), jnp.cumsum(jnp.log(growth))])
    return start * jnp.exp(log_path)

"""Benchmark value paths for a simulation: holding, rebalancing to fixed weights, and
rebalancing to the pool's weights at a fee (loss versus rebalancing)."""

from typing import NamedTuple

import jax.numpy as jnp
from jax import lax
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


class Rebalancing(NamedTuple):
    """A rebalanced benchmark's holdings after each minute and their value."""

    reserves: Float[Array, "rows asset"]
    values: Float[Array, " rows"]


def rebalancing_benchmark(result: Simulation, fees: float | None = None) -> Rebalancing:
    """The pool's loss-versus-rebalancing benchmark: the pool's starting holdings,
    rebalanced every minute on an outside venue to the pool's own weights, paying `fees`
    on the value sold (the reference's `lvr` hook).

    Each minute, twice (first to the previous minute's weights, then to this minute's),
    at this minute's prices `p`: `V = sum(r p)`, `V -= fees * sum(max(r - w V / p, 0) p)`,
    `r = w V / p`. `values - result.values` is what the pool loses to arbitrageurs, net of
    the fees it earns, against trading at the market itself.

    **Arguments:**

    - `result`: a [`Simulation`][quantamm_eqx.Simulation].
    - `fees`: the outside venue's fee on the value sold; 0 if None.

    **Returns:**

    A `Rebalancing` with `reserves` `(rows, n_assets)` and `values` `(rows,)`, aligned with
    `result`'s rows.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, simulate
    >>> from quantamm_eqx.simulation import rebalancing_benchmark
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.exp(np.cumsum(np.random.default_rng(0).normal(0, 1e-3, (3000, 2)), 0))
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=1440)
    >>> bench = rebalancing_benchmark(result, fees=0.003)
    >>> bool(bench.values[-1] <= rebalancing_benchmark(result).values[-1])  # fees cost
    True
    ```
    """
    checked_instance(result, Simulation, "result", "a Simulation, from simulate(...)")
    tau = 0.0 if fees is None else fees

    def rebalance(reserves, weights, prices):
        value = jnp.sum(reserves * prices)
        target = weights * value / prices
        value = value - tau * jnp.sum(jnp.maximum(reserves - target, 0.0) * prices)
        return weights * value / prices

    def minute(carry, inputs):
        reserves, previous = carry
        weights, prices = inputs
        reserves = rebalance(rebalance(reserves, previous, prices), weights, prices)
        return (reserves, weights), reserves

    carry = (result.initial_reserves, result.weights[0])
    _, reserves = lax.scan(minute, carry, (result.weights, result.prices))
    return Rebalancing(reserves, jnp.sum(reserves * result.prices, axis=1))

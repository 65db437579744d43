"""`simulate`: a pool over a bout of minute prices, from rule to reserves and value (SPEC §4–5)."""

import equinox as eqx
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float, Int

from .._config import SimulationConfig
from .._custom_types import AssetVector, PricesLike
from ..estimators._method import Method
from ..pools._base import AbstractTFMMPool
from ._reserves import fee_reserves, no_fee_reserves, sparse_arbitrage_reserves
from ._schedule import checked_bout_inputs, schedule_validated


class Simulation(eqx.Module):
    """The result of [`simulate`][quantamm_eqx.simulate]: a pytree of the bout's paths.

    Row `i` of every `(bout_length - 1, ...)` field is minute `start_index + i`.

    **Fields:**

    - `weights`: the pool's weights in force, `(bout_length - 1, n_assets)`;
    - `reserves`: the reserves after that minute's arbitrage, `(bout_length - 1, n_assets)`;
    - `values`: the pool's value `sum(reserves * prices)`, `(bout_length - 1,)`;
    - `prices`: the bout's prices, `(bout_length - 1, n_assets)`;
    - `initial_reserves`: the reserves at the start, `initial_weights * V0 / prices[0]`.
    """

    weights: Float[Array, "rows asset"]
    reserves: Float[Array, "rows asset"]
    values: Float[Array, " rows"]
    prices: Float[Array, "rows asset"]
    initial_reserves: AssetVector


def simulate(
    pool: AbstractTFMMPool,
    prices: PricesLike,
    config: SimulationConfig,
    *,
    start_index: int | Int[Array, ""],
    bout_length: int,
    method: Method = "scan",
) -> Simulation:
    """Run a pool over a bout: rule, weights, reserves under arbitrage, value.

    The pool's rule runs on the minute prices from minute 0 (burn-in included); the bout
    starts with `config.initial_pool_value` split by the initial weights, and every minute
    arbitrageurs trade the pool to the market prices (SPEC §5): in closed form when
    `fees == gas_cost == arb_fees == 0`, else with the optimal fee-paying trade, its
    validity checks and the profit test. Differentiable with `eqx.filter_grad` with respect
    to the pool; works under `jit` and `eqx.filter_vmap` over a stacked pool; float32 and
    float64 (the prices' dtype).

    **Arguments:**

    - `pool`: the pool.
    - `prices`: minute prices `(time, n_assets)` from minute 0, burn-in included.
    - `config`: the simulation configuration.
    - `start_index`: the bout's first minute, at least `chunk_period`; may be traced.
    - `bout_length`: the bout's length in minutes: it spans the prices of minutes
      `start_index .. start_index + bout_length - 1`.
    - `method`: the estimator's evaluation, `"scan"` or `"associative"` (simulator mode
      only: `config.mode == "protocol"` with `"associative"` raises `ValueError`).

    **Returns:**

    The [`Simulation`][quantamm_eqx.Simulation].

    **Raises:**

    `ValueError` if the prices are not finite and positive, the bout starts before minute
    `chunk_period` or runs past the prices, or the pool and prices disagree on `n_assets`.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, simulate
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.exp(np.cumsum(np.full((3000, 2), [1e-4, -1e-4]), axis=0))
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=1440)
    >>> result.values.shape, round(float(result.values[0]), 6)
    ((1439,), 1000000.0)
    ```
    """
    prices, start, bout_length, method = checked_bout_inputs(
        pool, prices, config, start_index, bout_length, method
    )
    return _compiled_simulate(pool, prices, config, start, bout_length, method)


def simulate_validated(
    pool: AbstractTFMMPool,
    prices: Float[Array, "time asset"],
    config: SimulationConfig,
    start: int | Int[Array, ""],
    bout_length: int,
    method: Method,
) -> Simulation:
    """[`simulate`][quantamm_eqx.simulate] of validated prices and bout (no checks repeated)."""
    schedule = schedule_validated(pool, prices, config, start, bout_length, method)
    local_prices = lax.dynamic_slice(
        prices, (jnp.asarray(start), 0), (bout_length - 1, prices.shape[1])
    )
    initial_weights = schedule.initial_weights
    initial_reserves = initial_weights * config.initial_pool_value / local_prices[0]
    weights = schedule.weights()
    if config.do_arb and config.arb_frequency == 1 and not config.has_fees:
        # The closed form: non-finite weights make the reserves NaN by themselves.
        reserves = no_fee_reserves(schedule, local_prices, initial_reserves)
    else:
        if not config.do_arb:
            reserves = jnp.broadcast_to(initial_reserves, local_prices.shape)
        elif config.arb_frequency > 1:
            reserves = sparse_arbitrage_reserves(weights, local_prices, initial_reserves, config)
        else:
            reserves = fee_reserves(schedule, local_prices, initial_reserves, config)
        # With non-finite weights every fee-paying trade tests invalid (or none happens) and
        # the reserves would stay finite and wrong: surface them as NaN from the first such
        # minute on.
        broken = jnp.cumsum(~jnp.all(jnp.isfinite(weights), axis=-1)) > 0
        reserves = jnp.where(broken[:, None], jnp.nan, reserves)
    return Simulation(
        weights=weights,
        reserves=reserves,
        values=jnp.sum(reserves * local_prices, axis=-1),
        prices=local_prices,
        initial_reserves=initial_reserves,
    )


# Checked in Python, run compiled: an eager call reuses the compiled program instead of
# tracing the scans again (see `_compiled_weight_schedule`).
_compiled_simulate = eqx.filter_jit(simulate_validated)

"""Objectives of a simulated bout (SPEC §6): pure functions, higher is better."""

import jax.numpy as jnp
from jaxtyping import Array, Float

from ._simulation.simulate import Simulation

MINUTES_PER_DAY = 1440

Values = Float[Array, " time"]


def _values(result: Values | Simulation) -> Values:
    values = result.values if isinstance(result, Simulation) else jnp.asarray(result)
    if values.ndim != 1:
        raise ValueError(f"`values` must be a 1-D series of pool values; got shape {values.shape}.")
    return values


def daily_log_sharpe(result: Values | Simulation) -> Float[Array, ""]:
    """Annualised Sharpe ratio of daily log returns: the default training objective.

    With `v = values[::1440]` (one value a day, from the bout's first minute) and
    `r = diff(log(v + 1e-12))`: `sqrt(365) * mean(r) / (std(r) + 1e-8)` (population std).

    **Arguments:**

    - `result`: a [`Simulation`][quantamm_eqx.Simulation] or its minute `values`.

    **Returns:**

    The ratio, a scalar (higher is better).

    **Raises:**

    `ValueError` if the series is shorter than one day and one minute (two daily values).

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.metrics import daily_log_sharpe
    >>> values = jnp.exp(jnp.arange(3 * 1440 + 1) * 1e-5)  # a steady 1.44% a day
    >>> float(daily_log_sharpe(values)) > 1e5  # no variance: a very large ratio
    True
    ```
    """
    values = _values(result)
    if values.shape[0] < MINUTES_PER_DAY + 1:
        raise ValueError(
            "`daily_log_sharpe` needs at least two daily values, i.e. a series of at least "
            f"{MINUTES_PER_DAY + 1} minutes; got {values.shape[0]}. Use a longer bout."
        )
    daily = values[::MINUTES_PER_DAY]
    returns = jnp.diff(jnp.log(daily + 1e-12))
    return jnp.sqrt(365.0) * jnp.mean(returns) / (jnp.std(returns) + 1e-8)


def returns(result: Values | Simulation) -> Float[Array, ""]:
    """Total return over the bout, `values[-1] / values[0] - 1`.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.metrics import returns
    >>> round(float(returns(jnp.array([100.0, 90.0, 110.0]))), 12)
    0.1
    ```
    """
    values = _values(result)
    return values[-1] / values[0] - 1


def returns_over_hodl(result: Simulation) -> Float[Array, ""]:
    """Return relative to holding the initial reserves: `V[-1] / sum(R[0] * p[-1]) - 1`.

    Positive when the pool ended worth more than its starting portfolio left untouched.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, simulate
    >>> from quantamm_eqx.metrics import returns_over_hodl
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.ones((3000, 2))  # nothing moves: the pool is its hodl portfolio
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=1440)
    >>> abs(float(returns_over_hodl(result))) < 1e-12
    True
    ```
    """
    hodl = jnp.sum(result.initial_reserves * result.prices[-1])
    return result.values[-1] / hodl - 1

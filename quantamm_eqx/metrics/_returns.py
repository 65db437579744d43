"""Return and Sharpe-ratio objectives of a simulated bout (SPEC §6); higher is better."""

import jax.numpy as jnp
from jaxtyping import Array, Float

from ..simulation._simulate import Simulation
from ._common import (
    MINUTES_PER_DAY,
    MINUTES_PER_YEAR,
    Values,
    _need,
    _simple_returns,
    _std,
    _values,
)


def daily_log_sharpe(result: Values | Simulation) -> Float[Array, ""]:
    """Annualised Sharpe ratio of daily log returns: the default training objective.

    With `v = values[::1440]` (one value a day, from the bout's first minute) and
    `r = diff(log(v + 1e-12))`: `sqrt(365) * mean(r) / (std(r) + 1e-8)` (population std).

    **Arguments:**

    - `result`: a [`Simulation`][quantamm_eqx.Simulation] or its minute `values`.

    **Returns:**

    The ratio, a scalar (higher is better).

    **Raises:**

    `ValueError` if the series has fewer than two daily returns (`2 * 1440 + 1` minutes).

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
    if values.shape[0] < 2 * MINUTES_PER_DAY + 1:
        raise ValueError(
            "`daily_log_sharpe` needs at least two daily returns, i.e. a series of at least "
            f"{2 * MINUTES_PER_DAY + 1} minutes; got {values.shape[0]}. Use a longer bout."
        )
    daily = values[::MINUTES_PER_DAY]
    returns = jnp.diff(jnp.log(daily + 1e-12))
    return jnp.sqrt(365.0) * jnp.mean(returns) / (_std(returns) + 1e-8)


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
    if not isinstance(result, Simulation):
        raise ValueError(
            "`returns_over_hodl` needs the `Simulation` (its initial reserves and prices), "
            f"not {type(result).__name__}: pass the result of `simulate`."
        )
    hodl = jnp.sum(result.initial_reserves * result.prices[-1])
    return result.values[-1] / hodl - 1


def sharpe(result: Values | Simulation) -> Float[Array, ""]:
    """Annualised Sharpe ratio of simple minute returns: `sqrt(525600) * mean(r) / std(r)`.

    `r = diff(V) / V[:-1]`; population std; no risk-free rate (as the reference).

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.metrics import sharpe
    >>> bool(sharpe(jnp.array([1.0, 1.1, 1.05, 1.2])) > 0)
    True
    ```
    """
    values = _values(result)
    _need(values, 3, "sharpe")
    minute_returns = _simple_returns(values)
    return jnp.sqrt(float(MINUTES_PER_YEAR)) * jnp.mean(minute_returns) / _std(minute_returns)


def daily_sharpe(result: Values | Simulation) -> Float[Array, ""]:
    """Annualised Sharpe ratio of simple daily returns: `sqrt(365) * mean(r) / std(r)`.

    `r` are the simple returns of `values[::1440]`.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.metrics import daily_sharpe
    >>> values = 1.0 + 0.01 * jnp.sin(jnp.arange(5 * 1440 + 1) / 500.0)
    >>> bool(jnp.isfinite(daily_sharpe(values)))
    True
    ```
    """
    values = _values(result)
    _need(values, 2 * MINUTES_PER_DAY + 1, "daily_sharpe")
    daily_returns = _simple_returns(values[::MINUTES_PER_DAY])
    return jnp.sqrt(365.0) * jnp.mean(daily_returns) / _std(daily_returns)


def annualised_returns(result: Values | Simulation) -> Float[Array, ""]:
    """Compound annual growth: `(V[-1] / V[0]) ** (525600 / (T - 1)) - 1`, `T = len(values)`.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.metrics import annualised_returns
    >>> values = jnp.array([1.0] * 262800 + [1.1] * 262801)  # +10% over a year of minutes
    >>> round(float(annualised_returns(values)), 12)
    0.1
    ```
    """
    values = _values(result)
    _need(values, 2, "annualised_returns")
    return (values[-1] / values[0]) ** (MINUTES_PER_YEAR / (values.shape[0] - 1)) - 1


def returns_over_uniform_hodl(result: Simulation) -> Float[Array, ""]:
    """Return relative to holding an equal-value split of the initial value.

    The benchmark holds `R_u = V0 / (n p[0])` of each asset; the result is
    `V[-1] / sum(R_u * p[-1]) - 1`.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, simulate
    >>> from quantamm_eqx.metrics import returns_over_uniform_hodl
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.ones((3000, 2))
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=1440)
    >>> abs(float(returns_over_uniform_hodl(result))) < 1e-12
    True
    ```
    """
    first_prices, last_prices = result.prices[0], result.prices[-1]
    n_assets = first_prices.shape[0]
    uniform_reserves = result.values[0] / (n_assets * first_prices)
    return result.values[-1] / jnp.sum(uniform_reserves * last_prices) - 1

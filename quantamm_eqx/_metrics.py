"""Objectives of a simulated bout (SPEC §6): pure functions, higher is better."""

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._simulation.simulate import Simulation
from ._validation import checked_int

MINUTES_PER_DAY = 1440

Values = Float[Array, " time"]


def _values(result: Values | Simulation) -> Values:
    values = result.values if isinstance(result, Simulation) else jnp.asarray(result)
    if values.ndim != 1 or values.shape[0] == 0:
        raise ValueError(
            f"`values` must be a non-empty 1-D series of pool values; got shape {values.shape}."
        )
    return values


def _std(returns: Float[Array, " n"]) -> Float[Array, ""]:
    """Population std whose gradient is finite (zero) when all returns are equal."""
    variance = jnp.var(returns)
    positive = variance > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, variance, 1.0)), 0.0)


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


MINUTES_PER_YEAR = 365 * MINUTES_PER_DAY


def _need(values: Values, minutes: int, metric: str) -> None:
    if values.shape[0] < minutes:
        raise ValueError(
            f"`{metric}` needs a series of at least {minutes} minutes; got {values.shape[0]}. "
            "Use a longer bout."
        )


def _simple_returns(values: Values) -> Float[Array, " time-1"]:
    return jnp.diff(values) / values[:-1]


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


def _drawdowns(values: Float[Array, "... time"]) -> Float[Array, "... time"]:
    """`(V - running max) / running max` along the last axis (<= 0)."""
    peak = jax.lax.cummax(values, axis=values.ndim - 1)
    return (values - peak) / peak


def max_drawdown(result: Values | Simulation) -> Float[Array, ""]:
    """The largest fall from a running peak, `min((V - cummax V) / cummax V)`.

    At most 0; higher is better. (The reference's `greatest_draw_down` measures the fall
    from the *initial* value instead.)

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.metrics import max_drawdown
    >>> float(max_drawdown(jnp.array([1.0, 2.0, 1.0, 1.5])))
    -0.5
    ```
    """
    return jnp.min(_drawdowns(_values(result)))


def value_at_risk(
    result: Values | Simulation, *, confidence: float = 0.95, period_days: int = 1
) -> Float[Array, ""]:
    """Historical value at risk of `period_days`-day returns: a return quantile, higher is better.

    Takes the value at the end of each complete period (minutes `d - 1, 2d - 1, ...`,
    `d = 1440 * period_days`), their simple returns, and the `1 - confidence` quantile
    (linear interpolation): a loss is negative. As the reference's `*_var_*_trad`.

    **Arguments:**

    - `result`: a [`Simulation`][quantamm_eqx.Simulation] or its minute `values`.
    - `confidence`: 0.95 or 0.99 for the usual 95% / 99% VaR.
    - `period_days`: 1 for daily, 7 for weekly VaR.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.metrics import value_at_risk
    >>> values = jnp.repeat(jnp.array([1.0, 0.9, 0.99, 1.1]), 1440)
    >>> # daily returns -10%, +10%, +11.1%: the 5% quantile interpolates the two lowest
    >>> round(float(value_at_risk(values, confidence=0.95)), 6)
    -0.08
    ```
    """
    if not 0 < confidence < 1:
        raise ValueError(f"`confidence` must lie in (0, 1); got {confidence!r}.")
    values = _values(result)
    period = MINUTES_PER_DAY * checked_int(period_days, "period_days", 1)
    _need(values, 2 * period, "value_at_risk")
    period_ends = values[period - 1 :: period]
    return jnp.percentile(_simple_returns(period_ends), 100 * (1 - confidence))


def _annualised_over_days(values: Values) -> Float[Array, ""]:
    days = values.shape[0] / MINUTES_PER_DAY
    return (values[-1] / values[0]) ** (365.0 / days) - 1


def calmar(result: Values | Simulation) -> Float[Array, ""]:
    """Calmar ratio: annualised return over the magnitude of the maximum drawdown.

    `((V[-1] / V[0]) ** (365 / days) - 1) / -max_drawdown`, `days = len(values) / 1440`;
    `+inf` when the series never falls (as the reference).

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.metrics import calmar
    >>> bool(calmar(jnp.linspace(1.0, 2.0, 1441)) == jnp.inf)
    True
    ```
    """
    values = _values(result)
    _need(values, 2, "calmar")
    drawdown = jnp.min(_drawdowns(values))
    return jnp.where(drawdown >= 0, jnp.inf, _annualised_over_days(values) / -drawdown)


def _monthly_drawdowns(values: Values, metric: str) -> Float[Array, "month minute"]:
    month = 30 * MINUTES_PER_DAY
    _need(values, month, metric)
    n_months = values.shape[0] // month
    return _drawdowns(values[: n_months * month].reshape(n_months, month))


def sterling(result: Values | Simulation) -> Float[Array, ""]:
    """Sterling ratio: annualised return over the mean of monthly (30-day) maximum drawdowns.

    Drawdowns are measured within each complete 30-day chunk; `+inf` without any drawdown.
    Needs at least 30 days.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.metrics import sterling
    >>> values = 1.0 + 0.1 * jnp.sin(jnp.arange(31 * 1440) / 5000.0)
    >>> bool(jnp.isfinite(sterling(values)))
    True
    ```
    """
    values = _values(result)
    average = jnp.mean(jnp.min(_monthly_drawdowns(values, "sterling"), axis=-1))
    return jnp.where(-average <= 0, jnp.inf, _annualised_over_days(values) / -average)


def ulcer(result: Values | Simulation) -> Float[Array, ""]:
    """Minus the Ulcer index: `-mean over 30-day chunks of sqrt(mean(drawdown**2))` (<= 0).

    Needs at least 30 days.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.metrics import ulcer
    >>> float(ulcer(jnp.linspace(1.0, 2.0, 30 * 1440)))  # never below its peak
    -0.0
    ```
    """
    drawdowns = _monthly_drawdowns(_values(result), "ulcer")
    return -jnp.mean(jnp.sqrt(jnp.mean(drawdowns**2, axis=-1)))

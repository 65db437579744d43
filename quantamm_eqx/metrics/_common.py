"""What the metrics share: the value series of a result, minute constants, checks."""

import jax.numpy as jnp
from jaxtyping import Array, Float

from .._validation import as_float_array
from ..simulation._simulate import Simulation

MINUTES_PER_DAY = 1440

Values = Float[Array, " time"]


def _values(result: Values | Simulation) -> Values:
    if isinstance(result, Simulation):
        values = result.values
    else:
        values = as_float_array(result, "values")
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


MINUTES_PER_YEAR = 365 * MINUTES_PER_DAY


def _need(values: Values, minutes: int, metric: str) -> None:
    if values.shape[0] < minutes:
        raise ValueError(
            f"`{metric}` needs a series of at least {minutes} minutes; got {values.shape[0]}. "
            "Use a longer bout."
        )


def _simple_returns(values: Values) -> Float[Array, " time-1"]:
    return jnp.diff(values) / values[:-1]


def _annualised_over_days(values: Values) -> Float[Array, ""]:
    days = values.shape[0] / MINUTES_PER_DAY
    return (values[-1] / values[0]) ** (365.0 / days) - 1

"""Drawdown and tail-risk objectives of a simulated bout (SPEC §6), oriented so that higher
is better (drawdowns, VaR and the Ulcer index are <= 0)."""

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from .._validation import checked_int
from ..simulation._simulate import Simulation
from ._common import (
    MINUTES_PER_DAY,
    Values,
    _annualised_over_days,
    _need,
    _simple_returns,
    _values,
)


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

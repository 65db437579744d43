"""A pool's minute weights over a bout (SPEC §4): its rule, then the weight schedule."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, Int

from .._config import SimulationConfig, checked_config
from .._custom_types import PricesLike
from .._validation import checked_prices, is_traced
from ..estimators._method import Method, checked_method
from ..pools._base import AbstractTFMMPool, checked_pool
from ..weights._schedule import (
    WeightSchedule,
    checked_bout_length,
    n_intervals,
    schedule_from_rule_outputs,
)


def _checked_bout(
    start_index: int | Int[ArrayLike, ""], bout_length: int, n_minutes: int, chunk_period: int
) -> int | Int[Array, ""]:
    """Validate the bout against the data: eager `ValueError`, traced `eqx.error_if`."""
    bout_length = checked_bout_length(bout_length)
    available = f"`prices` covers minutes [0, {n_minutes})"
    if is_traced(start_index):
        if not jnp.issubdtype(jnp.result_type(start_index), jnp.integer):
            raise ValueError(f"`start_index` must be an integer minute; got {start_index!r}.")
        # The default integer type (int64 with x64): slices mix it with the bout's offsets.
        start = jnp.asarray(start_index, jax.dtypes.canonicalize_dtype(int))
        bad = (start < chunk_period) | (start + bout_length > n_minutes)
        message = (
            f"the bout [start_index, start_index + {bout_length}) must lie within "
            f"[{chunk_period}, {n_minutes}): {available} and the first full coarse step ends "
            f"at minute chunk_period={chunk_period}."
        )
        return eqx.error_if(start, bad, message)
    start_array = np.asarray(start_index)
    if start_array.ndim != 0 or not np.issubdtype(start_array.dtype, np.integer):
        raise ValueError(f"`start_index` must be an integer minute; got {start_index!r}.")
    start = int(start_array)
    asked = f"the bout asks for minutes [{start}, {start + bout_length})"
    if start < chunk_period:
        raise ValueError(
            f"`start_index` must be at least chunk_period={chunk_period}, the end of the first "
            f"full coarse step (the rule has not updated before then); {asked} and {available}."
        )
    if start + bout_length > n_minutes:
        if n_minutes - start < 2:
            raise ValueError(
                f"The bout starts after the price data: {asked} but {available}, so no bout "
                f"of at least 2 minutes fits from minute {start}. Start at most at minute "
                f"{n_minutes - 2}, or give more data."
                if n_minutes - 2 >= chunk_period
                else f"The price data is too short for any bout: {asked} but {available}; a "
                f"bout needs at least chunk_period + 2 = {chunk_period + 2} minutes of prices."
            )
        raise ValueError(
            f"The bout runs past the price data: {asked} but {available}. Shorten "
            f"`bout_length` to at most {n_minutes - start} or start earlier."
        )
    return start


def weight_schedule(
    pool: AbstractTFMMPool,
    prices: PricesLike,
    config: SimulationConfig,
    *,
    start_index: int | Int[Array, ""],
    bout_length: int,
    method: Method = "scan",
) -> WeightSchedule:
    """The bout's minute weights in compact, block-at-a-time form.

    Runs the pool's rule over the minute prices up to the end of the bout (burn-in
    included), then the coarse weight scan over the rule outputs the bout needs.
    [`minute_weights`][quantamm_eqx.minute_weights] is `weight_schedule(...).weights()`.

    **Arguments:**

    - `pool`: the pool.
    - `prices`: minute prices `(time, n_assets)` from minute 0, burn-in included.
    - `config`: the simulation configuration.
    - `start_index`: the bout's first minute, at least `chunk_period`; may be traced.
    - `bout_length`: the bout's length in minutes (static): it spans the prices of minutes
      `start_index .. start_index + bout_length - 1`, and its `bout_length - 1` weight rows
      cover the minutes between them.
    - `method`: the estimator's evaluation (`"scan"` or `"associative"`; protocol mode
      runs only `"scan"`, and refuses `"associative"` with a `ValueError`).

    **Returns:**

    The [`WeightSchedule`][quantamm_eqx.WeightSchedule].

    **Raises:**

    `ValueError` naming the minutes asked for and the minutes available, for a bout that
    starts before the first full coarse step or runs past the prices, or a `bout_length`
    below 2 (under `jit`, with a traced `start_index`, the range check raises at run time).
    """
    prices, start, bout_length, method = checked_bout_inputs(
        pool, prices, config, start_index, bout_length, method
    )
    return _compiled_weight_schedule(pool, prices, config, start, bout_length, method)


def checked_bout_inputs(pool, prices, config, start_index, bout_length, method):
    """The public entries' checks, once: `(prices, start, bout_length, method)` for the cores."""
    checked_pool(pool)
    checked_config(config)
    if pool.population_size is not None:
        raise ValueError(
            f"`pool` is a stacked population of {pool.population_size} pools: "
            "run one member, or map over them, e.g. "
            "`eqx.filter_vmap(lambda member: simulate(member, prices, ...))(pool)`."
        )
    check_initial_weights(pool, config)
    prices = checked_prices(prices, pool=pool)
    start = _checked_bout(start_index, bout_length, prices.shape[0], config.chunk_period)
    return prices, start, checked_bout_length(bout_length), checked_method(method)


def check_initial_weights(pool: AbstractTFMMPool, config: SimulationConfig) -> None:
    """Refuse a (concrete) pool whose initial weights lie below the configuration's
    minimum weight: the guardrails hold every later weight at or above it, so the run
    would start outside them. Traced pools are not checked; a population's every member is."""
    if pool.population_size is None:
        weights = pool.initial_weights
    else:
        weights = eqx.filter_vmap(lambda member: member.initial_weights)(pool)
    if is_traced(weights):
        return
    floor = config.minimum_weight_for(weights.shape[-1])
    values = np.asarray(weights)
    slack = 16 * np.finfo(values.dtype).eps  # softmax(log(w)) may round just below w
    if np.any(values < floor * (1 - slack)):
        shown = np.round(values, 6).tolist()
        raise ValueError(
            f"The pool's initial weights {shown} go below the minimum weight {floor:.6g} "
            "(`SimulationConfig.minimum_weight`, by default 0.1 / n_assets): the guardrails "
            "hold every weight at or above it, so the run would start outside them. Build "
            f"the pool with initial weights of at least {floor:.6g} (`initial_weights=` of "
            "`from_memory_days`), or lower `minimum_weight`."
        )


def schedule_validated(
    pool: AbstractTFMMPool,
    prices: Float[Array, "time asset"],
    config: SimulationConfig,
    start: int | Int[Array, ""],
    bout_length: int,
    method: Method,
) -> WeightSchedule:
    """[`weight_schedule`][quantamm_eqx.weight_schedule] of validated prices and bout."""
    if not is_traced(start):
        # Prices after the bout cannot affect its weights: leave them out of the estimator.
        needed = start // config.chunk_period + n_intervals(bout_length, config.chunk_period)
        prices = prices[: needed * config.chunk_period + 1]
    rule_outputs = pool.rule_outputs(prices, config, method=method)
    return schedule_from_rule_outputs(
        rule_outputs,
        pool.initial_weights.astype(prices.dtype),
        config,
        start_index=start,
        bout_length=bout_length,
        bounds=pool.weight_bounds(),
    )


def minute_weights(
    pool: AbstractTFMMPool,
    prices: PricesLike,
    config: SimulationConfig,
    *,
    start_index: int | Int[Array, ""],
    bout_length: int,
    method: Method = "scan",
) -> Float[Array, "rows asset"]:
    """The pool's weight at every minute of a bout, shape `(bout_length - 1, n_assets)`.

    Row `i` is the weight in force at minute `start_index + i`: `chunk_period` rows of the
    initial weights, then one interpolated block per coarse step (SPEC §4), decided from
    prices up to that block's first minute only. Arguments and errors as for
    [`weight_schedule`][quantamm_eqx.weight_schedule].

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, minute_weights
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.exp(np.cumsum(np.full((2000, 2), [1e-4, -1e-4]), axis=0))
    >>> weights = minute_weights(pool, prices, config, start_index=600, bout_length=1200)
    >>> weights.shape, bool(np.allclose(weights.sum(axis=1), 1.0))
    ((1199, 2), True)
    >>> bool(weights[-1, 0] > weights[0, 0])  # momentum: towards the rising asset
    True
    ```
    """
    prices, start, bout_length, method = checked_bout_inputs(
        pool, prices, config, start_index, bout_length, method
    )
    return _compiled_minute_weights(pool, prices, config, start, bout_length, method)


# The public entries check their inputs in Python, then run the core compiled: called
# eagerly, each call would otherwise trace and compile its scans anew. Inside a caller's
# `jit`, `grad` or `vmap` these are inlined.
_compiled_weight_schedule = eqx.filter_jit(schedule_validated)


@eqx.filter_jit
def _compiled_minute_weights(pool, prices, config, start, bout_length, method):
    return schedule_validated(pool, prices, config, start, bout_length, method).weights()

"""A bout's minute weights (SPEC §4.1, §4.4), whole or one coarse interval at a time."""

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jax import lax
from jaxtyping import Array, ArrayLike, Float, Int

from .._config import SimulationConfig
from .._custom_types import AssetVector, PricesLike
from .._estimators.method import Method, checked_method
from .._pools.base import AbstractTFMMPool
from .._validation import checked_prices, is_traced
from .coarse import coarse_weights
from .interpolation import interpolate_interval


class WeightSchedule(eqx.Module):
    """A bout's minute weights in compact form: one start and step per coarse interval.

    The bout's `bout_length - 1` minute weights are `chunk_period` rows of the initial
    weights followed by one interpolated block per coarse interval, cut to length. Row `i`
    is the weight in force at minute `start_index + i`. The schedule stores only the
    `(n_blocks, n_assets)` starts and steps, so a consumer can produce one block at a time
    ([`block`][quantamm_eqx.WeightSchedule.block], e.g. inside a `lax.scan`) and never hold
    (or differentiate through) the dense `(bout_length - 1, n_assets)` weights.

    **Fields:**

    - `initial_weights`: the weights of the first block, shape `(n_assets,)`;
    - `starts`, `diffs`: each later block's start and per-minute step, shape
      `(n_blocks - 1, n_assets)`;
    - `chunk_period`, `weight_interpolation_period`, `interpolation`, `n_rows` (static).
    """

    initial_weights: AssetVector
    starts: Float[Array, "intervals asset"]
    diffs: Float[Array, "intervals asset"]
    chunk_period: int = eqx.field(static=True)
    weight_interpolation_period: int = eqx.field(static=True)
    interpolation: str = eqx.field(static=True)
    n_rows: int = eqx.field(static=True)

    @property
    def n_blocks(self) -> int:
        """The number of `chunk_period`-minute blocks, the initial block included."""
        return self.starts.shape[-2] + 1

    def _interval(self, start: AssetVector, diff: AssetVector) -> Float[Array, "chunk asset"]:
        return interpolate_interval(
            start,
            diff,
            chunk_period=self.chunk_period,
            weight_interpolation_period=self.weight_interpolation_period,
            interpolation=self.interpolation,  # type: ignore[arg-type]
        )

    def _first_block(self) -> Float[Array, "chunk asset"]:
        shape = (self.chunk_period, self.initial_weights.shape[-1])
        return jnp.broadcast_to(self.initial_weights, shape)

    def block(self, index: int | Int[Array, ""]) -> Float[Array, "chunk asset"]:
        """The minute weights of block `index` (0 is the initial block), `(chunk_period, n)`.

        `index` may be traced. Rows past `n_rows` (in the last block) are included; the
        dense form [`weights`][quantamm_eqx.WeightSchedule.weights] cuts them.

        **Example:**

        ```python
        >>> import numpy as np
        >>> from quantamm_eqx import MomentumPool, SimulationConfig, weight_schedule
        >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
        >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
        >>> prices = np.exp(np.cumsum(np.full((2000, 2), [1e-4, -1e-4]), axis=0))
        >>> schedule = weight_schedule(pool, prices, config, start_index=600, bout_length=1200)
        >>> np.allclose(schedule.block(3), schedule.weights()[180:240])
        True
        ```
        """
        first = self._first_block()
        if self.starts.shape[-2] == 0:
            return first
        later = jnp.maximum(index - 1, 0)
        interval = self._interval(self.starts[later], self.diffs[later])
        return jnp.where(index == 0, first, interval)

    def weights(self) -> Float[Array, "rows asset"]:
        """The dense minute weights of the bout, shape `(bout_length - 1, n_assets)`."""
        first = self._first_block()
        blocks = eqx.filter_vmap(self._interval)(self.starts, self.diffs)
        dense = jnp.concatenate([first, blocks.reshape(-1, first.shape[-1])], axis=0)
        return dense[: self.n_rows]


def _n_intervals(bout_length: int, chunk_period: int) -> int:
    """Interpolated blocks needed after the initial block to cover `bout_length - 1` rows."""
    return max(0, -(-(bout_length - 1 - chunk_period) // chunk_period))


def checked_bout_length(bout_length: object) -> int:
    """`bout_length` as a Python `int` of at least 2 minutes, else a `ValueError` saying why."""
    if isinstance(bout_length, bool) or not isinstance(bout_length, int | np.integer):
        raise ValueError(
            f"`bout_length` must be an integer number of minutes; got {bout_length!r}."
        )
    if bout_length < 2:
        raise ValueError(
            f"`bout_length` must be at least 2 minutes (the bout has bout_length - 1 weight "
            f"rows); got {bout_length}."
        )
    return int(bout_length)


def _checked_bout(
    start_index: int | Int[ArrayLike, ""], bout_length: int, n_minutes: int, chunk_period: int
) -> int | Int[Array, ""]:
    """Validate the bout against the data: eager `ValueError`, traced `eqx.error_if`."""
    bout_length = checked_bout_length(bout_length)
    available = f"`prices` covers minutes [0, {n_minutes})"
    if is_traced(start_index):
        start = jnp.asarray(start_index)
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
        raise ValueError(
            f"The bout runs past the price data: {asked} but {available}. Shorten "
            f"`bout_length` to at most {n_minutes - start} or start earlier."
        )
    return start


def schedule_from_rule_outputs(
    rule_outputs: Float[Array, "steps asset"],
    initial_weights: AssetVector,
    config: SimulationConfig,
    *,
    start_index: int | Int[Array, ""],
    bout_length: int,
    bounds: tuple[AssetVector, AssetVector] | None = None,
) -> WeightSchedule:
    """The bout's [`WeightSchedule`][quantamm_eqx.WeightSchedule] from precomputed rule outputs.

    Takes the rule outputs decided at coarse steps `floor(start_index / chunk_period)`
    onwards (SPEC §4.1), as many as the bout needs, and runs the coarse weight scan over
    them. `start_index` may be traced (the slice is a `lax.dynamic_slice`); the caller is
    responsible for it being valid (see [`weight_schedule`][quantamm_eqx.weight_schedule]).

    **Arguments:**

    - `rule_outputs`: the pool's rule outputs over the whole series (`pool.rule_outputs`).
    - `initial_weights`: the weights at the bout start.
    - `config`: the simulation configuration.
    - `start_index`: the bout's first minute.
    - `bout_length`: the bout's length in minutes.
    - `bounds`: optional per-asset `(minimum, maximum)` weights (`pool.weight_bounds()`).

    **Returns:**

    The schedule.
    """
    chunk_period = config.chunk_period
    n_intervals = _n_intervals(bout_length, chunk_period)
    first_row = start_index // chunk_period
    n_assets = rule_outputs.shape[-1]
    window = lax.dynamic_slice(rule_outputs, (first_row, 0), (n_intervals, n_assets))
    path = coarse_weights(window, initial_weights, config, bounds)
    return WeightSchedule(
        initial_weights=initial_weights,
        starts=path.starts,
        diffs=path.diffs,
        chunk_period=chunk_period,
        weight_interpolation_period=config.weight_interpolation_period,
        interpolation=config.interpolation,
        n_rows=bout_length - 1,
    )


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
    - `method`: the estimator's evaluation (`"scan"` or `"associative"`).

    **Returns:**

    The [`WeightSchedule`][quantamm_eqx.WeightSchedule].

    **Raises:**

    `ValueError` naming the minutes asked for and the minutes available, for a bout that
    starts before the first full coarse step or runs past the prices, or a `bout_length`
    below 2 (under `jit`, with a traced `start_index`, the range check raises at run time).
    """
    prices, start, bout_length, method = _checked_inputs(
        pool, prices, config, start_index, bout_length, method
    )
    return _compiled_weight_schedule(pool, prices, config, start, bout_length, method)


def _checked_inputs(pool, prices, config, start_index, bout_length, method):
    """The public entries' checks, once: `(prices, start, bout_length, method)` for the cores."""
    if pool.initial_weights_logits.ndim != 1:
        raise ValueError(
            f"`pool` is a stacked population of {pool.initial_weights_logits.shape[0]} pools: "
            "run one member, or map over them, e.g. "
            "`eqx.filter_vmap(lambda member: simulate(member, prices, ...))(pool)`."
        )
    prices = checked_prices(prices, pool=pool)
    start = _checked_bout(start_index, bout_length, prices.shape[0], config.chunk_period)
    return prices, start, checked_bout_length(bout_length), checked_method(method)


def _weight_schedule(
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
        needed = start // config.chunk_period + _n_intervals(bout_length, config.chunk_period)
        prices = prices[: needed * config.chunk_period + 1]
    rule_outputs = pool._rule_outputs(prices, config, method)
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
    prices, start, bout_length, method = _checked_inputs(
        pool, prices, config, start_index, bout_length, method
    )
    return _compiled_minute_weights(pool, prices, config, start, bout_length, method)


# The public entries check their inputs in Python, then run the core compiled: called
# eagerly, each call would otherwise trace and compile its scans anew. Inside a caller's
# `jit`, `grad` or `vmap` these are inlined.
_compiled_weight_schedule = eqx.filter_jit(_weight_schedule)


@eqx.filter_jit
def _compiled_minute_weights(pool, prices, config, start, bout_length, method):
    return _weight_schedule(pool, prices, config, start, bout_length, method).weights()

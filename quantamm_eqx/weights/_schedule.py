"""A bout's minute weights in compact form (SPEC §4.1, §4.4), from rule outputs."""

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jax import lax
from jaxtyping import Array, Float, Int

from .._config import SimulationConfig
from .._custom_types import AssetVector
from ._coarse import coarse_weights
from ._interpolation import interpolate_interval


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


def n_intervals(bout_length: int, chunk_period: int) -> int:
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
    n_steps = n_intervals(bout_length, chunk_period)
    first_row = start_index // chunk_period
    n_assets = rule_outputs.shape[-1]
    window = lax.dynamic_slice(rule_outputs, (first_row, 0), (n_steps, n_assets))
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

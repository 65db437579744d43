"""Reserves without fees, all minutes at once (SPEC §5, the closed form).

Without fees the arbitrageur's trade has a closed form, and nothing carries from minute to
minute but the pool's value: its log grows by a per-minute term that depends on the
prices and weights alone,

    log V[t] - log V[t-1] = sum(w[t-1] * log(p[t] / p[t-1])) - sum(w[t] * log(w[t] / w[t-1])),

and the reserves are `R[t] = R[0] * (V[t] / V[0]) * (w[t] / w[0]) * (p[0] / p[t])`. So the
path is elementwise work and one cumulative sum of a scalar per minute
(`no_fee_reserves`). `simulate` runs it over segments of about `SEGMENT_ROWS` minutes, the
weights of each made from the schedule inside it (`scheduled_no_fee_reserves`): the same
numbers, with memory bounded by a segment (see `benchmarks/README.md` for the costs).
"""

import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

from .._custom_types import AssetVector
from ..weights import WeightSchedule, interpolate_interval
from ._log_ratio import log_ratio

#: The cumulative sum runs within rows of this many minutes, then over the rows' totals
#: (XLA's CPU cumulative sum of one long vector is several times slower).
CUMSUM_BLOCK = 64


def blocked_cumsum(x: Float[Array, " rows"], block: int = CUMSUM_BLOCK) -> Float[Array, " rows"]:
    """`jnp.cumsum(x)` of a vector, summed within blocks of `block` entries, then the
    blocks' offsets added (the same sums up to rounding, in another order).

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.simulation._no_fee import blocked_cumsum
    >>> blocked_cumsum(jnp.arange(1.0, 8.0), block=3).tolist()
    [1.0, 3.0, 6.0, 10.0, 15.0, 21.0, 28.0]
    ```
    """
    rows = x.shape[0]
    padded = jnp.concatenate([x, jnp.zeros(-rows % block, x.dtype)]).reshape(-1, block)
    within = jnp.cumsum(padded, axis=1)
    # The sums of the blocks before each one (not `cumsum - total`: a NaN stays where it is).
    offsets = jnp.concatenate([jnp.zeros(1, x.dtype), jnp.cumsum(within[:-1, -1])])
    return (within + offsets[:, None]).reshape(-1)[:rows]


#: `scheduled_no_fee_reserves` runs over segments of about this many minutes: a population
#: of 16 pools over 4 windows of 30 days takes 237 MB of working memory to differentiate
#: in segments, 696 MB all at once, at the same speed (benchmarks/README.md).
SEGMENT_ROWS = 4096


def no_fee_reserves(
    weights: Float[Array, "rows asset"],
    prices: Float[Array, "rows asset"],
    initial_reserves: AssetVector,
    initial_weights: AssetVector,
) -> Float[Array, "rows asset"]:
    """The reserves after each minute's fee-free arbitrage (SPEC §5).

    Per minute the arbitrageur first moves the pool to the new prices at the old weights,
    then to the new weights at the new prices; both moves are closed-form, and the pool's
    log value grows by `sum(w[t-1] log(p[t]/p[t-1])) - sum(w[t] log(w[t]/w[t-1]))`.

    **Arguments:**

    - `weights`: the weights in force each minute, row 0 being `initial_weights`.
    - `prices`: the prices each minute; row 0 is the bout's first minute.
    - `initial_reserves`: the reserves before row 0's arbitrage.
    - `initial_weights`: the weights the initial reserves were set at (row -1).

    **Returns:**

    The reserves, one row per minute.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.simulation._no_fee import no_fee_reserves
    >>> weights = jnp.full((2, 2), 0.5)
    >>> prices = jnp.array([[1.0, 1.0], [4.0, 1.0]])
    >>> no_fee_reserves(weights, prices, jnp.ones(2), jnp.full(2, 0.5)).tolist()[1]
    [0.5, 2.0]
    ```
    """
    path = _log_value_path(weights, prices, initial_weights, prices[0], jnp.zeros((), prices.dtype))
    # R0 * p0 / w0, constant over the bout; the gradient flows through every factor.
    scale = initial_reserves * prices[0] / initial_weights
    return scale * jnp.exp(path)[:, None] * weights / prices


def scheduled_no_fee_reserves(
    schedule: WeightSchedule,
    prices: Float[Array, "rows asset"],
    initial_reserves: AssetVector,
    blocks_per_segment: int | None = None,
) -> Float[Array, "rows asset"]:
    """[`no_fee_reserves`][quantamm_eqx.simulation._no_fee.no_fee_reserves] of a
    schedule's weights, one segment of `blocks_per_segment` weight blocks at a time
    (default: about `SEGMENT_ROWS` minutes): the same numbers, but the dense weights of the
    bout are never held, and (the segment checkpointed) the reverse pass keeps one
    segment's intermediate values at a time. A population's memory then grows with its
    segments, not with its bouts (benchmarks/README.md).

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, weight_schedule
    >>> from quantamm_eqx.simulation._no_fee import no_fee_reserves, scheduled_no_fee_reserves
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.exp(np.cumsum(np.full((2000, 2), [1e-4, -1e-4]), axis=0))
    >>> schedule = weight_schedule(pool, prices, config, start_index=600, bout_length=1200)
    >>> bout = jnp.asarray(prices[600:1799])
    >>> start = schedule.initial_weights * 1e6 / bout[0]
    >>> segmented = scheduled_no_fee_reserves(schedule, bout, start, blocks_per_segment=3)
    >>> at_once = no_fee_reserves(schedule.weights(), bout, start, schedule.initial_weights)
    >>> bool(np.allclose(segmented, at_once, rtol=1e-13))
    True
    ```
    """
    chunk, n_blocks = schedule.chunk_period, schedule.n_blocks
    rows, n_assets = prices.shape
    per_segment = min(n_blocks, blocks_per_segment or max(1, SEGMENT_ROWS // chunk))
    n_segments = -(-n_blocks // per_segment)
    padding = n_segments * per_segment * chunk - rows
    padded = jnp.concatenate([prices, jnp.broadcast_to(prices[-1], (padding, n_assets))])
    segment_prices = padded.reshape(n_segments, per_segment * chunk, n_assets)
    initial_weights = schedule.initial_weights
    # Every block as an interval (the first: the initial weights, not moving), padded to
    # whole segments with the last one (those rows are cut below).
    starts = jnp.concatenate([initial_weights[None], schedule.starts])
    diffs = jnp.concatenate([jnp.zeros_like(initial_weights)[None], schedule.diffs])

    def segments(x: Array) -> Array:
        extra = jnp.broadcast_to(x[-1], (n_segments * per_segment - n_blocks, n_assets))
        return jnp.concatenate([x, extra]).reshape(n_segments, per_segment, n_assets)

    first = jnp.arange(n_segments * per_segment).reshape(n_segments, per_segment, 1) == 0

    def interval(start: AssetVector, diff: AssetVector) -> Float[Array, "chunk asset"]:
        return interpolate_interval(
            start,
            diff,
            chunk_period=chunk,
            weight_interpolation_period=schedule.weight_interpolation_period,
            interpolation=schedule.interpolation,  # type: ignore[arg-type]
        )

    scale = initial_reserves * prices[0] / initial_weights

    @jax.checkpoint
    def segment(carry, inputs):
        log_value, last_weights, last_prices = carry
        block_starts, block_diffs, is_first, block_prices = inputs
        blocks = jax.vmap(interval)(block_starts, block_diffs)
        # The initial block holds the initial weights exactly.
        weights = jnp.where(is_first[:, :, None], initial_weights, blocks).reshape(-1, n_assets)
        path = _log_value_path(weights, block_prices, last_weights, last_prices, log_value)
        reserves = scale * jnp.exp(path)[:, None] * weights / block_prices
        return (path[-1], weights[-1], block_prices[-1]), reserves

    carry = (jnp.zeros((), prices.dtype), initial_weights, prices[0])
    inputs = (segments(starts), segments(diffs), first, segment_prices)
    _, reserves = lax.scan(segment, carry, inputs)
    return reserves.reshape(-1, n_assets)[:rows]


def _log_value_path(
    weights: Float[Array, "rows asset"],
    prices: Float[Array, "rows asset"],
    last_weights: AssetVector,
    last_prices: AssetVector,
    log_value: Float[Array, ""],
) -> Float[Array, " rows"]:
    """The log value `log(V[t] / V[0])` over `rows` minutes that follow a minute with
    `last_weights`, `last_prices` and log value `log_value`."""
    log_price_change = jnp.log(prices) - jnp.log(_previous(last_prices, prices))
    return log_value + blocked_cumsum(value_growth(weights, last_weights, log_price_change))


def _previous(first: AssetVector, rows: Float[Array, "rows asset"]) -> Float[Array, "rows asset"]:
    """`rows` shifted down by one, `first` on top: the previous minute's values."""
    return jnp.concatenate([first[None], rows[:-1]], axis=0)


@jax.custom_vjp
def value_growth(
    weights: Float[Array, "rows asset"],
    initial_weights: AssetVector,
    log_price_change: Float[Array, "rows asset"],
) -> Float[Array, " rows"]:
    """Each minute's growth of the pool's log value without fees:
    `sum(w[t-1] * log_price_change[t]) - sum(w[t] * log(w[t] / w[t-1]))`, `w[-1]` being
    `initial_weights`.

    Its reverse pass keeps only its inputs and recomputes the rest (the weights are kept
    anyway, and the prices' log changes are shared by a population), where automatic
    differentiation would keep four arrays of the bout's size per pool.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.simulation._no_fee import value_growth
    >>> weights = jnp.array([[0.5, 0.5], [0.6, 0.4]])
    >>> growth = value_growth(weights, jnp.array([0.5, 0.5]), jnp.zeros((2, 2)))
    >>> [round(float(g), 6) for g in growth]  # weights moving at fixed prices lose value
    [0.0, -0.020136]
    ```
    """
    previous = _previous(initial_weights, weights)
    return jnp.sum(previous * log_price_change - weights * log_ratio(weights, previous), axis=-1)


def _value_growth_forward(weights, initial_weights, log_price_change):
    growth = value_growth(weights, initial_weights, log_price_change)
    return growth, (weights, initial_weights, log_price_change)


def _value_growth_backward(residuals, cotangent):
    weights, initial_weights, log_price_change = residuals
    previous = _previous(initial_weights, weights)
    g = cotangent[:, None]
    # d/dw[t] of -w log(w / w_prev) is -log(w / w_prev) - 1; d/dw_prev of the growth is
    # log_price_change + w / w_prev, and w[t - 1] is the previous weight of minute t.
    through_previous = g * (log_price_change + weights / previous)
    d_weights = -g * (log_ratio(weights, previous) + 1.0)
    d_weights = d_weights + jnp.concatenate(
        [through_previous[1:], jnp.zeros_like(through_previous[:1])], axis=0
    )
    return d_weights, through_previous[0], g * previous


value_growth.defvjp(_value_growth_forward, _value_growth_backward)

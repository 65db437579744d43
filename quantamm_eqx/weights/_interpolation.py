"""Minute weights within one coarse interval (SPEC §4.3)."""

import jax.numpy as jnp
from jaxtyping import Array, Float

from .._config import Interpolation
from .._custom_types import AssetVector


def interpolate_interval(
    start: AssetVector,
    diff: AssetVector,
    *,
    chunk_period: int,
    weight_interpolation_period: int,
    interpolation: Interpolation = "linear",
) -> Float[Array, "chunk asset"]:
    """The `chunk_period` minute weights of one coarse interval.

    With `p = weight_interpolation_period` and `end = start + p * diff`, row `r` is
    `start + r * diff` for `r < p` and `end` afterwards (`"linear"`). `"approx_optimal"`
    replaces the first `p` rows by `v = (start + r * diff) + start * (end / start)**(r / (p + 1))`
    normalised to sum one, an approximation of the arbitrage-optimal path between two
    weight vectors (Willetts & Harrington, arXiv:2403.18737).

    **Arguments:**

    - `start`: the weights at the start of the interval.
    - `diff`: the per-minute step (already speed-limited).
    - `chunk_period`: the interval's length in minutes.
    - `weight_interpolation_period`: minutes to reach `end`, at most `chunk_period`.
    - `interpolation`: `"linear"` or `"approx_optimal"`.

    **Returns:**

    Minute weights, shape `(chunk_period, n_assets)`.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.weights import interpolate_interval
    >>> block = interpolate_interval(jnp.array([0.5, 0.5]), jnp.array([0.01, -0.01]),
    ...                              chunk_period=4, weight_interpolation_period=2)
    >>> [[round(w, 12) for w in row] for row in block.tolist()]
    [[0.5, 0.5], [0.51, 0.49], [0.52, 0.48], [0.52, 0.48]]
    ```
    """
    steps = jnp.arange(weight_interpolation_period + 1, dtype=start.dtype)[:, None]
    path = steps * diff + start  # rows 0..p, the last being `end`
    end = path[-1]
    if interpolation == "approx_optimal":
        geometric = start * ((end / start) ** (steps / (weight_interpolation_period + 1)))
        path = path + geometric
        path = path / jnp.sum(path, axis=-1, keepdims=True)
    block = jnp.broadcast_to(end, (chunk_period, end.shape[-1]))
    return block.at[:weight_interpolation_period].set(path[:weight_interpolation_period])

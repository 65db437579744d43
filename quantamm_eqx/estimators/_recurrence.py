"""Parallel evaluation of first-order linear recurrences with `lax.associative_scan`."""

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

from .._custom_types import AssetParam


def _compose(
    earlier: tuple[Float[Array, "time asset"], Float[Array, "time asset"]],
    later: tuple[Float[Array, "time asset"], Float[Array, "time asset"]],
) -> tuple[Float[Array, "time asset"], Float[Array, "time asset"]]:
    """Compose the affine maps `x -> p x + u`, applying `earlier` first."""
    p_earlier, u_earlier = earlier
    p_later, u_later = later
    return p_earlier * p_later, p_later * u_earlier + u_later


def linear_recurrence(
    decay: AssetParam, inputs: Float[Array, "time asset"]
) -> Float[Array, "time asset"]:
    """Solve `x[j] = decay * x[j-1] + inputs[j]` with `x[-1] = 0`, in parallel over time.

    Uses `lax.associative_scan` over the affine maps `x -> decay * x + inputs[j]`:
    O(log T) depth instead of the O(T) of a sequential scan.

    **Arguments:**

    - `decay`: per-asset decay, broadcastable against a row of `inputs`.
    - `inputs`: the driving terms, one row per time step.

    **Returns:**

    `x`, the same shape as `inputs`.
    """
    decays = jnp.broadcast_to(decay, inputs.shape).astype(inputs.dtype)
    _, solution = lax.associative_scan(_compose, (decays, inputs), axis=0)
    return solution

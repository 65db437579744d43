"""Human units to stored parameters: the helpers behind the pools' `from_memory_days`."""

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from .._custom_types import HumanValues, HumanVector
from .._validation import ArgumentTypeError, checked_int
from ..transforms._elementwise import logit
from ..transforms._memory import memory_days_to_lamb


def per_asset(
    value: HumanValues, name: str, n_assets: int, *, positive: bool = False, shared: bool = False
) -> np.ndarray:
    """`value` as a float64 vector of length `n_assets` (a scalar or length-1 value broadcasts).

    With `shared`, a scalar or length-1 value stays a length-1 vector (shared by all assets).
    """
    checked_int(n_assets, "n_assets", 2)
    refusal = f"`{name}` must be a number or a sequence of numbers; got {value!r}."
    if value is None or isinstance(value, str | bytes):
        raise ArgumentTypeError(refusal)
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ArgumentTypeError(refusal) from error
    if array.ndim > 1 or (array.ndim == 1 and array.shape[0] not in (1, n_assets)):
        raise ValueError(
            f"`{name}` must be a scalar or a vector of length 1 or n_assets={n_assets}; "
            f"got shape {array.shape}."
        )
    if not np.all(np.isfinite(array)) or (positive and not np.all(array > 0)):
        requirement = "positive and finite" if positive else "finite"
        raise ValueError(f"`{name}` must be {requirement}; got {array.tolist()!r}.")
    if shared and array.size == 1:
        return array.reshape(1).copy()
    return np.broadcast_to(array, (n_assets,)).copy()


def memory_fields(
    memory_days: HumanValues,
    alt_memory_days: HumanValues | None,
    n_assets: int,
    chunk_period: int,
) -> dict[str, Array]:
    """`logit_lamb` and `logit_delta_lamb` for memories given in days."""
    chunk_period = checked_int(chunk_period, "chunk_period", 1)
    logit_lamb = _memory_logit(memory_days, "memory_days", n_assets, chunk_period)
    if alt_memory_days is None:
        return {"logit_lamb": logit_lamb, "logit_delta_lamb": 0.0 * logit_lamb}
    logit_alt = _memory_logit(alt_memory_days, "alt_memory_days", n_assets, chunk_period)
    return {"logit_lamb": logit_lamb, "logit_delta_lamb": logit_alt - logit_lamb}


def _memory_logit(days: HumanValues, name: str, n_assets: int, chunk_period: int) -> Array:
    """`logit(lamb)` of memories in days, refusing memories whose decay rounds to 0 or 1."""
    days = per_asset(days, name, n_assets, positive=True)
    logit_lamb = logit(memory_days_to_lamb(days, chunk_period))
    if not np.all(np.isfinite(np.asarray(logit_lamb))):
        raise ValueError(
            f"`{name}` {days.tolist()!r} is out of range at chunk_period={chunk_period} in "
            f"{logit_lamb.dtype}: its decay rounds to 0 or 1. Use a memory between a few "
            "chunk periods and a few thousand years."
        )
    return logit_lamb


def weights_logits(initial_weights: HumanVector | None, n_assets: int) -> Array:
    """Logits whose softmax is `initial_weights` normalised (uniform when None)."""
    if initial_weights is None:
        return jnp.zeros(n_assets)
    weights = per_asset(initial_weights, "initial_weights", n_assets, positive=True)
    return jnp.asarray(np.log(weights / weights.sum()))

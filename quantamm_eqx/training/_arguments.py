"""Checks of `fit`'s arguments that are not numbers in a range: the optimiser and the key."""

import jax
import jax.numpy as jnp
import optax

from .._validation import ArgumentTypeError, checked_instance


def checked_optimizer(optimizer: object) -> optax.GradientTransformation:
    """`optimizer` if it is an optax transformation, else an error saying what to pass."""
    return checked_instance(
        optimizer,
        optax.GradientTransformation,
        "optimizer",
        "an optax.GradientTransformation, e.g. optax.adam(1e-2)",
    )


def check_key(key: object) -> None:
    """A JAX random key: typed (`jax.random.key`) or raw (`jax.random.PRNGKey`)."""
    message = f"`key` must be one JAX random key, e.g. jax.random.key(0); got {key!r}."
    if not isinstance(key, jax.Array):
        raise ArgumentTypeError(message)
    typed = jnp.issubdtype(key.dtype, jax.dtypes.prng_key) and key.shape == ()
    raw = key.dtype == jnp.uint32 and key.shape == (2,)
    if not (typed or raw):
        raise ValueError(message)

"""The train/validation split and the default optimiser of [`fit`][quantamm_eqx.fit]."""

import numbers

import optax

from .._validation import ArgumentTypeError, checked_int


def checked_val_fraction(val_fraction: float) -> float:
    """`val_fraction` if it lies in [0, 1), else `ValueError`."""
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, numbers.Real):
        raise ArgumentTypeError(
            f"`val_fraction` must be a number in [0, 1); got {type(val_fraction).__name__}."
        )
    if not 0 <= val_fraction < 1:
        raise ValueError(f"`val_fraction` must lie in [0, 1); got {val_fraction!r}.")
    return val_fraction


def split_index(n_minutes: int, val_fraction: float) -> int:
    """The first validation minute when the last `val_fraction` of the prices is held out.

    [`fit`][quantamm_eqx.fit] trains on minutes `[0, split_index)` and validates on
    `[split_index, n_minutes)`: `split_index = round(n_minutes * (1 - val_fraction))`.

    **Arguments:**

    - `n_minutes`: the number of price rows.
    - `val_fraction`: the held-out fraction, in [0, 1).

    **Returns:**

    The index of the first validation minute (`n_minutes` when `val_fraction` is 0).

    **Raises:**

    `ValueError` for `val_fraction` outside [0, 1) or a negative `n_minutes`.

    **Example:**

    ```python
    >>> from quantamm_eqx.training import split_index
    >>> split_index(10 * 1440, 0.25), split_index(100, 0.0)
    (10800, 100)
    ```
    """
    val_fraction = checked_val_fraction(val_fraction)
    n_minutes = checked_int(n_minutes, "n_minutes", 0)
    return int(round(n_minutes * (1 - val_fraction)))


def default_optimizer(learning_rate: optax.ScalarOrSchedule = 0.05) -> optax.GradientTransformation:
    """[`fit`][quantamm_eqx.fit]'s optimiser: Adam after clipping the gradient's global norm to 10.

    **Arguments:**

    - `learning_rate`: Adam's learning rate, a number or an optax schedule.

    **Returns:**

    `optax.chain(optax.clip_by_global_norm(10.0), optax.adam(learning_rate))`.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.training import default_optimizer
    >>> optimizer = default_optimizer(0.1)
    >>> params = {"x": jnp.array([1.0, 2.0])}
    >>> updates, _ = optimizer.update({"x": jnp.array([3.0, -4.0])}, optimizer.init(params))
    >>> [round(float(u), 6) for u in updates["x"]]  # Adam's first step: -lr * sign(gradient)
    [-0.1, 0.1]
    ```
    """
    return optax.chain(optax.clip_by_global_norm(10.0), optax.adam(learning_rate))

"""Elementwise maps between stored and constrained values: sigmoid/logit, squareplus."""

import jax
import jax.numpy as jnp

from .._custom_types import FloatArray, RealLike
from .._validation import as_float_array, check_values


def sigmoid(x: RealLike) -> FloatArray:
    """The logistic function `1 / (1 + exp(-x))`, mapping the real line to (0, 1).

    Used for `lamb = sigmoid(logit_lamb)`. Stable for large `|x|` (no overflow).

    **Arguments:**

    - `x`: unconstrained values, any shape.

    **Returns:**

    Values in (0, 1), same shape as `x`.

    **Example:**

    ```python
    >>> from quantamm_eqx.transforms import sigmoid
    >>> float(sigmoid(0.0))
    0.5
    ```
    """
    return jax.nn.sigmoid(as_float_array(x, "x"))


def logit(p: RealLike) -> FloatArray:
    """The inverse of [`sigmoid`][quantamm_eqx.transforms.sigmoid]: `log(p / (1 - p))`.

    **Arguments:**

    - `p`: probabilities in [0, 1], any shape (0 and 1 map to -inf and +inf).

    **Returns:**

    Unconstrained values, same shape as `p`.

    **Raises:**

    `ValueError` if any entry of `p` lies outside [0, 1] or is NaN.

    **Example:**

    ```python
    >>> from quantamm_eqx.transforms import logit, sigmoid
    >>> round(float(sigmoid(logit(0.9))), 12)
    0.9
    ```
    """
    p = as_float_array(p, "p")
    p = check_values(p, (p >= 0) & (p <= 1), "p", "lie in [0, 1]")
    return jnp.log(p / (1 - p))


def squareplus(x: RealLike) -> FloatArray:
    """Squareplus, `(x + sqrt(x**2 + 4)) / 2`: a smooth, algebraic map onto (0, inf).

    An algebraic stand-in for softplus (Barron, arXiv:2112.11687), used for the channel
    pool's `sp_*` parameters. Evaluated as `2 / (sqrt(x**2 + 4) - x)` for negative `x`,
    which is the same value without the cancellation of the textbook form.

    **Arguments:**

    - `x`: unconstrained values, any shape.

    **Returns:**

    Strictly positive values, same shape as `x`.

    **Example:**

    ```python
    >>> from quantamm_eqx.transforms import squareplus
    >>> float(squareplus(0.0))
    1.0
    ```
    """
    x = as_float_array(x, "x")
    # For x < 0 the textbook form cancels; 2 / (root - x) is the same number, exactly. Each
    # branch sees only its own sign (|x|), so the unselected one stays finite: for large x,
    # root - x rounds to 0 and its inf slope would make the gradient NaN.
    # hypot(|x|, 2) = sqrt(x**2 + 4) without overflowing for large |x|.
    magnitude = jnp.abs(x)
    root = jnp.hypot(magnitude, 2.0)
    return jnp.where(x >= 0, 0.5 * (magnitude + root), 2.0 / (root + magnitude))


def inverse_squareplus(y: RealLike) -> FloatArray:
    """The inverse of [`squareplus`][quantamm_eqx.transforms.squareplus]: `(y**2 - 1) / y`.

    **Arguments:**

    - `y`: strictly positive values, any shape.

    **Returns:**

    Unconstrained values `x` with `squareplus(x) == y`, same shape as `y`.

    **Raises:**

    `ValueError` if any entry of `y` is not strictly positive.

    **Example:**

    ```python
    >>> from quantamm_eqx.transforms import inverse_squareplus
    >>> float(inverse_squareplus(1.0))
    0.0
    ```
    """
    y = as_float_array(y, "y")
    y = check_values(y, y > 0, "y", "be strictly positive")
    return (y - 1.0) * (y + 1.0) / y

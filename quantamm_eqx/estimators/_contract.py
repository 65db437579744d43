"""The contracts' gradient update (QuantAMM-V1 `_calculateQuantAMMGradient`)."""

import jax.numpy as jnp

from .._custom_types import AssetParamLike, AssetVector


def gradient_update(
    a: AssetVector, moving_average: AssetVector, price: AssetVector, lamb: AssetParamLike
) -> tuple[AssetVector, AssetVector]:
    """The contracts' gradient update from a given moving average (protocol mode).

    QuantAMM-V1's `_calculateQuantAMMGradient` takes the moving average already updated
    to this price (`moving_average`) and computes

        a         = lamb * a + (price - moving_average) / (1 - lamb)
        numerator = a * (1 - lamb)**3 / lamb             # a / b

    with no zeroing of small `a`. The rule then divides `numerator` by the moving average
    or, with the raw-price option, by the price.

    **Arguments:**

    - `a`: the running sum of deviations before this update, shape `(n_assets,)`.
    - `moving_average`: the moving average updated to this price.
    - `price`: this update's price.
    - `lamb`: decay in (0, 1), a scalar or per-asset vector.

    **Returns:**

    `(a, numerator)`: the updated running sum and the gradient before its denominator.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.estimators import gradient_update
    >>> a, numerator = gradient_update(jnp.zeros(2), jnp.array([1050.0, 1050.0]),
    ...                                jnp.array([1100.0, 1100.0]), 0.5)
    >>> a.tolist(), numerator.tolist()  # a / b with b = 0.5 / 0.5**3 = 4
    ([100.0, 100.0], [25.0, 25.0])
    ```
    """
    lamb = jnp.asarray(lamb)
    one_minus = 1.0 - lamb
    a = lamb * a + (price - moving_average) / one_minus
    return a, a * (one_minus**3 / lamb)

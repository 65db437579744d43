"""Exponentially weighted moving average of prices (SPEC §2)."""

from typing import NamedTuple

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

from .._custom_types import AssetParam, AssetParamLike, AssetVector, AssetVectorLike, PricesLike
from .._validation import checked_decay, checked_price, checked_prices
from ._method import Method, checked_method
from ._recurrence import linear_recurrence


class EWMAState(NamedTuple):
    """State of the EWMA estimator: the current moving average, one entry per asset."""

    ewma: AssetVector


def ewma_init(first_price: AssetVectorLike) -> EWMAState:
    """Start an EWMA at the first observed price.

    **Arguments:**

    - `first_price`: the first (coarse) price of each asset, shape `(n_assets,)`.

    **Returns:**

    The initial [`EWMAState`][quantamm_eqx.estimators.EWMAState].

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.estimators import ewma_init
    >>> ewma_init(jnp.array([1.0, 2.0])).ewma.tolist()
    [1.0, 2.0]
    ```
    """
    return EWMAState(ewma=checked_price(first_price, "first_price"))


def _ewma_update(ewma: AssetVector, price: AssetVector, lamb: AssetParam) -> AssetVector:
    """One EWMA update in the reference's order of operations: `ewma + (price - ewma) / G_inf`."""
    g_inf = 1.0 / (1.0 - lamb)
    return ewma + (price - ewma) / g_inf


def _ewma_step(
    state: EWMAState, price: AssetVector, lamb: AssetParam
) -> tuple[EWMAState, AssetVector]:
    ewma = _ewma_update(state.ewma, price, lamb)
    return EWMAState(ewma=ewma), ewma


def ewma_step(
    state: EWMAState, price: AssetVectorLike, lamb: AssetParamLike
) -> tuple[EWMAState, AssetVector]:
    """Advance the EWMA by one price: `ewma <- ewma + (price - ewma) * (1 - lamb)`.

    Computed as `ewma + (price - ewma) / G_inf` with `G_inf = 1 / (1 - lamb)`, the
    reference's order of operations. Usable directly as a `lax.scan` body
    (`functools.partial(ewma_step, lamb=lamb)`).

    **Arguments:**

    - `state`: the current [`EWMAState`][quantamm_eqx.estimators.EWMAState].
    - `price`: this step's price per asset, shape `(n_assets,)`.
    - `lamb`: decay in (0, 1): a scalar or a per-asset vector.

    **Returns:**

    `(new_state, ewma)`: the updated state and the new moving average.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.estimators import ewma_init, ewma_step
    >>> state = ewma_init(jnp.array([1.0]))
    >>> state, average = ewma_step(state, jnp.array([2.0]), lamb=0.5)
    >>> average.tolist()
    [1.5]
    ```
    """
    price = checked_price(price, "price", n_assets=state.ewma.shape[0])
    lamb = checked_decay(lamb, "lamb", n_assets=price.shape[0], dtype=price.dtype)
    return _ewma_step(state, price, lamb)


def ewma(
    prices: PricesLike,
    lamb: AssetParamLike,
    *,
    method: Method = "scan",
) -> Float[Array, "time-1 asset"]:
    """EWMA of a price series, started at `prices[0]`.

    Row `r` of the result is the average after observing `prices[r + 1]` (the same
    alignment as [`ewma_gradients`][quantamm_eqx.estimators.ewma_gradients]).

    **Arguments:**

    - `prices`: coarse prices, shape `(time, n_assets)`, finite and positive.
    - `lamb`: decay in (0, 1): a scalar or a per-asset vector.
    - `method`: `"scan"` (sequential `lax.scan` of
      [`ewma_step`][quantamm_eqx.estimators.ewma_step]) or `"associative"` (parallel
      `lax.associative_scan`; equal up to rounding, O(log T) depth).

    **Returns:**

    The moving averages, shape `(time - 1, n_assets)`.

    **Raises:**

    `ValueError` for prices that are not a finite, positive 2-D array, or `lamb` outside (0, 1).

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.estimators import ewma
    >>> ewma(jnp.array([[1.0], [2.0], [2.0]]), lamb=0.5).tolist()
    [[1.5], [1.75]]
    ```
    """
    method = checked_method(method)
    prices = checked_prices(prices)
    lamb = checked_decay(lamb, "lamb", n_assets=prices.shape[1], dtype=prices.dtype)
    if method == "associative":
        return prices[1:] - _deviation_from_ewma(prices, lamb)

    def body(state: EWMAState, price: AssetVector) -> tuple[EWMAState, AssetVector]:
        return _ewma_step(state, price, lamb)

    _, averages = lax.scan(body, EWMAState(ewma=prices[0]), prices[1:])
    return averages


def _deviation_from_ewma(
    prices: Float[Array, "time asset"], lamb: AssetParam
) -> Float[Array, "time-1 asset"]:
    """`prices[1:] - ewma` evaluated in parallel.

    The deviation `e[j] = prices[j] - ewma[j]` obeys `e[j] = lamb * (e[j-1] + dprices[j])`
    with `e[0] = 0`: a linear recurrence driven by price increments. Working with
    increments keeps the parallel sum free of the cancellation that summing whole prices
    would suffer.
    """
    increments = jnp.diff(prices, axis=0)
    return linear_recurrence(lamb, lamb * increments)

"""The EWMA price-gradient estimator of TFMM rules (SPEC §2).

With `G_inf = 1 / (1 - lamb)` and `b = lamb / (1 - lamb)**3`, the state `(ewma, a)` starts
at `(C[0], 0)` and for every later coarse price `C[j]`:

    ewma = ewma + (C[j] - ewma) / G_inf
    a    = lamb * a + G_inf * (C[j] - ewma)      # the updated ewma
    a    = 0 where |a| < 1e-10
    g[j] = a / (b * ewma)

`g[j]` estimates the proportional price gradient `(1/p) dp/dt` per coarse step. With an
alternative lambda, a second average `alt_ewma` (decay `alt_lamb`) replaces `ewma` in the
denominator; `b` still comes from `lamb`.
"""

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

from .._config import Mode
from .._custom_types import AssetParam, AssetParamLike, AssetVector, AssetVectorLike, PricesLike
from .._validation import checked_decay, checked_price, checked_prices
from ._arithmetic import AbstractEstimatorArithmetic, GradientState, estimator_arithmetic
from ._method import Method, checked_method


def gradient_init(first_price: AssetVectorLike, *, use_alt_lamb: bool = False) -> GradientState:
    """Start the estimator at the first price: `ewma = first_price`, `a = 0`.

    **Arguments:**

    - `first_price`: the first coarse price of each asset, shape `(n_assets,)`.
    - `use_alt_lamb`: whether to carry the alternative-lambda average `alt_ewma`.

    **Returns:**

    The initial [`GradientState`][quantamm_eqx.estimators.GradientState].

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.estimators import gradient_init
    >>> state = gradient_init(jnp.array([1.0, 2.0]))
    >>> state.a.tolist(), state.alt_ewma is None
    ([0.0, 0.0], True)
    ```
    """
    price = checked_price(first_price, "first_price")
    return GradientState(
        ewma=price, a=jnp.zeros_like(price), alt_ewma=price if use_alt_lamb else None
    )


def _check_denominator(alt_lamb: object, use_raw_price: bool) -> None:
    if use_raw_price and alt_lamb is not None:
        raise ValueError(
            "`use_raw_price=True` and `alt_lamb` both choose the gradient's denominator: pass "
            "one of them."
        )


def _check_alt_consistency(state: GradientState, alt_lamb: object) -> None:
    if (alt_lamb is None) != (state.alt_ewma is None):
        raise ValueError(
            "`alt_lamb` must be given exactly when the state carries `alt_ewma`: start the "
            "state with `gradient_init(first_price, use_alt_lamb=True)` to use an alternative "
            "lambda, or omit `alt_lamb`."
        )


def gradient_step(
    state: GradientState,
    price: AssetVectorLike,
    lamb: AssetParamLike,
    alt_lamb: AssetParamLike | None = None,
    *,
    use_raw_price: bool = False,
    mode: Mode = "simulator",
) -> tuple[GradientState, AssetVector]:
    """Advance the estimator by one coarse price and return the new gradient estimate.

    Follows SPEC §2 exactly: the EWMA update first, then `a` from the *updated* EWMA,
    then the zeroing of `|a| < 1e-10`, then `g = a / (b * ewma)` (or `b * alt_ewma`).
    Usable directly as a `lax.scan` body (close over `lamb` and `alt_lamb`).
    `mode="protocol"` follows the contracts instead: no zeroing, and their order of
    operations (see [`gradient_update`][quantamm_eqx.estimators.gradient_update]).

    **Arguments:**

    - `state`: the current [`GradientState`][quantamm_eqx.estimators.GradientState].
    - `price`: this coarse step's price per asset, shape `(n_assets,)`.
    - `lamb`: decay in (0, 1), a scalar or per-asset vector.
    - `alt_lamb`: the alternative decay for the denominator average; give it exactly when
      the state was started with `use_alt_lamb=True`.
    - `use_raw_price`: divide by `b * price` instead of `b * ewma` (not with `alt_lamb`).
    - `mode`: `"simulator"` (SPEC arithmetic) or `"protocol"` (the contracts').

    **Returns:**

    `(new_state, gradient)`, the gradient of shape `(n_assets,)`.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.estimators import gradient_init, gradient_step
    >>> state = gradient_init(jnp.array([1.0, 1.0]))
    >>> state, g = gradient_step(state, jnp.array([1.1, 1.0]), lamb=0.9)
    >>> bool(g[0] > 0), float(g[1])
    (True, 0.0)
    ```
    """
    _check_alt_consistency(state, alt_lamb)
    _check_denominator(alt_lamb, use_raw_price)
    arithmetic = estimator_arithmetic(mode)
    price = checked_price(price, "price", n_assets=state.ewma.shape[0])
    n_assets, dtype = price.shape[0], price.dtype
    lamb = checked_decay(lamb, "lamb", n_assets, dtype)
    if alt_lamb is not None:
        alt_lamb = checked_decay(alt_lamb, "alt_lamb", n_assets, dtype)
    return arithmetic.step(state, price, lamb, alt_lamb, use_raw_price)


def ewma_gradients(
    prices: PricesLike,
    lamb: AssetParamLike,
    alt_lamb: AssetParamLike | None = None,
    *,
    method: Method = "scan",
    use_raw_price: bool = False,
    mode: Mode = "simulator",
) -> Float[Array, "time-1 asset"]:
    """Price-gradient estimates `g[1..J]` over a coarse price series `C[0..J]`.

    Row `r` belongs to coarse price `C[r + 1]` and uses no later price. To reproduce a
    pool, pass the coarse prices `minute_prices[::chunk_period]` and the capped lambda
    ([`cap_lamb`][quantamm_eqx.transforms.cap_lamb]).

    **Arguments:**

    - `prices`: coarse prices, shape `(time, n_assets)`, finite and positive.
    - `lamb`: decay in (0, 1), a scalar or per-asset vector.
    - `alt_lamb`: optional decay of the denominator average (the reference's
      `use_alt_lamb`); `None` uses the `lamb` average.
    - `method`: `"scan"`, the sequential recurrence of
      [`gradient_step`][quantamm_eqx.estimators.gradient_step] (the reference's
      arithmetic, with the `|a| < 1e-10` zeroing); or `"associative"`, a parallel
      evaluation of the same linear recurrence with `lax.associative_scan` (O(log T)
      depth; no zeroing, so entries whose `|a|` the sequential path would zero differ by at
      most `1e-10 / ((1 - lamb) * b * ewma)`; otherwise equal up to rounding).
    - `use_raw_price`: divide by `b * price` instead of `b * ewma` (not with `alt_lamb`).
    - `mode`: the arithmetic, `"simulator"` (SPEC) or `"protocol"` (the contracts'; see
      [`gradient_step`][quantamm_eqx.estimators.gradient_step]). Protocol mode runs only
      with `method="scan"`.

    **Returns:**

    The gradients, shape `(time - 1, n_assets)`.

    **Raises:**

    `ValueError` for prices that are not a finite, positive 2-D array, a decay outside
    (0, 1), or `mode="protocol"` with `method="associative"`.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.estimators import ewma_gradients
    >>> prices = jnp.array([[1.0, 5.0], [1.1, 5.0], [1.2, 5.0]])
    >>> g = ewma_gradients(prices, lamb=0.8)
    >>> g.shape, bool((g[:, 0] > 0).all()), g[:, 1].tolist()
    ((2, 2), True, [0.0, 0.0])
    ```
    """
    method = checked_method(method)
    arithmetic = estimator_arithmetic(mode)
    _check_denominator(alt_lamb, use_raw_price)
    prices = checked_prices(prices)
    n_assets, dtype = prices.shape[1], prices.dtype
    lamb = checked_decay(lamb, "lamb", n_assets, dtype)
    if alt_lamb is not None:
        alt_lamb = checked_decay(alt_lamb, "alt_lamb", n_assets, dtype)
    return gradients_validated(prices, lamb, alt_lamb, method, use_raw_price, arithmetic)


def gradients_validated(
    prices: Float[Array, "time asset"],
    lamb: AssetParam,
    alt_lamb: AssetParam | None,
    method: Method,
    use_raw_price: bool,
    arithmetic: AbstractEstimatorArithmetic,
) -> Float[Array, "time-1 asset"]:
    """[`ewma_gradients`][quantamm_eqx.estimators.ewma_gradients] of validated inputs, the
    arithmetic given as an object (no checks repeated: for the library's compiled cores)."""
    if method == "associative":
        return arithmetic.parallel(prices, lamb, alt_lamb, use_raw_price)

    def body(state: GradientState, price: AssetVector) -> tuple[GradientState, AssetVector]:
        return arithmetic.step(state, price, lamb, alt_lamb, use_raw_price)

    first = prices[0]
    init = GradientState(
        ewma=first, a=jnp.zeros_like(first), alt_ewma=None if alt_lamb is None else first
    )
    _, gradients = lax.scan(body, init, prices[1:])
    return gradients

"""The estimator's arithmetic as objects: the reference simulator's (SPEC §2) or the contracts'.

A pool picks one from `SimulationConfig.mode` once
([`estimator_arithmetic`][quantamm_eqx.estimators.estimator_arithmetic]); scan bodies call
its methods and never look at the mode again.
"""

import abc
from typing import NamedTuple

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from .._config import Mode, checked_mode
from .._custom_types import AssetParam, AssetVector
from ._contract import gradient_update
from ._ewma import _deviation_from_ewma, _ewma_update
from ._recurrence import linear_recurrence

A_ZERO_THRESHOLD = 1e-10
"""Running `a` values smaller than this (in absolute value) are set to zero on the
sequential path, as in the reference."""


class GradientState(NamedTuple):
    """State of the price-gradient estimator, one entry per asset in each field.

    - `ewma`: the moving average of prices (decay `lamb`);
    - `a`: the running, exponentially weighted sum of deviations from `ewma`;
    - `alt_ewma`: the moving average with decay `alt_lamb` used as the denominator, or
      `None` when the estimator runs without an alternative lambda.
    """

    ewma: AssetVector
    a: AssetVector
    alt_ewma: AssetVector | None = None


def _denominator(
    state: GradientState,
    price: AssetVector,
    ewma: AssetVector,
    alt_lamb: AssetParam | None,
    use_raw_price: bool,
) -> tuple[AssetVector | None, AssetVector]:
    """`(alt_ewma, denominator)`: the updated alternative average (or None) and what `a / b`
    is divided by: the alternative average, the price, or the moving average."""
    if alt_lamb is None or state.alt_ewma is None:  # callers ensure both or neither
        return None, price if use_raw_price else ewma
    alt_ewma = _ewma_update(state.alt_ewma, price, alt_lamb)
    return alt_ewma, alt_ewma


class AbstractEstimatorArithmetic(eqx.Module):
    """How the price-gradient estimator computes: one update, and (optionally) a parallel
    evaluation of a whole series. Inputs are validated arrays."""

    @abc.abstractmethod
    def step(
        self,
        state: GradientState,
        price: AssetVector,
        lamb: AssetParam,
        alt_lamb: AssetParam | None,
        use_raw_price: bool,
    ) -> tuple[GradientState, AssetVector]:
        """One estimator update: `(new_state, gradient)`."""

    @abc.abstractmethod
    def parallel(
        self,
        prices: Float[Array, "time asset"],
        lamb: AssetParam,
        alt_lamb: AssetParam | None,
        use_raw_price: bool,
    ) -> Float[Array, "time-1 asset"]:
        """The gradients of a whole coarse series with `lax.associative_scan`."""


class SimulatorArithmetic(AbstractEstimatorArithmetic):
    """The reference simulator's arithmetic (SPEC §2), `SimulationConfig(mode="simulator")`.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.estimators import SimulatorArithmetic, gradient_init
    >>> state = gradient_init(jnp.array([1.0, 1.0]))
    >>> lamb = jnp.array([0.9])
    >>> state, g = SimulatorArithmetic().step(state, jnp.array([1.1, 1.0]), lamb, None, False)
    >>> bool(g[0] > 0), float(g[1])
    (True, 0.0)
    ```
    """

    def step(self, state, price, lamb, alt_lamb, use_raw_price):
        g_inf = 1.0 / (1.0 - lamb)
        saturated_b = lamb / ((1 - lamb) ** 3)
        ewma = _ewma_update(state.ewma, price, lamb)
        a = lamb * state.a + g_inf * (price - ewma)
        a = jnp.where(jnp.abs(a) < A_ZERO_THRESHOLD, 0.0, a)
        alt_ewma, denominator = _denominator(state, price, ewma, alt_lamb, use_raw_price)
        gradient = a / (saturated_b * denominator)
        return GradientState(ewma=ewma, a=a, alt_ewma=alt_ewma), gradient

    def parallel(self, prices, lamb, alt_lamb, use_raw_price):
        """The estimator as two parallel linear recurrences.

        With the deviation `e[j] = C[j] - ewma[j]` (see `_deviation_from_ewma`), the update
        `a[j] = lamb * a[j-1] + G_inf * e[j]` is again linear with `a[0] = 0`.
        """
        g_inf = 1.0 / (1.0 - lamb)
        saturated_b = lamb / ((1 - lamb) ** 3)
        deviation = _deviation_from_ewma(prices, lamb)
        a = linear_recurrence(lamb, g_inf * deviation)
        if use_raw_price:
            denominator = prices[1:]
        elif alt_lamb is None:
            denominator = prices[1:] - deviation
        else:
            denominator = prices[1:] - _deviation_from_ewma(prices, alt_lamb)
        return a / (saturated_b * denominator)


class ProtocolArithmetic(AbstractEstimatorArithmetic):
    """The deployed contracts' arithmetic, `SimulationConfig(mode="protocol")`: their order
    of operations ([`gradient_update`][quantamm_eqx.estimators.gradient_update]) and no
    zeroing of small `a`. Sequential only: its point is the contracts' exact sequence of
    floating-point operations, which a parallel evaluation reorders.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.estimators import ProtocolArithmetic, gradient_init
    >>> state = gradient_init(jnp.array([1.0, 1.0]))
    >>> lamb = jnp.array([0.9])
    >>> state, g = ProtocolArithmetic().step(state, jnp.array([1.1, 1.0]), lamb, None, False)
    >>> bool(g[0] > 0), float(g[1])
    (True, 0.0)
    ```
    """

    def step(self, state, price, lamb, alt_lamb, use_raw_price):
        ewma = state.ewma + (1.0 - lamb) * (price - state.ewma)
        a, numerator = gradient_update(state.a, ewma, price, lamb)
        alt_ewma, denominator = _denominator(state, price, ewma, alt_lamb, use_raw_price)
        return GradientState(ewma=ewma, a=a, alt_ewma=alt_ewma), numerator / denominator

    def parallel(self, prices, lamb, alt_lamb, use_raw_price):
        raise ValueError(
            "`method='associative'` cannot run `SimulationConfig(mode='protocol')`: protocol "
            "mode reproduces the contracts' sequential floating-point arithmetic, which a "
            "parallel evaluation reorders. Use `method='scan'` with protocol mode, or "
            "`mode='simulator'` with the associative method."
        )


_ARITHMETIC: dict[str, AbstractEstimatorArithmetic] = {
    "simulator": SimulatorArithmetic(),
    "protocol": ProtocolArithmetic(),
}


def estimator_arithmetic(mode: Mode) -> AbstractEstimatorArithmetic:
    """The estimator arithmetic of a `SimulationConfig.mode`.

    **Arguments:**

    - `mode`: `"simulator"` or `"protocol"`.

    **Returns:**

    [`SimulatorArithmetic`][quantamm_eqx.estimators.SimulatorArithmetic] or
    [`ProtocolArithmetic`][quantamm_eqx.estimators.ProtocolArithmetic].

    **Example:**

    ```python
    >>> from quantamm_eqx.estimators import estimator_arithmetic
    >>> type(estimator_arithmetic("protocol")).__name__
    'ProtocolArithmetic'
    ```
    """
    return _ARITHMETIC[checked_mode(mode)]

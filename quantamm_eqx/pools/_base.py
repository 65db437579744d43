"""`AbstractTFMMPool`: what every pool is; the zero-sum weight change the rules share."""

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float, PyTree

from .._config import SimulationConfig
from .._custom_types import AssetParamLike, AssetVector, AssetVectorLike
from .._validation import checked_instance
from ..estimators._method import Method


def broadcast_to_assets(value: Array, like: Array) -> Array:
    """Broadcast a per-asset parameter (length 1 or n) against `like` (`(..., n)`)."""
    return jnp.broadcast_to(value, jnp.broadcast_shapes(value.shape, like.shape))


def zero_sum_weight_change(
    signal: Float[Array, "*batch asset"], k: AssetParamLike
) -> Float[Array, "*batch asset"]:
    """`d = k * (signal - sum(k * signal) / sum(k))`, which sums to zero over assets.

    `k` is broadcast over the assets first, so a shared (length-1) `k` gives
    `k * (signal - mean(signal))`. The shares `k / sum(k)` are taken after scaling `k` by its
    largest magnitude, so neither the value nor the gradient underflows for tiny `k`
    (float32 squares of `k` near 1e-26 are 0).

    **Arguments:**

    - `signal`: the rule's signal, `(..., n_assets)`.
    - `k`: aggressiveness per asset (length `n_assets` or 1).

    **Returns:**

    Weight changes, the shape of `signal`.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.pools import zero_sum_weight_change
    >>> zero_sum_weight_change(jnp.array([3.0, 1.0]), jnp.array([1.0, 3.0])).tolist()
    [1.5, -1.5]
    ```
    """
    k = broadcast_to_assets(jnp.asarray(k), signal)
    # The shares do not depend on the scale, so it carries no gradient.
    scale = lax.stop_gradient(jnp.max(jnp.abs(k), axis=-1, keepdims=True))
    scaled = k / jnp.where(scale > 0, scale, 1.0)
    offset = -jnp.sum(scaled * signal, axis=-1, keepdims=True) / jnp.sum(
        scaled, axis=-1, keepdims=True
    )
    return k * (signal + offset)


class AbstractTFMMPool(eqx.Module):
    """Anything that decides a TFMM pool's weight changes from prices.

    [`simulate`][quantamm_eqx.simulate], [`minute_weights`][quantamm_eqx.minute_weights],
    [`weight_schedule`][quantamm_eqx.weight_schedule] and [`fit`][quantamm_eqx.fit] accept
    any subclass: a single-rule pool
    ([`AbstractGradientPool`][quantamm_eqx.AbstractGradientPool] and the built-in pools),
    an [`Ensemble`][quantamm_eqx.Ensemble] of them, a
    [`BoundedPool`][quantamm_eqx.BoundedPool] wrapping either, or a rule of your own. A
    subclass provides the starting weights' logits, the streaming API (`init_state`,
    `step`), the rule outputs over a price series
    ([`rule_outputs`][quantamm_eqx.AbstractTFMMPool.rule_outputs], the extension point), and
    optional per-asset weight bounds.
    """

    initial_weights_logits: eqx.AbstractVar[Float[Array, " asset"]]

    @property
    def n_assets(self) -> int:
        """The number of assets (the length of `initial_weights_logits`)."""
        return self.initial_weights_logits.shape[-1]

    @property
    def population_size(self) -> int | None:
        """The number of members of a stacked population (leading axis of every parameter),
        or None for a single pool."""
        logits = self.initial_weights_logits
        return logits.shape[0] if logits.ndim == 2 else None

    @property
    def initial_weights(self) -> Float[Array, " asset"]:
        """The starting weights `softmax(initial_weights_logits)` (gradient stopped)."""
        return jax.nn.softmax(lax.stop_gradient(self.initial_weights_logits), axis=-1)

    @abc.abstractmethod
    def init_state(self, first_price: AssetVectorLike, config: SimulationConfig) -> PyTree:
        """The rule's state at the first coarse price (see `step`)."""

    @abc.abstractmethod
    def step(
        self, state: PyTree, price: AssetVectorLike, config: SimulationConfig
    ) -> tuple[PyTree, AssetVector]:
        """One rule update at a new coarse price: `(new_state, weight_change)`."""

    @abc.abstractmethod
    def weight_bounds(self) -> tuple[AssetVector, AssetVector] | None:
        """Per-asset `(minimum, maximum)` weights applied before the guardrails, or None."""

    def _checked_n_assets(self, n_columns: int, name: str) -> None:
        if n_columns != self.n_assets:
            raise ValueError(
                f"`{name}` has {n_columns} asset column(s) but the pool has "
                f"n_assets={self.n_assets}; pass prices with one column per pool asset."
            )

    @abc.abstractmethod
    def rule_outputs(
        self,
        prices: Float[Array, "time asset"],
        config: SimulationConfig,
        *,
        method: Method = "scan",
    ) -> Float[Array, "steps asset"]:
        """The rule's weight changes over a whole minute price series: the extension point.

        A new rule implements this method (with the streaming `init_state` and `step`).
        [`simulate`][quantamm_eqx.simulate], [`weight_schedule`][quantamm_eqx.weight_schedule]
        and [`fit`][quantamm_eqx.fit] call it with validated prices: a floating JAX array of
        shape `(time, n_assets)`, finite and positive, often traced (under `jit`, `grad`,
        `vmap`), so an implementation uses JAX operations and raises no value-dependent
        errors. The built-in pools also accept raw (NumPy, list) prices and check them when
        they are concrete. See the how-to *Write a custom rule*.

        Runs on the coarse prices `prices[::config.chunk_period]` and returns one row per
        coarse step after the first: row `r` is the weight change decided at coarse price
        `r + 1` (minute `(r + 1) * chunk_period`), from prices up to that minute only. The
        numbers are those of scanning [`step`][quantamm_eqx.AbstractTFMMPool.step].

        **Arguments:**

        - `prices`: minute prices, shape `(time, n_assets)`, burn-in included.
        - `config`: the simulation configuration.
        - `method`: the estimator's evaluation, `"scan"` (reference arithmetic) or
          `"associative"` (parallel; see
          [`ewma_gradients`][quantamm_eqx.estimators.ewma_gradients]).

        **Returns:**

        Weight changes, shape `(len(prices[::chunk_period]) - 1, n_assets)`.

        **Example:**

        ```python
        >>> import numpy as np
        >>> from quantamm_eqx import MomentumPool, SimulationConfig
        >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
        >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, k_per_day=10.0,
        ...                                      chunk_period=60)
        >>> prices = np.exp(np.cumsum(np.full((1441, 2), [1e-4, -1e-4]), axis=0))
        >>> changes = pool.rule_outputs(prices, config)
        >>> changes.shape, bool((changes[:, 0] > 0).all())
        ((24, 2), True)
        ```
        """


def checked_pool(pool: object, name: str = "pool") -> "AbstractTFMMPool":
    """`pool` if it is a pool, else an error saying how to make one."""
    return checked_instance(
        pool, AbstractTFMMPool, name, "a pool, e.g. MomentumPool.from_memory_days(n_assets=2)"
    )

"""`AbstractPool`: what every TFMM pool is, and the behaviour all pools share (SPEC §1–3)."""

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jaxtyping import Array, Float, PyTree

from .._config import SimulationConfig
from .._custom_types import AssetParam, AssetParamLike, AssetVector, AssetVectorLike, PricesLike
from .._estimators.gradient import GradientState, _gradient_step
from .._estimators.method import Method, checked_method
from .._transforms import cap_lamb, lamb_to_memory_days_clipped
from .._validation import checked_price, checked_prices, is_traced
from ..estimators import ewma_gradients
from .params import parameter_specs


def broadcast_to_assets(value: Array, like: Array) -> Array:
    """Broadcast a per-asset parameter (length 1 or n) against `like` (`(..., n)`)."""
    return jnp.broadcast_to(value, jnp.broadcast_shapes(value.shape, like.shape))


def zero_sum_weight_change(
    signal: Float[Array, "*batch asset"], k: AssetParamLike
) -> Float[Array, "*batch asset"]:
    """`d = k * (signal - sum(k * signal) / sum(k))`, which sums to zero over assets.

    `k` is broadcast over the assets first, so a shared (length-1) `k` gives
    `k * (signal - mean(signal))`.

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
    offset = -jnp.sum(k * signal, axis=-1, keepdims=True) / jnp.sum(k, axis=-1, keepdims=True)
    return k * (signal + offset)


class AbstractTFMMPool(eqx.Module):
    """Anything that decides a TFMM pool's weight changes from prices.

    [`simulate`][quantamm_eqx.simulate], [`minute_weights`][quantamm_eqx.minute_weights],
    [`weight_schedule`][quantamm_eqx.weight_schedule] and [`fit`][quantamm_eqx.fit] accept
    any subclass: a single-rule pool ([`AbstractPool`][quantamm_eqx.AbstractPool] and the
    built-in pools), an [`Ensemble`][quantamm_eqx.Ensemble] of them, or a
    [`BoundedPool`][quantamm_eqx.BoundedPool] wrapping either. A subclass provides the
    starting weights' logits, the streaming API (`init_state`, `step`), the sequence of
    rule outputs over a price series, and optional per-asset weight bounds.
    """

    initial_weights_logits: eqx.AbstractVar[Float[Array, " asset"]]

    @property
    def n_assets(self) -> int:
        """The number of assets (the length of `initial_weights_logits`)."""
        return self.initial_weights_logits.shape[-1]

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
    def _rule_outputs(
        self, prices: Float[Array, "time asset"], config: SimulationConfig, method: Method
    ) -> Float[Array, "steps asset"]:
        """[`rule_outputs`][quantamm_eqx.AbstractTFMMPool.rule_outputs] of validated prices."""

    @abc.abstractmethod
    def weight_bounds(self) -> tuple[AssetVector, AssetVector] | None:
        """Per-asset `(minimum, maximum)` weights applied before the guardrails, or None."""

    def _checked_n_assets(self, n_columns: int, name: str) -> None:
        if n_columns != self.n_assets:
            raise ValueError(
                f"`{name}` has {n_columns} asset column(s) but the pool has "
                f"n_assets={self.n_assets}; pass prices with one column per pool asset."
            )

    def rule_outputs(
        self, prices: PricesLike, config: SimulationConfig, *, method: Method = "scan"
    ) -> Float[Array, "steps asset"]:
        """The rule's weight changes over a whole minute price series.

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
        method = checked_method(method)
        return self._rule_outputs(checked_prices(prices, pool=self), config, method)


class AbstractPool(AbstractTFMMPool):
    """A TFMM pool: stored (unconstrained) per-asset parameters and a rule.

    Every pool holds `logit_lamb`, `logit_delta_lamb` and `initial_weights_logits`, plus its
    rule's own parameters; each is a per-asset vector of length `n_assets` or 1 (shared by
    all assets). Subclasses implement
    [`weight_change`][quantamm_eqx.AbstractPool.weight_change], the rule; everything else
    (the estimator, the streaming and sequence APIs, the constrained values) is shared.

    A pool is an immutable pytree: differentiate with `eqx.filter_grad`, batch with
    `eqx.filter_vmap` over a stacked pool, and edit with `eqx.tree_at`.
    """

    logit_lamb: eqx.AbstractVar[Float[Array, "#asset"]]
    logit_delta_lamb: eqx.AbstractVar[Float[Array, "#asset"]]

    def __check_init__(self):
        logits = self.initial_weights_logits
        if logits.ndim != 1 or logits.shape[0] < 2:
            raise ValueError(
                "`initial_weights_logits` must be a vector with one entry per asset (at least "
                f"two assets); got shape {tuple(logits.shape)}."
            )
        n_assets = logits.shape[0]
        for name in parameter_specs(self):
            value = getattr(self, name)
            if value.ndim != 1 or value.shape[0] not in (1, n_assets):
                raise ValueError(
                    f"`{name}` must be a vector of length 1 or n_assets={n_assets} (the length "
                    f"of `initial_weights_logits`); got shape {tuple(value.shape)}."
                )
            if not is_traced(value) and not np.all(np.isfinite(np.asarray(value))):
                raise ValueError(f"`{name}` must be finite; got {np.asarray(value).tolist()!r}.")

    @abc.abstractmethod
    def weight_change(
        self, gradient: Float[Array, "*batch asset"], config: SimulationConfig
    ) -> Float[Array, "*batch asset"]:
        """The rule: weight changes (summing to zero over assets) from price gradients.

        **Arguments:**

        - `gradient`: EWMA price gradients, one row per coarse step (or a single row).
        - `config`: the simulation configuration.

        **Returns:**

        The weight changes, the shape of `gradient`.
        """

    @property
    def lamb(self) -> Float[Array, "#asset"]:
        """The EWMA decay `sigmoid(logit_lamb)`, before the memory cap."""
        return jax.nn.sigmoid(self.logit_lamb)

    @property
    def alt_lamb(self) -> Float[Array, "#asset"]:
        """The alternative decay `sigmoid(logit_lamb + logit_delta_lamb)`, before the cap."""
        return jax.nn.sigmoid(self.logit_lamb + self.logit_delta_lamb)

    def memory_days(self, config: SimulationConfig) -> Float[Array, "#asset"]:
        """The memory length in days, clipped to `config.max_memory_days` (scales `k`)."""
        return lamb_to_memory_days_clipped(self.lamb, config.chunk_period, config.max_memory_days)

    def estimator_decays(
        self, config: SimulationConfig
    ) -> tuple[Float[Array, "#asset"], Float[Array, "#asset"] | None]:
        """The capped decays the estimator runs with: `(lamb, alt_lamb or None)`."""
        lamb = cap_lamb(self.lamb, config.max_memory_days, config.chunk_period)
        if not config.use_alt_lamb:
            return lamb, None
        return lamb, cap_lamb(self.alt_lamb, config.max_memory_days, config.chunk_period)

    def init_state(self, first_price: AssetVectorLike, config: SimulationConfig) -> GradientState:
        """Start the pool's estimator at the first coarse price (on-chain: pool creation).

        **Arguments:**

        - `first_price`: the first coarse price of each asset, shape `(n_assets,)`.
        - `config`: the simulation configuration.

        **Returns:**

        The estimator state ([`GradientState`][quantamm_eqx.estimators.GradientState]).

        **Example:**

        ```python
        >>> import jax.numpy as jnp
        >>> from quantamm_eqx import MomentumPool, SimulationConfig
        >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=5.0, k_per_day=10.0)
        >>> state = pool.init_state(jnp.array([1.0, 2.0]), SimulationConfig())
        >>> state.ewma.tolist(), state.a.tolist()
        ([1.0, 2.0], [0.0, 0.0])
        ```
        """
        price = checked_price(first_price, "first_price")
        self._checked_n_assets(price.shape[0], "first_price")
        alt = price if config.use_alt_lamb else None
        return GradientState(ewma=price, a=jnp.zeros_like(price), alt_ewma=alt)

    def step(
        self, state: GradientState, price: AssetVectorLike, config: SimulationConfig
    ) -> tuple[GradientState, AssetVector]:
        """One rule update at a new coarse price, as the pool runs on chain.

        Updates the estimator (SPEC §2) and applies the rule (SPEC §3). Usable directly as
        a `lax.scan` body: `functools.partial(pool.step, config=config)`.

        **Arguments:**

        - `state`: the estimator state, from [`init_state`][quantamm_eqx.AbstractPool.init_state]
          or the previous step.
        - `price`: this coarse step's price of each asset, shape `(n_assets,)`.
        - `config`: the simulation configuration.

        **Returns:**

        `(new_state, weight_change)`, the weight change of shape `(n_assets,)`.

        **Example:**

        ```python
        >>> import jax.numpy as jnp
        >>> from quantamm_eqx import MomentumPool, SimulationConfig
        >>> config = SimulationConfig()
        >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=5.0, k_per_day=10.0)
        >>> state = pool.init_state(jnp.array([1.0, 1.0]), config)
        >>> state, change = pool.step(state, jnp.array([1.1, 1.0]), config)
        >>> bool(change[0] > 0), abs(float(change.sum())) < 1e-15
        (True, True)
        ```
        """
        price = checked_price(price, "price")
        self._checked_n_assets(price.shape[0], "price")
        lamb, alt_lamb = self.estimator_decays(config)
        if (alt_lamb is None) != (state.alt_ewma is None):
            raise ValueError(
                "`state` does not match `config.use_alt_lamb`: start it with "
                "`pool.init_state(first_price, config)` using the same configuration."
            )
        lamb, alt_lamb = lamb.astype(price.dtype), _cast(alt_lamb, price)
        state, gradient = _gradient_step(
            state, price, lamb, alt_lamb, use_raw_price=config.use_raw_price, mode=config.mode
        )
        return state, self.weight_change(gradient, config)

    def _rule_outputs(
        self, prices: Float[Array, "time asset"], config: SimulationConfig, method: Method
    ) -> Float[Array, "steps asset"]:
        """[`rule_outputs`][quantamm_eqx.AbstractTFMMPool.rule_outputs] of validated prices."""
        self._checked_n_assets(prices.shape[1], "prices")
        lamb, alt_lamb = self.estimator_decays(config)
        coarse = prices[:: config.chunk_period]
        gradients = ewma_gradients(
            coarse,
            lamb.astype(prices.dtype),
            _cast(alt_lamb, prices),
            method=method,
            use_raw_price=config.use_raw_price,
            mode=config.mode,
        )
        return self.weight_change(gradients, config)

    def weight_bounds(self) -> None:
        """None: a single-rule pool has no per-asset bounds (wrap it in a `BoundedPool`)."""
        return None


def _cast(decay: AssetParam | None, like: Array) -> AssetParam | None:
    return None if decay is None else decay.astype(like.dtype)

"""`AbstractGradientPool`: the pools whose rule reads the EWMA price gradient, and the
behaviour they share (SPEC §1–3)."""

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .._config import SimulationConfig
from .._custom_types import AssetParam, AssetVector, AssetVectorLike, PricesLike
from .._validation import checked_price, checked_prices, is_traced
from ..estimators._arithmetic import GradientState, estimator_arithmetic
from ..estimators._gradient import gradients_validated
from ..estimators._method import Method, checked_method
from ..transforms._memory import cap_lamb, logit_lamb_to_memory_days
from ._base import AbstractTFMMPool
from ._params import LOGIT_LAMB, parameter_specs, saturate


class AbstractGradientPool(AbstractTFMMPool):
    """A pool whose rule is a function of the EWMA price gradient (SPEC §2–3).

    (Called `AbstractPool` before 0.2; that name still works, with a `DeprecationWarning`.)

    Every pool holds `logit_lamb`, `logit_delta_lamb` and `initial_weights_logits`, plus its
    rule's own parameters; each is a per-asset vector of length `n_assets` or 1 (shared by
    all assets). Subclasses implement
    [`weight_change`][quantamm_eqx.AbstractGradientPool.weight_change], the rule; everything else
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
        """The EWMA decay `sigmoid(logit_lamb)` (logit read within [-40, 40]), before the
        memory cap."""
        return jax.nn.sigmoid(self._saturated_logit_lamb)

    @property
    def alt_lamb(self) -> Float[Array, "#asset"]:
        """The alternative decay `sigmoid(logit_lamb + logit_delta_lamb)` (the sum read
        within [-40, 40]), before the cap."""
        return jax.nn.sigmoid(saturate(self.logit_lamb + self.logit_delta_lamb, LOGIT_LAMB))

    @property
    def _saturated_logit_lamb(self) -> Float[Array, "#asset"]:
        return saturate(self.logit_lamb, LOGIT_LAMB)

    def memory_days(self, config: SimulationConfig) -> Float[Array, "#asset"]:
        """The memory length in days, clipped to `config.max_memory_days` (scales `k`).

        Computed from the logit
        ([`logit_lamb_to_memory_days`][quantamm_eqx.transforms.logit_lamb_to_memory_days]),
        so it and its gradient are finite for every stored value."""
        return logit_lamb_to_memory_days(
            self._saturated_logit_lamb, config.chunk_period, config.max_memory_days
        )

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

        - `state`: the estimator state, from
          [`init_state`][quantamm_eqx.AbstractGradientPool.init_state] or the previous step.
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
        arithmetic = estimator_arithmetic(config.mode)
        state, gradient = arithmetic.step(state, price, lamb, alt_lamb, config.use_raw_price)
        return state, self.weight_change(gradient, config)

    def rule_outputs(
        self, prices: PricesLike, config: SimulationConfig, *, method: Method = "scan"
    ) -> Float[Array, "steps asset"]:
        """The EWMA price gradients of `prices[::config.chunk_period]` (SPEC §2), then
        [`weight_change`][quantamm_eqx.AbstractGradientPool.weight_change]: see
        [`AbstractTFMMPool.rule_outputs`][quantamm_eqx.AbstractTFMMPool.rule_outputs].
        Concrete prices are checked (finite, positive, one column per asset)."""
        method = checked_method(method)
        if not is_traced(prices):  # traced prices come checked from the public entries
            prices = checked_prices(prices, pool=self)
        self._checked_n_assets(prices.shape[1], "prices")
        lamb, alt_lamb = self.estimator_decays(config)
        gradients = gradients_validated(
            prices[:: config.chunk_period],
            lamb.astype(prices.dtype),
            _cast(alt_lamb, prices),
            method,
            config.use_raw_price,
            estimator_arithmetic(config.mode),
        )
        return self.weight_change(gradients, config)

    def weight_bounds(self) -> None:
        """None: a single-rule pool has no per-asset bounds (wrap it in a `BoundedPool`)."""
        return None


def _cast(decay: AssetParam | None, like: Array) -> AssetParam | None:
    return None if decay is None else decay.astype(like.dtype)

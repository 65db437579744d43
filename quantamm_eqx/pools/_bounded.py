"""`BoundedPool`: per-asset minimum and maximum weights around any pool."""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PyTree

from .._config import SimulationConfig
from .._custom_types import AssetVector, AssetVectorLike, HumanValues, PricesLike
from .._validation import is_traced
from ..estimators._method import Method
from ..weights._guardrails import straight_through
from ._base import AbstractTFMMPool
from ._construct import per_asset


def _bounds_field() -> Any:
    # Trainable exactly when the pool's `learnable` flag is set (see `trainable_filter`).
    return eqx.field(converter=jnp.asarray, metadata={"trainable_if": "learnable"})


class BoundedPool(AbstractTFMMPool):
    """A pool whose weights stay within per-asset bounds, as the reference's bounded pools.

    Before the uniform guardrails, each coarse step's normalised weights are clipped to
    `[minimum_weights[i], maximum_weights[i]]` and the excess or shortfall is shared by the
    assets with room ([`apply_weight_bounds`][quantamm_eqx.weights.apply_weight_bounds]).
    The uniform guardrails and the speed limit then apply as usual, so the bounds hold at
    every minute when each `minimum_weights[i] >= minimum_weight` and each
    `maximum_weights[i] <= 1 - (n - 1) * minimum_weight` (linear interpolation). The
    bounds are frozen by default; with `learnable=True`, [`fit`][quantamm_eqx.fit] trains
    them too, and [`weight_bounds`][quantamm_eqx.BoundedPool.weight_bounds] keeps the bounds
    it applies feasible.

    **Fields:**

    - `pool`: the wrapped pool (a single-rule pool or an [`Ensemble`][quantamm_eqx.Ensemble]);
    - `minimum_weights`, `maximum_weights`: the bounds, shape `(n_assets,)` (or
      `(members, n_assets)` around a stacked population: scalars and per-asset values given
      to the constructor apply to every member);
    - `learnable`: whether training updates the bounds (static).

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import BoundedPool, MomentumPool, SimulationConfig, minute_weights
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60,
    ...                           maximum_change=1e-3)
    >>> pool = BoundedPool(MomentumPool.from_memory_days(n_assets=2, memory_days=1.0,
    ...                                                  k_per_day=100.0, chunk_period=60),
    ...                    minimum_weights=[0.3, 0.3], maximum_weights=[0.6, 0.7])
    >>> prices = np.exp(np.cumsum(np.full((3000, 2), [1e-4, -1e-4]), axis=0))
    >>> weights = minute_weights(pool, prices, config, start_index=60, bout_length=2900)
    >>> round(float(weights[:, 0].max()), 12)  # momentum pushes asset 0 up, to its bound
    0.6
    ```
    """

    pool: AbstractTFMMPool
    minimum_weights: Float[Array, " asset"] = _bounds_field()
    maximum_weights: Float[Array, " asset"] = _bounds_field()
    learnable: bool = eqx.field(static=True, default=False)

    def __init__(
        self,
        pool: AbstractTFMMPool,
        minimum_weights: HumanValues,
        maximum_weights: HumanValues,
        *,
        learnable: bool = False,
    ):
        """Bound `pool`'s weights per asset (scalars apply to every asset).

        **Raises:**

        `ValueError` unless `0 <= minimum_weights <= maximum_weights <= 1`,
        `sum(minimum_weights) <= 1 <= sum(maximum_weights)`, and the pool's initial weights
        lie within the bounds.
        """
        if not isinstance(pool, AbstractTFMMPool) or isinstance(pool, BoundedPool):
            raise ValueError(
                "`pool` must be a pool or an Ensemble (not already a BoundedPool); got "
                f"{type(pool).__name__}."
            )
        n_assets = pool.n_assets
        shape = pool.initial_weights_logits.shape  # (n_assets,), or (members, n_assets) stacked
        self.pool = pool
        # NumPy float64 in, so the stored arrays are strongly typed: a weakly typed bound
        # (from a Python number) would make a compiled training step retrace.
        low, high = (
            np.broadcast_to(per_asset(value, name, n_assets), shape)
            for name, value in (
                ("minimum_weights", minimum_weights),
                ("maximum_weights", maximum_weights),
            )
        )
        self.minimum_weights, self.maximum_weights = jnp.asarray(low), jnp.asarray(high)
        self.learnable = bool(learnable)

    def __check_init__(self):
        low, high = self.minimum_weights, self.maximum_weights
        logits = self.pool.initial_weights_logits
        for name, value in (("minimum_weights", low), ("maximum_weights", high)):
            if value.shape != logits.shape:
                raise ValueError(
                    f"`{name}` must have one entry per asset (n_assets={self.pool.n_assets}), "
                    f"shaped like the pool's weights {tuple(logits.shape)}; got shape "
                    f"{tuple(value.shape)}."
                )
        if any(is_traced(leaf) for leaf in (low, high, logits)):
            return
        low, high = np.asarray(low), np.asarray(high)
        if not (np.all(0 <= low) and np.all(low <= high) and np.all(high <= 1)):
            raise ValueError(
                "the bounds must satisfy 0 <= minimum_weights <= maximum_weights <= 1 per "
                f"asset; got minimum {low.tolist()!r} and maximum {high.tolist()!r}."
            )
        # Rounding allowance: a few ulps of the pool's precision, per asset.
        tolerance = 4 * float(jnp.finfo(logits.dtype).eps) * low.shape[-1]
        if not (low.sum(-1) <= 1 + tolerance).all() or not (high.sum(-1) >= 1 - tolerance).all():
            raise ValueError(
                "no weights summing to one fit the bounds: need sum(minimum_weights) <= 1 <= "
                f"sum(maximum_weights); got {low.sum(axis=-1)!r} and {high.sum(axis=-1)!r}."
            )
        initial = np.asarray(jax.nn.softmax(logits, axis=-1))  # a stacked pool's too
        if np.any(initial < low - tolerance) or np.any(initial > high + tolerance):
            raise ValueError(
                f"the pool's initial weights {initial.round(6).tolist()!r} lie outside the "
                "bounds: build the pool with `initial_weights` inside them (the first "
                "interval uses them as they are)."
            )

    @property
    def initial_weights_logits(self) -> Float[Array, "*member asset"]:  # type: ignore[override]
        """The wrapped pool's starting weights' logits."""
        return self.pool.initial_weights_logits

    def init_state(self, first_price: AssetVectorLike, config: SimulationConfig) -> PyTree:
        """The wrapped pool's state (the bounds act on weights, not on the rule)."""
        return self.pool.init_state(first_price, config)

    def step(
        self, state: PyTree, price: AssetVectorLike, config: SimulationConfig
    ) -> tuple[PyTree, AssetVector]:
        """The wrapped pool's update."""
        return self.pool.step(state, price, config)

    def rule_outputs(
        self, prices: PricesLike, config: SimulationConfig, *, method: Method = "scan"
    ) -> Float[Array, "steps asset"]:
        """The wrapped pool's rule outputs (the bounds act on weights, not on the rule)."""
        return self.pool.rule_outputs(prices, config, method=method)

    def weight_bounds(self) -> tuple[AssetVector, AssetVector]:
        """`(minimum, maximum)`, made feasible: `0 <= minimum <= maximum <= 1` per asset and
        `sum(minimum) <= 1 <= sum(maximum)`.

        Bounds set at construction are feasible already and come back unchanged. Learnable
        bounds can leave that region during training; they are then clipped into `[0, 1]`
        and `minimum <= maximum`, the minima scaled down to sum to at most one and the maxima
        raised towards one to sum to at least one. The clipping is straight-through (its
        gradient is the identity), so a bound that left the region can be trained back.
        """
        low = straight_through(self.minimum_weights, jnp.clip(self.minimum_weights, 0.0, 1.0))
        high = straight_through(self.maximum_weights, jnp.clip(self.maximum_weights, low, 1.0))
        low = low / jnp.maximum(jnp.sum(low, axis=-1, keepdims=True), 1.0)
        shortfall = jnp.maximum(1.0 - jnp.sum(high, axis=-1, keepdims=True), 0.0)
        room = jnp.sum(1.0 - high, axis=-1, keepdims=True)  # > 0 whenever shortfall > 0
        high = high + (1.0 - high) * shortfall / jnp.where(shortfall > 0, room, 1.0)
        return low, high

"""`Ensemble`: several pools' rule outputs mixed into one pool's weight changes."""

from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .._config import SimulationConfig
from .._custom_types import AssetVector, AssetVectorLike, HumanVector, PricesLike
from ..estimators._method import Method
from ._base import AbstractTFMMPool
from ._construct import weights_logits
from ._gradient_pool import AbstractGradientPool
from ._params import INITIAL_WEIGHTS_LOGITS, ParamSpec, parameter

MIXING_LOGITS = ParamSpec(
    "mixing weights of the members' rule outputs: softmax(mixing_logits)", -5.0, 5.0, 0.0
)


class Ensemble(AbstractTFMMPool):
    """A pool whose rule output is a weighted mean of its members' rule outputs.

    Every member runs its own estimator and rule on the same prices; their weight changes
    (each zero-sum) are mixed before the guardrails, so the ensemble's change is zero-sum
    too. Members may be of one rule type or of several (e.g. momentum and channel); their
    own initial weights are not used. Train an ensemble with [`fit`][quantamm_eqx.fit] like
    any pool: every member's parameters (and learnable mixing weights) are trained.

    **Fields:**

    - `members`: the pools, a tuple of
      [`AbstractGradientPool`][quantamm_eqx.AbstractGradientPool]s with the same `n_assets`;
    - `mixing_logits`: `None` for the plain mean, or per-member logits whose softmax weights
      the members;
    - `initial_weights_logits`: the ensemble's starting weights' logits (never trained);
    - `learn_mixing`: whether training updates `mixing_logits` (static).

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import (Ensemble, MeanReversionChannelPool, MomentumPool,
    ...                           SimulationConfig)
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> momentum = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> channel = MeanReversionChannelPool.from_memory_days(n_assets=2, memory_days=2.0,
    ...                                                     chunk_period=60)
    >>> ensemble = Ensemble([momentum, channel], learn_mixing=True)
    >>> prices = np.exp(np.cumsum(np.full((1441, 2), [1e-4, -1e-4]), axis=0))
    >>> mixed = ensemble.rule_outputs(prices, config)
    >>> members = [pool.rule_outputs(prices, config) for pool in (momentum, channel)]
    >>> bool(np.allclose(mixed, (members[0] + members[1]) / 2))
    True
    ```
    """

    members: tuple[AbstractGradientPool, ...]
    # Trainable exactly when `learn_mixing` is set (see `trainable_filter`).
    mixing_logits: Float[Array, " member"] | None = eqx.field(
        metadata={"param_spec": MIXING_LOGITS, "trainable_if": "learn_mixing"}
    )
    initial_weights_logits: Float[Array, " asset"] = parameter(INITIAL_WEIGHTS_LOGITS)
    learn_mixing: bool = eqx.field(static=True, default=False)

    def __init__(
        self,
        members: Sequence[AbstractGradientPool],
        *,
        learn_mixing: bool = False,
        mixing: Sequence[float] | None = None,
        initial_weights: HumanVector | None = None,
    ):
        """Mix `members` (at least one pool, all with the same number of assets).

        **Arguments:**

        - `members`: the pools.
        - `learn_mixing`: store trainable mixing logits (starting at `mixing`, or equal
          weights); otherwise the members are averaged with fixed weights.
        - `mixing`: positive mixing weights, one per member (normalised); equal if None.
        - `initial_weights`: the ensemble's starting weights; the first member's if None.
        """
        members = tuple(members)
        if not members or not all(isinstance(member, AbstractGradientPool) for member in members):
            raise ValueError(
                "`members` must be a non-empty sequence of single-rule pools (AbstractGradientPool "
                f"subclasses such as MomentumPool); got {[type(m).__name__ for m in members]}."
            )
        n_assets = {member.n_assets for member in members}
        if len(n_assets) != 1:
            raise ValueError(f"`members` must share n_assets; got {sorted(n_assets)}.")
        if any(member.population_size is not None for member in members):
            raise ValueError(
                "`members` must be single pools, not stacked populations; to train a "
                "population of ensembles, build one Ensemble per member and stack them leaf by "
                "leaf (jax.tree_util.tree_map(lambda *x: jnp.stack(x), *ensembles))."
            )
        self.members = members
        if mixing is None:
            logits = jnp.zeros(len(members))
        else:
            weights = np.asarray(mixing, dtype=np.float64)
            if weights.shape != (len(members),) or not np.all((weights > 0) & (weights < np.inf)):
                raise ValueError(
                    f"`mixing` must hold one positive, finite weight per member "
                    f"({len(members)}); got {mixing!r}."
                )
            logits = jnp.asarray(np.log(weights / weights.sum()))
        self.mixing_logits = logits if learn_mixing or mixing is not None else None
        self.learn_mixing = bool(learn_mixing)
        if initial_weights is None:
            self.initial_weights_logits = members[0].initial_weights_logits
        else:
            self.initial_weights_logits = weights_logits(initial_weights, n_assets.pop())

    @property
    def mixing(self) -> Float[Array, " member"]:
        """The members' weights in the mix: `softmax(mixing_logits)`, or equal."""
        if self.mixing_logits is None:
            return jnp.full(len(self.members), 1.0 / len(self.members))
        return jax.nn.softmax(self.mixing_logits, axis=-1)

    def _mix(self, changes: list[Array]) -> Array:
        stacked = jnp.stack(changes)
        if self.mixing_logits is None:
            return jnp.mean(stacked, axis=0)
        weights = self.mixing.astype(stacked.dtype)
        return jnp.tensordot(weights, stacked, axes=1)

    def init_state(self, first_price: AssetVectorLike, config: SimulationConfig) -> tuple:
        """Every member's estimator state at the first coarse price, as a tuple."""
        return tuple(member.init_state(first_price, config) for member in self.members)

    def step(
        self, state: tuple, price: AssetVectorLike, config: SimulationConfig
    ) -> tuple[tuple, AssetVector]:
        """One update of every member; the weight change is their mix."""
        if not isinstance(state, tuple) or len(state) != len(self.members):
            raise ValueError(
                "`state` must be the tuple of member states from `ensemble.init_state`."
            )
        stepped = [
            member.step(member_state, price, config)
            for member, member_state in zip(self.members, state, strict=True)
        ]
        return tuple(new for new, _ in stepped), self._mix([change for _, change in stepped])

    def rule_outputs(
        self, prices: PricesLike, config: SimulationConfig, *, method: Method = "scan"
    ) -> Float[Array, "steps asset"]:
        """The mix of the members' rule outputs."""
        changes = [member.rule_outputs(prices, config, method=method) for member in self.members]
        return self._mix(changes)

    def weight_bounds(self) -> None:
        """None: wrap the ensemble in a [`BoundedPool`][quantamm_eqx.BoundedPool] to bound it."""
        return None

"""`AntiMomentumPool`: contrarian, the momentum rule with `k` negated (SPEC §3)."""

from jaxtyping import Array, Float

from .._config import SimulationConfig
from ._momentum import LOG_K, AbstractMomentumPool, momentum_weight_change
from ._params import INITIAL_WEIGHTS_LOGITS, LOGIT_DELTA_LAMB, LOGIT_LAMB, parameter


class AntiMomentumPool(AbstractMomentumPool):
    """A contrarian TFMM pool: overweights assets whose price has been falling.

    The rule is the momentum rule with `k` replaced by `-k`, exactly minus the momentum
    update of the same parameters (SPEC §3). Fields and the constructor
    [`from_memory_days`][quantamm_eqx.AntiMomentumPool.from_memory_days] are those of
    [`MomentumPool`][quantamm_eqx.MomentumPool]; `k` reports the (positive) aggressiveness.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx import AntiMomentumPool, SimulationConfig
    >>> pool = AntiMomentumPool.from_memory_days(n_assets=2, memory_days=5.0, k_per_day=10.0)
    >>> change = pool.weight_change(jnp.array([0.01, -0.01]), SimulationConfig())
    >>> bool(change[0] < 0 < change[1])
    True
    ```
    """

    log_k: Float[Array, "#asset"] = parameter(LOG_K)
    logit_lamb: Float[Array, "#asset"] = parameter(LOGIT_LAMB)
    logit_delta_lamb: Float[Array, "#asset"] = parameter(LOGIT_DELTA_LAMB)
    initial_weights_logits: Float[Array, " asset"] = parameter(INITIAL_WEIGHTS_LOGITS)

    def weight_change(
        self, gradient: Float[Array, "*batch asset"], config: SimulationConfig
    ) -> Float[Array, "*batch asset"]:
        """The anti-momentum rule: `momentum_weight_change(gradient, -k)`."""
        return momentum_weight_change(gradient, -self.k(config))

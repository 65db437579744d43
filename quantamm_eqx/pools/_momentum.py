"""`MomentumPool`: trend following on EWMA price gradients (SPEC §3)."""

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from .._config import SimulationConfig
from .._custom_types import AssetParamLike, HumanValues, HumanVector
from ..transforms._k import k_from_log_k
from ._base import zero_sum_weight_change
from ._construct import memory_fields, per_asset, weights_logits
from ._gradient_pool import AbstractGradientPool
from ._params import (
    INITIAL_WEIGHTS_LOGITS,
    LOGIT_DELTA_LAMB,
    LOGIT_LAMB,
    ParamSpec,
    parameter,
    saturate,
)

LOG_K = ParamSpec(
    "aggressiveness: k = 2**log_k * memory_days (log2 of k per day, read within [-64, 32])",
    -6.6,
    12.0,
    4.32,
    saturation=(-64.0, 32.0),
)


def momentum_weight_change(
    gradient: Float[Array, "*batch asset"], k: AssetParamLike
) -> Float[Array, "*batch asset"]:
    """The momentum update `d = k * (g - sum(k * g) / sum(k))`, zero where `k == 0`.

    [`zero_sum_weight_change`][quantamm_eqx.pools.zero_sum_weight_change] of the gradient,
    then zero where `k == 0`. The update sums to zero over assets.

    **Arguments:**

    - `gradient`: price gradients, `(..., n_assets)`.
    - `k`: aggressiveness per asset (length `n_assets` or 1); negative `k` reverses the rule.

    **Returns:**

    Weight changes, the shape of `gradient`.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.pools import momentum_weight_change
    >>> momentum_weight_change(jnp.array([0.02, 0.0, -0.02]), jnp.array([10.0])).tolist()
    [0.2, 0.0, -0.2]
    ```
    """
    k = jnp.asarray(k)
    return jnp.where(k == 0.0, 0.0, zero_sum_weight_change(gradient, k))


class AbstractMomentumPool(AbstractGradientPool):
    """A pool whose rule is momentum-shaped with `k = 2**log_k * memory_days`.

    Shared by [`MomentumPool`][quantamm_eqx.MomentumPool] and
    [`AntiMomentumPool`][quantamm_eqx.AntiMomentumPool]: the human-unit constructor and `k`.
    """

    log_k: eqx.AbstractVar[Float[Array, "#asset"]]

    @classmethod
    def from_memory_days(
        cls,
        n_assets: int,
        memory_days: HumanValues = 10.0,
        k_per_day: HumanValues = 20.0,
        initial_weights: HumanVector | None = None,
        chunk_period: int = 1440,
        alt_memory_days: HumanValues | None = None,
    ) -> "AbstractMomentumPool":
        """Build a pool from human units.

        **Arguments:**

        - `n_assets`: the number of assets.
        - `memory_days`: the estimator's memory in days (> 0); scalar or per asset.
        - `k_per_day`: aggressiveness per day of memory (> 0); scalar or per asset.
        - `initial_weights`: starting weights (positive, normalised to sum 1); uniform if None.
        - `chunk_period`: minutes between rule updates; must match the configuration used.
        - `alt_memory_days`: memory of the alternative (denominator) average, used with
          `use_alt_lamb`; `memory_days` if None.

        **Returns:**

        The pool, with every parameter stored per asset.

        **Example:**

        ```python
        >>> from quantamm_eqx import MomentumPool
        >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=[5.0, 20.0])
        >>> [round(float(m), 9) for m in pool.lamb]
        [0.44505648, 0.829280094]
        ```
        """
        return cls(
            log_k=jnp.log2(per_asset(k_per_day, "k_per_day", n_assets, positive=True)),
            **memory_fields(memory_days, alt_memory_days, n_assets, chunk_period),
            initial_weights_logits=weights_logits(initial_weights, n_assets),
        )

    def k(self, config: SimulationConfig) -> Float[Array, "#asset"]:
        """Aggressiveness `k = 2**log_k * memory_days` (memory clipped to the cap, `log_k`
        read within [-64, 32])."""
        return k_from_log_k(saturate(self.log_k, LOG_K), self.memory_days(config))


class MomentumPool(AbstractMomentumPool):
    """A trend-following TFMM pool: overweights assets whose price has been rising.

    The rule moves weight `d = k * (g - sum(k g) / sum(k))` per coarse step, with `g` the
    EWMA price gradient and `k = 2**log_k * memory_days` (SPEC §3). Build one from human
    units with [`from_memory_days`][quantamm_eqx.MomentumPool.from_memory_days].

    **Fields** (stored, unconstrained; per asset, length `n_assets` or 1):

    - `log_k`: log2 of `k` per day of memory;
    - `logit_lamb`: logit of the EWMA decay;
    - `logit_delta_lamb`: offset of the alternative decay (used with `use_alt_lamb`);
    - `initial_weights_logits`: logits of the starting weights (never trained).

    **Example:**

    ```python
    >>> from quantamm_eqx import MomentumPool
    >>> pool = MomentumPool.from_memory_days(n_assets=3, memory_days=10.0, k_per_day=20.0)
    >>> [round(float(log_k), 9) for log_k in pool.log_k]  # log2(20)
    [4.321928095, 4.321928095, 4.321928095]
    ```
    """

    log_k: Float[Array, "#asset"] = parameter(LOG_K)
    logit_lamb: Float[Array, "#asset"] = parameter(LOGIT_LAMB)
    logit_delta_lamb: Float[Array, "#asset"] = parameter(LOGIT_DELTA_LAMB)
    initial_weights_logits: Float[Array, " asset"] = parameter(INITIAL_WEIGHTS_LOGITS)

    def weight_change(
        self, gradient: Float[Array, "*batch asset"], config: SimulationConfig
    ) -> Float[Array, "*batch asset"]:
        """The momentum rule: `momentum_weight_change(gradient, k)`."""
        return momentum_weight_change(gradient, self.k(config))

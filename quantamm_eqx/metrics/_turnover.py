"""How much a bout's portfolio turns over: the penalty `fit(turnover_penalty=...)` charges."""

import jax.numpy as jnp
from jaxtyping import Array, Float

from ..simulation._simulate import Simulation


def turnover(result: Simulation) -> Float[Array, ""]:
    """The mean per-minute turnover of the pool's holdings: `mean_t sum_i |w_t,i - w_t-1,i|`
    with `w = reserves * prices / value` the weights the reserves imply (as quantammsim's
    `turnover_penalty`). Not an objective (lower is calmer); `fit` subtracts
    `turnover_penalty * turnover` from the training objective.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, simulate
    >>> from quantamm_eqx.metrics import turnover
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> rng = np.random.default_rng(0)
    >>> prices = np.exp(np.cumsum(rng.normal(0, 1e-3, (3000, 2)), axis=0))
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=1440)
    >>> bool(0 < turnover(result) < 0.01)
    True
    ```
    """
    if not isinstance(result, Simulation):
        raise ValueError(
            f"`turnover` needs the `Simulation` (its reserves), not {type(result).__name__}: "
            "pass the result of `simulate`."
        )
    implied = result.reserves * result.prices / result.values[:, None]
    return jnp.mean(jnp.sum(jnp.abs(jnp.diff(implied, axis=0)), axis=-1))

"""Objectives of a bout's fee and arbitrage flows (the parts of its return's attribution)."""

from jaxtyping import Array, Float

from ..simulation._attribution import attribution
from ..simulation._simulate import Simulation


def _simulation(result: object, metric: str) -> Simulation:
    if not isinstance(result, Simulation):
        raise ValueError(
            f"`{metric}` needs the `Simulation` (its fee and arbitrage flows), not "
            f"{type(result).__name__}: pass the result of `simulate`."
        )
    return result


def fee_return(result: Simulation) -> Float[Array, ""]:
    """The swap fees the pool kept over the bout (arbitrage and retail, net of the
    protocol's share), as a fraction of its starting value: the `fees` part of
    [`attribution`][quantamm_eqx.attribution].

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, simulate
    >>> from quantamm_eqx.metrics import fee_return
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60, fees=0.003)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> rng = np.random.default_rng(0)
    >>> prices = np.exp(np.cumsum(rng.normal(0, 1e-3, (3000, 2)), axis=0))
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=1440)
    >>> bool(fee_return(result) > 0)
    True
    ```
    """
    return attribution(_simulation(result, "fee_return")).fees[-1]


def arbitrage_return(result: Simulation) -> Float[Array, ""]:
    """What the pool gave up to arbitrageurs over the bout, before the fees they paid, as a
    (negative) fraction of its starting value: the `arbitrage` part of
    [`attribution`][quantamm_eqx.attribution], a loss-versus-rebalancing measure.
    Maximising it asks for a pool that needs less rebalancing by arbitrage.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, simulate
    >>> from quantamm_eqx.metrics import arbitrage_return
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60, fees=0.003)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> rng = np.random.default_rng(0)
    >>> prices = np.exp(np.cumsum(rng.normal(0, 1e-3, (3000, 2)), axis=0))
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=1440)
    >>> bool(arbitrage_return(result) < 0)
    True
    ```
    """
    return attribution(_simulation(result, "arbitrage_return")).arbitrage[-1]

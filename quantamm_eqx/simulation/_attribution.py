"""Where a pool's return came from: the market, the strategy, arbitrage and fees."""

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from .._validation import checked_instance
from ._simulate import Simulation


class Attribution(eqx.Module):
    """A bout's return split into four parts, each cumulative per minute and a fraction
    of the starting value `V0`; row `i` belongs to `Simulation` row `i`.

    With reserves `R[t]` after minute `t` (`R[-1] = R0`, the initial reserves) and prices
    `p[t]` (`p[-1] = p[0]`), the value changes by the price move on the reserves held and
    by the minute's trades: `V[t] - V[t-1] = R[t-1] . (p[t] - p[t-1]) + (R[t] - R[t-1]) . p[t]`.
    The first term splits into the initial holdings' move and the rest; the trades are
    what arbitrageurs took (`arbitrage_profit`), the fees the pool kept, and the
    protocol's share of the arbitrage fees. So, exactly (up to rounding):

    - `hodl`: `(R0 . p[t] - V0) / V0`, holding the initial reserves;
    - `strategy`: `sum_u (R[u-1] - R0) . (p[u] - p[u-1]) / V0`, holding the pool's changing
      reserves rather than the initial ones, valued as if rebalancing were free;
    - `arbitrage`: `-sum_u (arbitrage_profit[u] + arbitrage_fees[u]) / V0`, the value the
      pool gave up to be rebalanced by arbitrageurs at market prices before the fees they
      paid: a loss-versus-rebalancing measure (<= 0 for a pool arbitraged to the market);
    - `fees`: `sum_u lp_fees[u] / V0`, the swap fees the pool kept (arbitrage and retail);
    - `total`: `values[t] / V0 - 1` = `hodl + strategy + arbitrage + fees`.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, attribution, simulate
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60,
    ...                           fees=0.003, noise_trader_ratio=1.0)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> rng = np.random.default_rng(0)
    >>> prices = np.exp(np.cumsum(rng.normal(0, 1e-3, (3000, 2)), axis=0))
    >>> parts = attribution(simulate(pool, prices, config, start_index=1440, bout_length=1440))
    >>> total = parts.hodl + parts.strategy + parts.arbitrage + parts.fees
    >>> bool(np.allclose(total, parts.total, rtol=0, atol=1e-12))
    True
    >>> bool(parts.fees[-1] > 0 > parts.arbitrage[-1])
    True
    ```
    """

    hodl: Float[Array, " rows"]
    strategy: Float[Array, " rows"]
    arbitrage: Float[Array, " rows"]
    fees: Float[Array, " rows"]
    total: Float[Array, " rows"]


def attribution(result: Simulation) -> Attribution:
    """Split a simulation's return into HODL, strategy, arbitrage and fees
    ([`Attribution`][quantamm_eqx.Attribution]); differentiable, works under `jit`/`vmap`.

    **Arguments:**

    - `result`: a [`Simulation`][quantamm_eqx.Simulation].

    **Returns:**

    The [`Attribution`][quantamm_eqx.Attribution], cumulative per minute.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, attribution, simulate
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.ones((3000, 2))  # nothing moves: every part is 0
    >>> parts = attribution(simulate(pool, prices, config, start_index=1440, bout_length=1440))
    >>> round(float(abs(parts.total).max()), 12), float(abs(parts.strategy).max())
    (0.0, 0.0)
    ```
    """
    checked_instance(result, Simulation, "result", "a Simulation, from simulate(...)")
    prices, reserves, initial = result.prices, result.reserves, result.initial_reserves
    start_value = jnp.sum(initial * prices[0])
    held = jnp.concatenate([initial[None], reserves[:-1]], axis=0)
    price_moves = prices - jnp.concatenate([prices[:1], prices[:-1]], axis=0)
    strategy = jnp.cumsum(jnp.sum((held - initial) * price_moves, axis=-1))
    arbitrage = -jnp.cumsum(result.arbitrage_profit + result.arbitrage_fees)
    return Attribution(
        hodl=prices @ initial / start_value - 1,
        strategy=strategy / start_value,
        arbitrage=arbitrage / start_value,
        fees=jnp.cumsum(result.lp_fees) / start_value,
        total=result.values / start_value - 1,
    )

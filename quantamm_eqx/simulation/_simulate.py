"""`simulate`: a pool over a bout of minute prices, from rule to reserves and value (SPEC §4–5)."""

import equinox as eqx
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float, Int

from .._config import SimulationConfig
from .._custom_types import AssetVector, PricesLike
from ..estimators._method import Method
from ..pools._base import AbstractTFMMPool
from ._market import MarketSeries, bout_costs, market_inputs
from ._minute import no_flows
from ._no_fee import no_fee_reserves
from ._reserves import fee_reserves, held_flows, sparse_flows
from ._schedule import checked_bout_inputs, schedule_validated


class Simulation(eqx.Module):
    """The result of [`simulate`][quantamm_eqx.simulate]: a pytree of the bout's paths.

    Row `i` of every `(bout_length - 1, ...)` field is minute `start_index + i`.

    **Fields:**

    - `weights`: the pool's weights in force, `(bout_length - 1, n_assets)`;
    - `reserves`: the reserves after that minute's arbitrage, `(bout_length - 1, n_assets)`;
    - `values`: the pool's value `sum(reserves * prices)`, `(bout_length - 1,)`;
    - `prices`: the bout's prices, `(bout_length - 1, n_assets)`;
    - `initial_reserves`: the reserves at the start, `initial_weights * V0 / prices[0]`;
    - `arbitrage_profit`: what arbitrageurs took from the pool in that minute, `-sum(D p)`
      over its trades `D` at that minute's prices: after the swap fees they paid, before
      their own gas and fees (`(bout_length - 1,)`, numeraire);
    - `arbitrage_fees`: the swap fees arbitrageurs paid in that minute, protocol's share
      included;
    - `retail_fees`: the swap fees retail traders paid in that minute
      (`noise_trader_ratio` or `MarketSeries.retail_volume`), protocol's share included;
    - `protocol_fee_split`: the protocol's share of every swap fee (the pool keeps the rest).

    The pool's own fee income is `lp_fees`; see
    [`attribution`][quantamm_eqx.attribution] for where the return came from.
    """

    weights: Float[Array, "rows asset"]
    reserves: Float[Array, "rows asset"]
    values: Float[Array, " rows"]
    prices: Float[Array, "rows asset"]
    initial_reserves: AssetVector
    arbitrage_profit: Float[Array, " rows"]
    arbitrage_fees: Float[Array, " rows"]
    retail_fees: Float[Array, " rows"]
    protocol_fee_split: float = eqx.field(static=True, default=0.0)

    @property
    def lp_fees(self) -> Float[Array, " rows"]:
        """The swap fees the pool kept each minute (arbitrage and retail, net of the
        protocol's share)."""
        return (1 - self.protocol_fee_split) * (self.arbitrage_fees + self.retail_fees)

    @property
    def protocol_fees(self) -> Float[Array, " rows"]:
        """The protocol's share of each minute's swap fees."""
        return self.protocol_fee_split * (self.arbitrage_fees + self.retail_fees)


def simulate(
    pool: AbstractTFMMPool,
    prices: PricesLike,
    config: SimulationConfig,
    *,
    start_index: int | Int[Array, ""],
    bout_length: int,
    method: Method = "scan",
    market: MarketSeries | None = None,
) -> Simulation:
    """Run a pool over a bout: rule, weights, reserves under arbitrage, value.

    The pool's rule runs on the minute prices from minute 0 (burn-in included); the bout
    starts with `config.initial_pool_value` split by the initial weights, and every minute
    arbitrageurs trade the pool to the market prices (SPEC §5): in closed form when
    `fees == gas_cost == arb_fees == 0`, else with the optimal fee-paying trade, its
    validity checks and the profit test. Differentiable with `eqx.filter_grad` with respect
    to the pool; works under `jit` and `eqx.filter_vmap` over a stacked pool; float32 and
    float64 (the prices' dtype).

    **Arguments:**

    - `pool`: the pool.
    - `prices`: minute prices `(time, n_assets)` from minute 0, burn-in included.
    - `config`: the simulation configuration.
    - `start_index`: the bout's first minute, at least `chunk_period`; may be traced.
    - `bout_length`: the bout's length in minutes: it spans the prices of minutes
      `start_index .. start_index + bout_length - 1`.
    - `method`: the estimator's evaluation, `"scan"` or `"associative"` (simulator mode
      only: `config.mode == "protocol"` with `"associative"` raises `ValueError`).
    - `market`: per-minute swap fees, arbitrage costs or retail volume, one row per price
      row ([`MarketSeries`][quantamm_eqx.MarketSeries]); `None` (the default) uses the
      configuration's constant costs.

    **Returns:**

    The [`Simulation`][quantamm_eqx.Simulation].

    **Raises:**

    `ValueError` if the prices are not finite and positive, the bout starts before minute
    `chunk_period` or runs past the prices, the pool and prices disagree on `n_assets`, or
    a `market` series is of the wrong length, out of range or given twice (see
    `MarketSeries`).

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, simulate
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.exp(np.cumsum(np.full((3000, 2), [1e-4, -1e-4]), axis=0))
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=1440)
    >>> result.values.shape, round(float(result.values[0]), 6)
    ((1439,), 1000000.0)
    ```
    """
    prices, start, bout_length, method = checked_bout_inputs(
        pool, prices, config, start_index, bout_length, method
    )
    market, config, zero_fee_minutes = market_inputs(market, config, prices.shape[0], prices.dtype)
    return _compiled_simulate(
        pool, prices, config, start, bout_length, method, market, zero_fee_minutes
    )


def simulate_validated(
    pool: AbstractTFMMPool,
    prices: Float[Array, "time asset"],
    config: SimulationConfig,
    start: int | Int[Array, ""],
    bout_length: int,
    method: Method,
    market: MarketSeries | None = None,
    zero_fee_minutes: bool = True,
) -> Simulation:
    """[`simulate`][quantamm_eqx.simulate] of validated prices, bout and market series (no
    checks repeated; `zero_fee_minutes`: whether the fee series may hold a 0)."""
    schedule = schedule_validated(pool, prices, config, start, bout_length, method)
    rows = bout_length - 1
    local_prices = lax.dynamic_slice(prices, (jnp.asarray(start), 0), (rows, prices.shape[1]))
    costs = bout_costs(market, start, rows)
    initial_weights = schedule.initial_weights
    initial_reserves = initial_weights * config.initial_pool_value / local_prices[0]
    weights = schedule.weights()
    if config.do_arb and config.arb_frequency == 1 and not (config.has_fees or costs.has_costs):
        # The closed form: non-finite weights make the reserves NaN by themselves.
        reserves = no_fee_reserves(weights, local_prices, initial_reserves, initial_weights)
        flows = no_flows(reserves)._replace(
            arbitrage_profit=_profit_of(reserves, initial_reserves, local_prices)
        )
    else:
        if not config.do_arb:
            flows = held_flows(local_prices, initial_reserves, config, costs)
        elif config.arb_frequency > 1:
            flows = sparse_flows(
                weights, local_prices, initial_reserves, config, costs, zero_fee_minutes
            )
        else:
            flows = fee_reserves(
                schedule, local_prices, initial_reserves, config, costs, zero_fee_minutes
            )
        # With non-finite weights every fee-paying trade tests invalid (or none happens) and
        # the reserves would stay finite and wrong: surface them as NaN from the first such
        # minute on.
        broken = jnp.cumsum(~jnp.all(jnp.isfinite(weights), axis=-1)) > 0
        flows = flows._replace(reserves=jnp.where(broken[:, None], jnp.nan, flows.reserves))
    return Simulation(
        weights=weights,
        reserves=flows.reserves,
        values=jnp.sum(flows.reserves * local_prices, axis=-1),
        prices=local_prices,
        initial_reserves=initial_reserves,
        arbitrage_profit=flows.arbitrage_profit,
        arbitrage_fees=flows.arbitrage_fees,
        retail_fees=flows.retail_fees,
        protocol_fee_split=config.protocol_fee_split,
    )


def _profit_of(
    reserves: Float[Array, "rows asset"],
    initial_reserves: AssetVector,
    prices: Float[Array, "rows asset"],
) -> Float[Array, " rows"]:
    """Fee-free trades' profit to arbitrageurs, `-sum((R[t] - R[t-1]) p[t])`, per minute."""
    previous = jnp.concatenate([initial_reserves[None], reserves[:-1]], axis=0)
    return -jnp.sum((reserves - previous) * prices, axis=-1)


# Checked in Python, run compiled: an eager call reuses the compiled program instead of
# tracing the scans again (see `_compiled_weight_schedule`).
_compiled_simulate = eqx.filter_jit(simulate_validated)

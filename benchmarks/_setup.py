"""The setting of the `simulate`, `memory` and `arbitrage` benchmarks, and the functions they
time: the library's own.

The base case: float64, 3 assets, a 90-day bout (`bout_length = 90 * 1440` minutes) after a
10-day burn-in (`start_index = 10 * 1440`), `chunk_period = weight_interpolation_period =
60`, one parameter set, on seeded geometric Brownian motion minute prices (per-minute
volatility 1e-3). Pools come by name from the library's registry, `quantamm_eqx.pools.POOLS`
(`momentum`, `anti_momentum`, `mean_reversion_channel`; the benchmarks' earlier names
`anti-momentum` and `channel` are accepted as aliases), each `from_memory_days` with 10 days
of memory and `k_per_day=20` (the channel with `width=0.5, amplitude_per_day=1,
exponents=2`). The paths: no-fee (the default configuration, closed-form reserves) and fee
(`fees=0.003`, the per-minute arbitrage scan).

The timed functions (`timed_functions`):

- forward: `quantamm_eqx.simulate(...).values`;
- objective: `quantamm_eqx.metrics.OBJECTIVES["daily_log_sharpe"]` (the objective `fit`
  takes by default) of the `Simulation`, as `fit` computes it; for a population (a stacked
  pool under `eqx.filter_vmap`) the sum of the members' objectives. Its value-and-grad is
  taken with respect to the pool with `eqx.filter_value_and_grad`.
"""

from collections.abc import Callable
from typing import Any, Literal

import equinox as eqx
import jax
import jax.numpy as jnp

import quantamm_eqx as qe
from quantamm_eqx.metrics import OBJECTIVES
from quantamm_eqx.pools import POOLS, pool_class

from ._harness import gbm_prices

FeePath = Literal["no-fee", "fee"]
PATHS: tuple[FeePath, ...] = ("no-fee", "fee")
#: The pools, by their names in the library's registry.
POOL_NAMES: tuple[str, ...] = tuple(POOLS)
#: Earlier names of the benchmarks' pools, still accepted on the command line.
POOL_ALIASES = {
    "anti-momentum": "anti_momentum",
    "channel": "mean_reversion_channel",
    "mean-reversion-channel": "mean_reversion_channel",
}
N_ASSETS = 3
SEED = 0
MINUTES_PER_DAY = 1440
CHUNK_PERIOD = 60
BURN_IN_DAYS = 10
FULL_BOUT_DAYS = 90
QUICK_BOUT_DAYS = 10
#: The objective needs two daily returns: a bout of at least 3 days.
MIN_BOUT_DAYS = 3
FEES = 0.003
#: Pool settings, in human units (one value shared by all assets).
MEMORY_DAYS = 10.0
K_PER_DAY = 20.0
#: Settings of a pool type beyond memory and `k_per_day`.
POOL_SETTINGS: dict[str, dict[str, float]] = {
    "mean_reversion_channel": {"width": 0.5, "amplitude_per_day": 1.0, "exponents": 2.0}
}
#: Member `i` of a population remembers `MEMORY_DAYS * (1 + POPULATION_SPREAD * i)` days.
POPULATION_SPREAD = 0.01
OBJECTIVE_NAME = "daily_log_sharpe"
#: The objective `fit` takes by default: a function of a `Simulation`.
OBJECTIVE = OBJECTIVES[OBJECTIVE_NAME]


def pool_key(name: str) -> str:
    """The registry name of a pool name or alias; `ValueError` for an unknown one."""
    key = POOL_ALIASES.get(name, name)
    if key not in POOLS:
        raise ValueError(
            f"unknown pool {name!r}; expected one of {list(POOLS)} "
            f"(or the aliases {list(POOL_ALIASES)})"
        )
    return key


def scaled_days(days: int, quick: bool) -> int:
    """A bout length in days, scaled by `QUICK_BOUT_DAYS / FULL_BOUT_DAYS` for `--quick`."""
    if not quick:
        return days
    return max(MIN_BOUT_DAYS, round(days * QUICK_BOUT_DAYS / FULL_BOUT_DAYS))


def bout(days: int) -> tuple[int, int]:
    """`(start_index, bout_length)` of a `days`-day bout after the burn-in."""
    return BURN_IN_DAYS * MINUTES_PER_DAY, days * MINUTES_PER_DAY


def bout_prices(days: int, n_assets: int, dtype: Any) -> jax.Array:
    """The seeded prices of the burn-in and a `days`-day bout."""
    start_index, bout_length = bout(days)
    return gbm_prices(start_index + bout_length, n_assets, SEED, dtype)


def make_pool(
    name: str, n_assets: int = N_ASSETS, memory_days: float = MEMORY_DAYS
) -> qe.AbstractPool:
    """The registry's pool `name` for `n_assets` assets, built from human units."""
    key = pool_key(name)
    return pool_class(key).from_memory_days(
        n_assets=n_assets,
        memory_days=memory_days,
        k_per_day=K_PER_DAY,
        chunk_period=CHUNK_PERIOD,
        **POOL_SETTINGS.get(key, {}),
    )


def make_population(name: str, n_assets: int, population: int, dtype: Any) -> qe.AbstractPool:
    """One pool (`population == 1`) or `population` pools stacked leaf by leaf, in `dtype`.

    Member `i` remembers `MEMORY_DAYS * (1 + POPULATION_SPREAD * i)` days.
    """
    pools = [
        make_pool(name, n_assets, MEMORY_DAYS * (1 + POPULATION_SPREAD * i))
        for i in range(population)
    ]
    pool = pools[0] if population == 1 else jax.tree_util.tree_map(lambda *x: jnp.stack(x), *pools)
    return jax.tree_util.tree_map(
        lambda x: jnp.asarray(x, dtype) if eqx.is_inexact_array(x) else x, pool
    )


def make_config(path: FeePath, arbitrage: str = "exact") -> qe.SimulationConfig:
    """The configuration of a path: no fees (the closed form) or `fees=FEES`."""
    return qe.SimulationConfig(
        chunk_period=CHUNK_PERIOD,
        weight_interpolation_period=CHUNK_PERIOD,
        fees=FEES if path == "fee" else 0.0,
        arbitrage=arbitrage,  # type: ignore[arg-type]
    )


Timed = Callable[[qe.AbstractPool, jax.Array], jax.Array]


def timed_functions(
    config: qe.SimulationConfig, days: int, population: int = 1
) -> tuple[Timed, Timed]:
    """The forward (the minute values) and the objective of a `days`-day bout.

    Both take `(pool, prices)`; for `population > 1` the pool is stacked and the members run
    under `eqx.filter_vmap`: the forward's values are `(population, minutes)` and the
    objective is the sum of the members' objectives.
    """
    start_index, bout_length = bout(days)

    def simulation(pool: qe.AbstractPool, prices: jax.Array) -> qe.Simulation:
        return qe.simulate(pool, prices, config, start_index=start_index, bout_length=bout_length)

    def forward(pool: qe.AbstractPool, prices: jax.Array) -> jax.Array:
        if population == 1:
            return simulation(pool, prices).values
        return eqx.filter_vmap(lambda member: simulation(member, prices).values)(pool)

    def objective(pool: qe.AbstractPool, prices: jax.Array) -> jax.Array:
        if population == 1:
            return OBJECTIVE(simulation(pool, prices))
        per_member = eqx.filter_vmap(lambda member: OBJECTIVE(simulation(member, prices)))(pool)
        return jnp.sum(per_member)

    return forward, objective

"""Reserves under arbitrage with fees over a bout (SPEC §5), one weight block at a time.

The fee path scans over the bout's `WeightSchedule` blocks: a block's minute weights, prices
and everything that depends only on them are computed in parallel; only what depends on
the reserves runs minute by minute. The block body is checkpointed, so the backward pass
keeps one carry per block rather than per-minute intermediates.
"""

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

from .._config import SimulationConfig
from .._custom_types import AssetVector
from ..weights._schedule import WeightSchedule
from ._market import NO_SERIES, BoutCosts
from ._minute import Flows, minute_step, no_flows

Carry = tuple[Array, ...]
BlockFn = Callable[[Carry, Float[Array, "chunk asset"], Any], tuple[Carry, Any]]


def _scan_blocks(
    schedule: WeightSchedule,
    prices: Float[Array, "rows asset"],
    carry: Carry,
    block_fn: BlockFn,
    rows=None,
) -> Any:
    """Run `block_fn(carry, weights, (prices, rows))` over the schedule's blocks; stack its
    outputs (a pytree of per-minute rows). `rows` is a pytree of `(rows, ...)` arrays cut
    into blocks beside the prices."""
    chunk, n_blocks = schedule.chunk_period, schedule.n_blocks
    n_rows = prices.shape[0]

    def blocks(x):
        padding = n_blocks * chunk - n_rows
        padded = jnp.concatenate([x, jnp.broadcast_to(x[-1], (padding, *x.shape[1:]))])
        return padded.reshape(n_blocks, chunk, *x.shape[1:])

    @jax.checkpoint
    def body(carry: Carry, inputs: tuple[Array, Any]) -> tuple[Carry, Any]:
        index, block_inputs = inputs
        return block_fn(carry, schedule.block(index), block_inputs)

    block_inputs = jax.tree_util.tree_map(blocks, (prices, rows))
    _, outputs = lax.scan(body, carry, (jnp.arange(n_blocks), block_inputs))
    return jax.tree_util.tree_map(
        lambda x: x.reshape(n_blocks * chunk, *x.shape[2:])[:n_rows], outputs
    )


def _lagged(first: AssetVector, rows: Float[Array, "chunk asset"]) -> Float[Array, "chunk asset"]:
    """`rows` shifted down by one, `first` on top: the previous minute's values."""
    return jnp.concatenate([first[None], rows[:-1]], axis=0)


def fee_reserves(
    schedule: WeightSchedule,
    prices: Float[Array, "rows asset"],
    initial_reserves: AssetVector,
    config: SimulationConfig,
    costs: BoutCosts = NO_SERIES,
    zero_fee_minutes: bool = True,
) -> Flows:
    """Reserves and flows with a swap fee, an arbitrage threshold and arbitrage fees (SPEC §5).

    Every minute has two arbitrage phases: A at the previous weights (prices moved), then
    B at the new weights (weights moved). In each, the candidate trade is the best
    signature's optimal trade (evaluated by the `ARBITRAGE` rule that `config.arbitrage`
    names; the closed-form zero-fee move at a fee of 0), executed only if the arbitrageur's
    profit covers `gas_cost` and `arb_fees`; then retail flow and the protocol's fee share
    ([`retail_and_protocol_fees`][quantamm_eqx.simulation.retail_and_protocol_fees]).
    `costs` holds the bout's per-minute series (`None` fields read `config`);
    `zero_fee_minutes` says whether its fees may hold a 0.
    """
    # The reserves' magnitude, for well-conditioned logarithms (it cancels in the trades).
    scale = lax.stop_gradient(initial_reserves)
    terms_of, minute = minute_step(config, prices.shape[1], scale, costs, zero_fee_minutes)

    def block_fn(carry: Carry, weights: Array, inputs: tuple) -> tuple[Carry, Flows]:
        block_prices, row_costs = inputs
        reserves, last_weights = carry
        previous_weights = _lagged(last_weights, weights)
        terms = terms_of(weights, block_prices, row_costs.fees)
        lagged_terms = terms_of(previous_weights, block_prices, row_costs.fees)
        steps = (previous_weights, weights, block_prices, lagged_terms, terms, row_costs)
        # Two minutes per loop iteration: about 12% faster on CPU (benchmarks/README.md).
        reserves, path = lax.scan(minute, reserves, steps, unroll=2)
        return (reserves, weights[-1]), path

    carry = (initial_reserves, schedule.initial_weights)
    return _scan_blocks(schedule, prices, carry, block_fn, costs)


def _window_sums(series: Float[Array, " rows"], step: int) -> Float[Array, " steps"]:
    """Sums of `series` over consecutive windows of `step` rows (the last may be short)."""
    padding = -series.shape[0] % step
    return jnp.concatenate([series, jnp.zeros(padding, series.dtype)]).reshape(-1, step).sum(1)


def sparse_flows(
    weights: Float[Array, "rows asset"],
    prices: Float[Array, "rows asset"],
    initial_reserves: AssetVector,
    config: SimulationConfig,
    costs: BoutCosts = NO_SERIES,
    zero_fee_minutes: bool = True,
) -> Flows:
    """[`sparse_arbitrage_reserves`][quantamm_eqx.simulation.sparse_arbitrage_reserves]
    with the flows: a step's flows on its minute's row, zero on the rows in between."""
    step, rows = config.arb_frequency, prices.shape[0]
    step_weights, step_prices = weights[::step], prices[::step]
    previous = jnp.concatenate([weights[:1], step_weights[:-1]], axis=0)
    step_costs = BoutCosts(
        *(None if x is None else x[::step] for x in costs[:3]),
        None if costs.retail_volume is None else _window_sums(costs.retail_volume, step),
    )
    scale = lax.stop_gradient(initial_reserves)
    terms_of, minute = minute_step(config, prices.shape[1], scale, step_costs, zero_fee_minutes)
    inputs = (
        previous,
        step_weights,
        step_prices,
        terms_of(previous, step_prices, step_costs.fees),
        terms_of(step_weights, step_prices, step_costs.fees),
        step_costs,
    )
    _, path = lax.scan(minute, initial_reserves, inputs)

    def on_step_rows(x):
        return jnp.zeros((rows,), x.dtype).at[::step].set(x)

    return Flows(
        jnp.repeat(path.reserves, step, axis=0)[:rows],
        *(on_step_rows(x) for x in path[1:]),
    )


def sparse_arbitrage_reserves(
    weights: Float[Array, "rows asset"],
    prices: Float[Array, "rows asset"],
    initial_reserves: AssetVector,
    config: SimulationConfig,
) -> Float[Array, "rows asset"]:
    """Reserves when arbitrageurs trade every `config.arb_frequency` minutes only.

    As the reference does: the steps are minutes `0, f, 2f, ...` of the bout; step `k` has
    phase A at step `k - 1`'s weights (minutes in between are never seen) and phase B at
    its own, each as every minute otherwise (the zero-fee move when `fees == 0`); the
    reserves are held between steps.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx import SimulationConfig
    >>> from quantamm_eqx.simulation import sparse_arbitrage_reserves
    >>> prices = jnp.linspace(jnp.array([1.0, 1.0]), jnp.array([1.1, 1.0]), 7)
    >>> weights = jnp.full((7, 2), 0.5)
    >>> config = SimulationConfig(fees=0.003, arb_frequency=3)
    >>> reserves = sparse_arbitrage_reserves(weights, prices, jnp.ones(2), config)
    >>> bool((reserves[1] == reserves[0]).all() and (reserves[3] != reserves[2]).any())
    True
    ```
    """
    return sparse_flows(weights, prices, initial_reserves, config).reserves


def held_flows(
    prices: Float[Array, "rows asset"],
    initial_reserves: AssetVector,
    config: SimulationConfig,
    costs: BoutCosts = NO_SERIES,
) -> Flows:
    """No arbitrage (`do_arb=False`): the reserves stay put, but for the pool's share of the
    retail volume's fees, each minute's added in proportion to every reserve."""
    held = jnp.broadcast_to(initial_reserves, prices.shape)
    flows = no_flows(held)
    if costs.retail_volume is None:
        return flows
    fees = config.fees if costs.fees is None else costs.fees
    paid = jnp.broadcast_to(fees * costs.retail_volume, prices.shape[:1])
    kept = (1 - config.protocol_fee_split) * paid
    # Scaling by 1 + kept / (c R0 . p) each minute makes the factor c grow by kept / (R0 . p).
    factor = 1 + jnp.cumsum(kept / jnp.sum(held * prices, axis=-1))
    return flows._replace(reserves=held * factor[:, None], retail_fees=paid)

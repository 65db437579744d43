"""Reserves under arbitrage over a bout (SPEC §5), one weight block at a time.

Both paths scan over the bout's `WeightSchedule` blocks: a block's minute weights, prices
and everything that depends only on them are computed in parallel; only what depends on
the reserves runs minute by minute. The block body is checkpointed, so the backward pass
keeps one carry per block rather than per-minute intermediates.
"""

from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

from .._config import SimulationConfig
from .._custom_types import AssetVector
from ..weights._schedule import WeightSchedule
from ._arbitrage import (
    AbstractArbitrage,
    Costs,
    arbitrage_profit_test,
    retail_and_protocol_fees,
    signatures,
    zero_fee_trade,
)
from ._exact_arbitrage import ExactArbitrage
from ._reference_arbitrage import ReferenceArbitrage

Carry = tuple[Array, ...]

#: The arbitrage rules by `SimulationConfig.arbitrage` name.
ARBITRAGE: dict[str, AbstractArbitrage] = {
    "exact": ExactArbitrage(),
    "reference": ReferenceArbitrage(),
}
BlockFn = Callable[
    [Carry, Float[Array, "chunk asset"], Float[Array, "chunk asset"]],
    tuple[Carry, Float[Array, "chunk asset"]],
]


def _scan_blocks(
    schedule: WeightSchedule, prices: Float[Array, "rows asset"], carry: Carry, block_fn: BlockFn
) -> Float[Array, "rows asset"]:
    """Run `block_fn(carry, weights, prices)` over the schedule's blocks; stack its outputs."""
    chunk, n_blocks = schedule.chunk_period, schedule.n_blocks
    padding = n_blocks * chunk - prices.shape[0]
    padded = jnp.concatenate([prices, jnp.broadcast_to(prices[-1], (padding, prices.shape[1]))])
    price_blocks = padded.reshape(n_blocks, chunk, prices.shape[1])

    @jax.checkpoint
    def body(carry: Carry, inputs: tuple[Array, Array]) -> tuple[Carry, Array]:
        index, block_prices = inputs
        return block_fn(carry, schedule.block(index), block_prices)

    _, outputs = lax.scan(body, carry, (jnp.arange(n_blocks), price_blocks))
    return outputs.reshape(n_blocks * chunk, -1)[: prices.shape[0]]


def _lagged(first: AssetVector, rows: Float[Array, "chunk asset"]) -> Float[Array, "chunk asset"]:
    """`rows` shifted down by one, `first` on top: the previous minute's values."""
    return jnp.concatenate([first[None], rows[:-1]], axis=0)


def no_fee_reserves(
    schedule: WeightSchedule, prices: Float[Array, "rows asset"], initial_reserves: AssetVector
) -> Float[Array, "rows asset"]:
    """Reserves without fees: the closed-form two-step update, in log space (SPEC §5).

    Per minute, the arbitrageur first moves the pool to the new prices at the old weights,
    then to the new weights at the new prices:

        log R[t] - log R[t-1] = sum(w[t-1] log pr) - log pr + log wr - sum(w[t] log wr)

    with `pr = p[t] / p[t-1]` and `wr = w[t] / w[t-1]`; a cumulative sum gives `log R`,
    in parallel within each block.
    """

    def block_fn(carry: Carry, weights: Array, block_prices: Array) -> tuple[Carry, Array]:
        log_reserves, last_weights, last_prices = carry
        previous_weights = _lagged(last_weights, weights)
        log_price_change = jnp.log(block_prices / _lagged(last_prices, block_prices))
        log_weight_change = jnp.log(weights / previous_weights)
        step = (
            jnp.sum(previous_weights * log_price_change, axis=-1, keepdims=True)
            - log_price_change
            + log_weight_change
            - jnp.sum(weights * log_weight_change, axis=-1, keepdims=True)
        )
        path = log_reserves + jnp.cumsum(step, axis=0)
        return (path[-1], weights[-1], block_prices[-1]), jnp.exp(path)

    carry = (jnp.log(initial_reserves), schedule.initial_weights, prices[0])
    return _scan_blocks(schedule, prices, carry, block_fn)


def _minute_step(config: SimulationConfig, n_assets: int, scale: AssetVector):
    """`(terms_of, minute)`: the reserve-independent terms of a phase (weights, prices) and
    one minute's two phases, `minute(reserves, inputs) -> (reserves, reserves)` with inputs
    `(previous_weights, weights, prices, lagged_terms, terms)`."""
    sigs = signatures(n_assets)
    arbitrage = ARBITRAGE[config.arbitrage]
    costs = Costs(config.fees, config.gas_cost, config.arb_fees)
    terms_over = jax.vmap(arbitrage.terms, in_axes=(0, 0, None, None, None))

    def terms_of(weights, prices):
        if config.fees == 0:
            return None
        return terms_over(weights, prices, config.fees, sigs, scale)

    def phase(reserves, weights, minute_prices, terms):
        if config.fees == 0:  # no swap fee: the closed-form move, then the profit test
            trade = zero_fee_trade(reserves, weights, minute_prices)
            trade_happens = arbitrage_profit_test(
                trade, minute_prices, config.gas_cost, config.arb_fees
            )
            return jnp.where(trade_happens, reserves + trade, reserves)
        after = arbitrage.phase(reserves, weights, minute_prices, terms, costs, sigs)
        return retail_and_protocol_fees(reserves, after, minute_prices, config)

    def minute(reserves, inputs):
        previous_weights, weights, minute_prices, lagged_terms, terms = inputs
        reserves = phase(reserves, previous_weights, minute_prices, lagged_terms)
        reserves = phase(reserves, weights, minute_prices, terms)
        return reserves, reserves

    return terms_of, minute


def fee_reserves(
    schedule: WeightSchedule,
    prices: Float[Array, "rows asset"],
    initial_reserves: AssetVector,
    config: SimulationConfig,
) -> Float[Array, "rows asset"]:
    """Reserves with a swap fee, an arbitrage threshold and arbitrage fees (SPEC §5).

    Every minute has two arbitrage phases: A at the previous weights (prices moved), then
    B at the new weights (weights moved). In each, the candidate trade is the best
    signature's optimal trade (evaluated by the `ARBITRAGE` rule that `config.arbitrage`
    names; the closed-form zero-fee move when `fees == 0`), executed only if the arbitrageur's
    profit covers `gas_cost` and `arb_fees`; then retail flow and the protocol's fee share
    ([`retail_and_protocol_fees`][quantamm_eqx.simulation.retail_and_protocol_fees]).
    """
    # The reserves' magnitude, for well-conditioned logarithms (it cancels in the trades).
    scale = lax.stop_gradient(initial_reserves)
    terms_of, minute = _minute_step(config, prices.shape[1], scale)

    def block_fn(carry: Carry, weights: Array, block_prices: Array) -> tuple[Carry, Array]:
        reserves, last_weights = carry
        previous_weights = _lagged(last_weights, weights)
        terms = terms_of(weights, block_prices)
        lagged_terms = terms_of(previous_weights, block_prices)
        inputs = (previous_weights, weights, block_prices, lagged_terms, terms)
        # Two minutes per loop iteration: about 12% faster on CPU (benchmarks/README.md).
        reserves, path = lax.scan(minute, reserves, inputs, unroll=2)
        return (reserves, weights[-1]), path

    carry = (initial_reserves, schedule.initial_weights)
    return _scan_blocks(schedule, prices, carry, block_fn)


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
    step = config.arb_frequency
    step_weights, step_prices = weights[::step], prices[::step]
    previous = jnp.concatenate([weights[:1], step_weights[:-1]], axis=0)
    terms_of, minute = _minute_step(config, prices.shape[1], lax.stop_gradient(initial_reserves))
    inputs = (
        previous,
        step_weights,
        step_prices,
        terms_of(previous, step_prices),
        terms_of(step_weights, step_prices),
    )
    _, path = lax.scan(minute, initial_reserves, inputs)
    return jnp.repeat(path, step, axis=0)[: prices.shape[0]]

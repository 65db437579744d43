"""One arbitrage step of a fee-paying pool: two phases, retail flow, the protocol's fee, and
what each party earned (SPEC §5 and the reference's static path)."""

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from .._config import SimulationConfig
from .._custom_types import AssetVector
from ._arbitrage import (
    AbstractArbitrage,
    Costs,
    arbitrage_profit_test,
    charge_fees,
    signatures,
    zero_fee_trade,
)
from ._exact_arbitrage import ExactArbitrage
from ._market import BoutCosts
from ._reference_arbitrage import ReferenceArbitrage

#: The arbitrage rules by `SimulationConfig.arbitrage` name.
ARBITRAGE: dict[str, AbstractArbitrage] = {
    "exact": ExactArbitrage(),
    "reference": ReferenceArbitrage(),
}


class Flows(NamedTuple):
    """A step's reserves and flows, in the numeraire at that minute's prices.

    - `reserves`: after the step;
    - `arbitrage_profit`: what arbitrageurs took from the pool, `-sum(D p)` over the
      step's trades `D` (after the swap fees they paid, before their own costs);
    - `arbitrage_fees`: the swap fees arbitrageurs paid, `fees * sum(max(D, 0) p)`
      (protocol's share included);
    - `retail_fees`: the swap fees retail traders paid (protocol's share included).
    """

    reserves: Float[Array, "*rows asset"]
    arbitrage_profit: Float[Array, "*rows"]
    arbitrage_fees: Float[Array, "*rows"]
    retail_fees: Float[Array, "*rows"]


def no_flows(reserves: Float[Array, "rows asset"]) -> Flows:
    """`reserves` with zero flows (nothing traded)."""
    zero = jnp.zeros(reserves.shape[:1], reserves.dtype)
    return Flows(reserves, zero, zero, zero)


def retail_volume_income(
    reserves: AssetVector,
    prices: AssetVector,
    fee: float | Float[Array, ""],
    volume: float | Float[Array, ""],
    config: SimulationConfig,
) -> tuple[AssetVector, Float[Array, ""]]:
    """Credit the swap fee on a minute's retail `volume` (numeraire): `(reserves, fees paid)`.

    Retail traders pay `fee * volume`; the pool keeps the share `1 - protocol_fee_split`,
    added in proportion to every reserve, so its quoted prices do not move.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx import SimulationConfig
    >>> from quantamm_eqx.simulation import retail_volume_income
    >>> reserves, prices = jnp.array([100.0, 50.0]), jnp.array([1.0, 2.0])  # value 200
    >>> config = SimulationConfig(protocol_fee_split=0.5)
    >>> after, paid = retail_volume_income(reserves, prices, 0.01, 1000.0, config)
    >>> [round(float(r), 6) for r in after], round(float(paid), 6)  # keeps 5 of the 10 paid
    ([102.5, 51.25], 10.0)
    ```
    """
    paid = jnp.asarray(fee * volume, reserves.dtype)
    kept = (1 - config.protocol_fee_split) * paid
    return reserves * (1 + kept / jnp.sum(reserves * prices)), paid


def minute_step(
    config: SimulationConfig,
    n_assets: int,
    scale: AssetVector,
    costs: BoutCosts,
    zero_fee_minutes: bool = True,
) -> tuple[Callable, Callable]:
    """`(terms_of, minute)` of one arbitrage step.

    `terms_of(weights, prices, fees)` is the reserve-independent part of a phase over rows
    (`fees` the rows' fee series, or `None`); `minute(reserves, inputs) -> (reserves,
    Flows)` runs phase A at the previous weights and phase B at the step's, with inputs
    `(previous_weights, weights, prices, lagged_terms, terms, row_costs)`, `row_costs` a
    `BoutCosts` of the step's entries (fields `None` read `config`). `costs` says which
    series are present (its arrays are not used); `zero_fee_minutes` whether a fee series
    may hold a 0 (the fee-free move is then compiled in). `scale` is the reserves' magnitude.
    """
    sigs = signatures(n_assets)
    arbitrage = ARBITRAGE[config.arbitrage]
    fee_free = costs.fees is None and config.fees == 0  # statically: every fee is 0
    terms_over = jax.vmap(
        arbitrage.terms, in_axes=(0, 0, None if costs.fees is None else 0, None, None)
    )

    def terms_of(weights, prices, fees):
        if fee_free:
            return None
        return terms_over(weights, prices, config.fees if fees is None else fees, sigs, scale)

    def phase(reserves, weights, prices, terms, cost: Costs):
        def fee_free_move():
            trade = zero_fee_trade(reserves, weights, prices)
            happens = arbitrage_profit_test(trade, prices, cost.gas_cost, cost.arb_fees)
            return jnp.where(happens, reserves + trade, reserves)

        if fee_free:
            after = fee_free_move()
        else:
            after = arbitrage.phase(reserves, weights, prices, terms, cost, sigs)
            if costs.fees is not None and zero_fee_minutes:  # a minute without a fee
                after = jnp.where(cost.fees == 0, fee_free_move(), after)
        profit = -jnp.sum((after - reserves) * prices)
        if fee_free:
            zero = jnp.zeros((), reserves.dtype)
            return after, Flows(after, profit, zero, zero)
        after, paid = charge_fees(reserves, after, prices, cost.fees, config)
        return after, Flows(after, profit, paid, config.noise_trader_ratio * paid)

    def minute(reserves, inputs):
        previous_weights, weights, prices, lagged_terms, terms, row = inputs
        cost = Costs(
            config.fees if row.fees is None else row.fees,
            config.gas_cost if row.gas_cost is None else row.gas_cost,
            config.arb_fees if row.arb_fees is None else row.arb_fees,
        )
        reserves, a = phase(reserves, previous_weights, prices, lagged_terms, cost)
        reserves, b = phase(reserves, weights, prices, terms, cost)
        retail = a.retail_fees + b.retail_fees
        if row.retail_volume is not None:
            reserves, paid = retail_volume_income(
                reserves, prices, cost.fees, row.retail_volume, config
            )
            retail = retail + paid
        flows = Flows(
            reserves,
            a.arbitrage_profit + b.arbitrage_profit,
            a.arbitrage_fees + b.arbitrage_fees,
            retail,
        )
        return reserves, flows

    return terms_of, minute

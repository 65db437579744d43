"""The exact arbitrage rule (the default): every optimal trade the market calls for, decided
without rounding, in a form that keeps float32 accurate."""

from typing import NamedTuple

import jax.numpy as jnp
from jaxtyping import Array, Float

from .._custom_types import AssetVector
from .arbitrage import AbstractArbitrage, Costs, Signatures


class PairTerms(NamedTuple):
    """Each signature's weights `wa = w / (w_in + w_out)` and prices on its two active
    tokens (in, out): `(..., n_signatures, 2)`."""

    active_weights: Float[Array, "*batch signature 2"]
    pair_prices: Float[Array, "*batch signature 2"]


class ExactArbitrage(AbstractArbitrage):
    """Every signature's closed-form optimal trade when the market lies outside the pool's
    fee band for it; the most profitable one, if it clears the arbitrageur's costs.

    With `gamma = 1 - fees`, pool holdings `h = R p` and `l = log(h / (w sum(h)))` (each
    asset's share of the pool's value over its weight, in log), a signature's *excess
    mispricing* is `s = l_out - l_in + log(gamma)`: the log of the pool's price of `in` (in
    units of `out`) over the market's, less the fee band. Its optimal trade (SPEC §5's
    `K * ratio * other - R`, rewritten) is

        D_in = R_in expm1(wa_out s) / gamma,    D_out = R_out expm1(-wa_in s)

    with no difference of nearly equal numbers, so float32 keeps its digits. It is valid
    when `s > 0`: that is the reference's invariant test evaluated exactly (for `s > 0` the
    fee-charged invariant is unchanged; for `s < 0` the formula's trade runs the wrong way
    and lowers it). `s` is a difference of small logs, so no tolerance is needed: where
    rounding could flip the decision, `|s|` and the trade are a few units of rounding.

    The valid trade with the largest profit `P = -sum(D p)` is the candidate (ties go to
    the first signature in (in, out) order; the reference sums tied trades); it is executed
    if `P - gas_cost >= arb_fees / 2 * sum(|D| p)`. Per signature this costs two `expm1`,
    plus `n` shared `log`, in a few fusible array operations (no gather or scatter of the
    chosen trade).

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx._simulation.arbitrage import Costs, signatures
    >>> from quantamm_eqx._simulation.exact_arbitrage import ExactArbitrage
    >>> rule, sigs, weights = ExactArbitrage(), signatures(2), jnp.array([0.5, 0.5])
    >>> prices = jnp.array([1.02, 1.0])  # asset 0 is 2% dearer on the market than in the pool
    >>> terms = rule.terms(weights, prices, 0.003, sigs)
    >>> after = rule.phase(jnp.ones(2), weights, prices, terms, Costs(0.003, 0.0, 0.0), sigs)
    >>> bool(after[0] < 1.0 < after[1])  # the arbitrageur buys asset 0 from the pool
    True
    ```
    """

    def terms(
        self, weights: AssetVector, prices: AssetVector, fees: float, sigs: Signatures
    ) -> PairTerms:
        pair_weights = weights[sigs.pairs]
        active_weights = pair_weights / (pair_weights[:, :1] + pair_weights[:, 1:])
        return PairTerms(active_weights, prices[sigs.pairs])

    def phase(
        self,
        reserves: AssetVector,
        weights: AssetVector,
        prices: AssetVector,
        terms: PairTerms,
        costs: Costs,
        sigs: Signatures,
    ) -> AssetVector:
        dtype = reserves.dtype
        fees = jnp.asarray(costs.fees, dtype)
        held = reserves * prices
        log_share = jnp.log(held / (weights * jnp.sum(held)))[sigs.pairs]
        excess = log_share[:, 1] - log_share[:, 0] + jnp.log1p(-fees)
        # Exponents (wa_out s, -wa_in s); the inbound amount is divided by gamma.
        exponents = (
            excess[:, None] * terms.active_weights[:, ::-1] * jnp.asarray([1.0, -1.0], dtype)
        )
        inverse_gamma = jnp.where(jnp.asarray(sigs.inbound, bool), 1.0 / (1.0 - fees), 1.0)
        pair_reserves = reserves[sigs.pairs]
        trades = inverse_gamma * pair_reserves * jnp.expm1(exponents)
        valid = (excess > 0) & (pair_reserves[:, 1] + trades[:, 1] > 0)

        values = trades * terms.pair_prices
        profits = jnp.where(valid, -(values[:, 0] + values[:, 1]), -jnp.inf)
        best = jnp.argmax(profits)
        external_cost = 0.5 * costs.arb_fees * (jnp.abs(values[:, 0]) + jnp.abs(values[:, 1]))
        chosen = (
            (jnp.arange(profits.shape[0]) == best)
            & valid
            & (profits - costs.gas_cost >= external_cost)
        )
        token_in, token_out = (jnp.asarray(mask, dtype) for mask in (sigs.token_in, sigs.token_out))
        full_trades = trades[:, :1] * token_in + trades[:, 1:] * token_out
        return reserves + jnp.sum(jnp.where(chosen[:, None], full_trades, 0.0), axis=0)

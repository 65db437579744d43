"""The exact arbitrage rule (the default): every optimal trade the market calls for, decided
without rounding, in a form that keeps float32 accurate."""

from typing import NamedTuple

import jax.numpy as jnp
from jaxtyping import Array, Float

from .._custom_types import AssetVector
from ._arbitrage import AbstractArbitrage, Costs, Signatures


class PairTerms(NamedTuple):
    """The reserve-independent parts of each signature's trade, on its two active tokens
    (in, out): `(..., n_signatures, 2)` and `(..., n_signatures)`."""

    active_weights: Float[Array, "*batch signature 2"]
    pair_prices: Float[Array, "*batch signature 2"]
    log_offset: Float[Array, "*batch signature"]
    inverse_scale: Float[Array, "*batch asset"]
    inverse_gamma: Float[Array, "*batch"]


class ExactArbitrage(AbstractArbitrage):
    """Every signature's closed-form optimal trade when the market lies outside the pool's
    fee band for it; the most profitable one, if it clears the arbitrageur's costs.

    A signature's *excess mispricing* is the log of the pool's price of `in` (in units of
    `out`) over the market's, less the fee band `-log(gamma)`, `gamma = 1 - fees`:

        s = log(R_out / S_out) - log(R_in / S_in) + log(q_out / q_in) + log(gamma),
        q = S p / w,

    with `S` a constant scale (the bout's initial reserves), so that every logarithm is of
    a number of order one; the last two terms are computed in parallel over minutes. The
    signature's optimal trade (SPEC §5's `K * ratio * other - R`, rewritten) is

        D_in = R_in expm1(wa_out s) / gamma,    D_out = R_out expm1(-wa_in s)

    with `wa = w / (w_in + w_out)`: no difference of nearly equal numbers anywhere, so
    float32 keeps its digits. It is valid when `s > 0`: that is the reference's invariant
    test evaluated exactly (for `s > 0` the fee-charged invariant is unchanged; for `s < 0`
    the formula's trade runs the wrong way and lowers it). No tolerance is needed: where
    rounding could flip the sign of `s`, `|s|` and the trade are a few units of rounding.

    The valid trade with the largest profit `P = -sum(D p)` is the candidate (ties go to
    the first signature in (in, out) order; the reference sums tied trades); it is executed
    if `P - gas_cost >= arb_fees / 2 * sum(|D| p)`. Per phase this costs `n` logarithms and
    two `expm1` per signature, in a few fusible array operations (no gather or scatter of
    the chosen trade).

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.simulation import Costs, signatures
    >>> from quantamm_eqx.simulation import ExactArbitrage
    >>> rule, sigs, weights = ExactArbitrage(), signatures(2), jnp.array([0.5, 0.5])
    >>> prices = jnp.array([1.02, 1.0])  # asset 0 is 2% dearer on the market than in the pool
    >>> terms = rule.terms(weights, prices, 0.003, sigs, scale=jnp.ones(2))
    >>> after = rule.phase(jnp.ones(2), weights, prices, terms, Costs(0.003, 0.0, 0.0), sigs)
    >>> bool(after[0] < 1.0 < after[1])  # the arbitrageur buys asset 0 from the pool
    True
    ```
    """

    def terms(
        self,
        weights: AssetVector,
        prices: AssetVector,
        fees: float | Float[Array, ""],
        sigs: Signatures,
        scale: AssetVector,
    ) -> PairTerms:
        pair_weights = weights[sigs.pairs]
        active_weights = pair_weights / (pair_weights[:, :1] + pair_weights[:, 1:])
        # s = log(R_out / S_out) - log(R_in / S_in) + log_offset (see the class docstring).
        value_per_weight = (scale * prices / weights)[sigs.pairs]
        fees = jnp.asarray(fees, weights.dtype)
        log_offset = jnp.log(value_per_weight[:, 1] / value_per_weight[:, 0]) + jnp.log1p(-fees)
        return PairTerms(
            active_weights, prices[sigs.pairs], log_offset, 1.0 / scale, 1.0 / (1.0 - fees)
        )

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
        log_reserves = jnp.log(reserves * terms.inverse_scale)[sigs.pairs]
        excess = log_reserves[:, 1] - log_reserves[:, 0] + terms.log_offset
        # Exponents (wa_out s, -wa_in s); the inbound amount is divided by gamma.
        exponents = (
            excess[:, None] * terms.active_weights[:, ::-1] * jnp.asarray([1.0, -1.0], dtype)
        )
        # `costs.fees` is in the terms: 1 / gamma, computed in parallel over minutes.
        inverse_gamma = jnp.where(jnp.asarray(sigs.inbound, bool), terms.inverse_gamma, 1.0)
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

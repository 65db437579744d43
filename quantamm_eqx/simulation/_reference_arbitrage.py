"""The reference simulator's arbitrage rule, transcribed: kept by name
(`SimulationConfig(arbitrage="reference")`) to compare with quantammsim's numbers."""

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .._custom_types import AssetVector
from ._arbitrage import AbstractArbitrage, Costs, Signatures, arbitrage_profit_test


class SignatureFactors(NamedTuple):
    """SPEC §5's reserve-independent factors of each signature's trade, over all assets
    (`(..., n_signatures, n_assets)`; inactive tokens are masked in the phase)."""

    active_weights: Float[Array, "*batch signature asset"]
    per_asset_ratio: Float[Array, "*batch signature asset"]
    other_assets_ratio: Float[Array, "*batch signature asset"]


def _leave_one_out(n_assets: int) -> np.ndarray:
    """Row `i`: the indices `0..n-1` without `i`."""
    return np.array([[j for j in range(n_assets) if j != i] for i in range(n_assets)])


class ReferenceArbitrage(AbstractArbitrage):
    """quantammsim's rule, as it computes it: products of powers over all assets, every
    optimal trade valid if all reserves stay positive and the fee-charged invariant
    `prod((R + D g) ** w) - prod(R ** w)` is `>= 0` in floating point, tied best trades
    summed, then the arbitrageur's cost test.

    For the optimal trade the two invariants are equal in exact arithmetic, so rounding
    decides each trade: valid trades are dropped at random, and differently in each
    compiled program. On the golden fee scenarios its values end 0.04%–1.3% below the exact
    rule's and stay within 0.13% of quantammsim's stored values (see
    `docs/concepts/arbitrage.md`). Two to four times slower than `ExactArbitrage`
    (`python -m benchmarks.arbitrage`).

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.simulation import Costs, signatures
    >>> from quantamm_eqx.simulation import ReferenceArbitrage
    >>> rule, sigs, weights = ReferenceArbitrage(), signatures(2), jnp.array([0.5, 0.5])
    >>> prices = jnp.array([1.0, 1.001])  # inside the fee band: no trade
    >>> terms = rule.terms(weights, prices, 0.003, sigs, scale=jnp.ones(2))
    >>> after = rule.phase(jnp.ones(2), weights, prices, terms, Costs(0.003, 0.0, 0.0), sigs)
    >>> [float(x) for x in after]
    [1.0, 1.0]
    ```
    """

    def terms(
        self,
        weights: AssetVector,
        prices: AssetVector,
        fees: float | Float[Array, ""],
        sigs: Signatures,
        scale: AssetVector,
    ) -> SignatureFactors:
        dtype = weights.dtype
        kept = jnp.asarray(sigs.token_in + sigs.token_out, bool)
        charged = jnp.where(jnp.asarray(sigs.token_in, bool), jnp.asarray(1.0 - fees, dtype), 1.0)
        active_weights = weights / jnp.sum(jnp.where(kept, weights, 0.0), axis=-1, keepdims=True)
        per_asset_ratio = (active_weights * charged / prices) ** (1.0 - active_weights)
        quantities = jnp.where(kept, (prices / (charged * active_weights)) ** active_weights, 1.0)
        other_assets_ratio = jnp.prod(quantities[:, _leave_one_out(weights.shape[0])], axis=-1)
        return SignatureFactors(active_weights, per_asset_ratio, other_assets_ratio)

    def phase(
        self,
        reserves: AssetVector,
        weights: AssetVector,
        prices: AssetVector,
        terms: SignatureFactors,
        costs: Costs,
        sigs: Signatures,
    ) -> AssetVector:
        dtype = reserves.dtype
        gamma = 1.0 - jnp.asarray(costs.fees, dtype)
        dropped = jnp.asarray(1.0 - sigs.token_in - sigs.token_out, bool)
        inbound = jnp.asarray(sigs.token_in, bool)
        active_reserves = jnp.where(dropped, 1.0, reserves)
        constant = jnp.prod(active_reserves**terms.active_weights, axis=-1, keepdims=True)
        optimal = constant * terms.per_asset_ratio * terms.other_assets_ratio
        trades = (1.0 / jnp.where(inbound, gamma, 1.0)) * (optimal - active_reserves)
        trades = jnp.where(dropped, 0.0, trades)

        positive = jnp.sum(reserves + trades > 0, axis=-1) == reserves.shape[0]
        charged = reserves + trades * jnp.where(trades > 0, gamma, 1.0)
        kept_invariant = jnp.prod(charged**weights, axis=-1) - jnp.prod(reserves**weights) >= 0
        trades = jnp.where((positive & kept_invariant)[:, None], trades, 0.0)
        profits = -(trades * prices).sum(-1)
        tied = jnp.where(profits == jnp.max(profits), 1.0, 0.0)
        trade = tied @ trades
        happens = arbitrage_profit_test(trade, prices, costs.gas_cost, costs.arb_fees)
        return jnp.where(happens, reserves + trade, reserves)

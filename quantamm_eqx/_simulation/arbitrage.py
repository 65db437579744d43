"""The optimal arbitrage trade against a G3M pool with a swap fee (SPEC §5, arXiv 2402.06731).

A *signature* is an ordered pair of tokens (in, out): the arbitrageur sends token `in` to
the pool and takes token `out`. For each of the `n (n - 1)` signatures the optimal trade
has a closed form on the two active tokens. Everything that depends only on weights and
prices is computed by `signature_terms`, in parallel over minutes; `best_trade` does the
part that depends on the reserves.
"""

import itertools
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, Int

from .._custom_types import AssetVector


class Signatures(NamedTuple):
    """All ordered (in, out) token pairs, as per-asset masks `(n_signatures, n_assets)`."""

    active: Bool[np.ndarray, "signature asset"]
    inbound: Bool[np.ndarray, "signature asset"]
    leave_one_out: Int[np.ndarray, "asset others"]


def signatures(n_assets: int) -> Signatures:
    """The `n (n - 1)` signatures in lexicographic (in, out) order, and leave-one-out indices.

    **Example:**

    ```python
    >>> from quantamm_eqx._simulation.arbitrage import signatures
    >>> signatures(3).inbound.astype(int).tolist()[:2]
    [[1, 0, 0], [1, 0, 0]]
    ```
    """
    pairs = list(itertools.permutations(range(n_assets), 2))
    active = np.zeros((len(pairs), n_assets), dtype=bool)
    inbound = np.zeros((len(pairs), n_assets), dtype=bool)
    for row, (token_in, token_out) in enumerate(pairs):
        active[row, [token_in, token_out]] = True
        inbound[row, token_in] = True
    leave_one_out = np.array([[j for j in range(n_assets) if j != i] for i in range(n_assets)])
    return Signatures(active, inbound, leave_one_out)


class SignatureTerms(NamedTuple):
    """The reserve-independent parts of every signature's optimal trade, `(..., S, n)`."""

    active_weights: Float[Array, "*batch signature asset"]
    per_asset_ratio: Float[Array, "*batch signature asset"]
    other_assets_ratio: Float[Array, "*batch signature asset"]


def signature_terms(
    weights: AssetVector, prices: AssetVector, gamma: float, sigs: Signatures
) -> SignatureTerms:
    """Per-signature terms of the optimal trade at weights `w` and prices `p`.

    With `wa = w / (w_in + w_out)` and `e = 1` for the inbound token (0 otherwise):
    `per_asset_ratio = (wa gamma**e / p) ** (1 - wa)`, and `other_assets_ratio` is, for
    each token, the product over the other active token of `(p / (gamma**e wa)) ** wa`.
    Vectorise over minutes with `jax.vmap`.
    """
    inbound = jnp.asarray(sigs.inbound, dtype=weights.dtype)
    dropped = ~sigs.active
    gamma_e = gamma**inbound
    active_weights = weights / jnp.sum(jnp.where(dropped, 0.0, weights), axis=-1, keepdims=True)
    per_asset_ratio = ((active_weights * gamma_e) / prices) ** (1.0 - active_weights)
    quantities = (prices / (gamma_e * active_weights)) ** active_weights
    quantities = jnp.where(dropped, 1.0, quantities)
    other_assets_ratio = jnp.prod(quantities[..., sigs.leave_one_out], axis=-1)
    return SignatureTerms(active_weights, per_asset_ratio, other_assets_ratio)


def best_trade(
    reserves: AssetVector,
    weights: AssetVector,
    prices: AssetVector,
    terms: SignatureTerms,
    gamma: float,
    sigs: Signatures,
    invariant_slack: float,
) -> AssetVector:
    """The most profitable valid signature's optimal trade (positive = into the pool).

    Each signature's trade is `gamma**-e (K * per_asset_ratio * other_assets_ratio - R)` on
    its active tokens, `K = prod(R ** wa)`. It is valid if every reserve stays positive and
    the fee-adjusted trade does not lower the weighted-product invariant, `prod(R ** w)`,
    by more than `invariant_slack` (relative; the reference uses 0). The trade with the
    largest arbitrage profit `-sum(D p)` wins; ties go to the first signature in
    lexicographic (in, out) order (the reference sums tied trades), and with no valid trade
    the result is zero.
    """
    dropped = ~sigs.active
    inbound = jnp.asarray(sigs.inbound, dtype=reserves.dtype)
    active_reserves = jnp.where(dropped, 1.0, reserves)
    constant = jnp.prod(active_reserves**terms.active_weights, axis=-1, keepdims=True)
    trades = (1.0 / gamma**inbound) * (
        constant * terms.per_asset_ratio * terms.other_assets_ratio - active_reserves
    )
    trades = jnp.where(dropped, 0.0, trades)
    initial_constant = jnp.prod(reserves**weights)
    positive = jnp.all(reserves + trades > 0, axis=-1)
    charged = reserves + trades * gamma ** (trades > 0).astype(reserves.dtype)
    post_constant = jnp.prod(charged**weights, axis=-1)
    keeps_invariant = (post_constant - initial_constant) / initial_constant >= -invariant_slack
    trades = jnp.where((positive & keeps_invariant)[:, None], trades, 0.0)
    profits = -jnp.sum(trades * prices, axis=-1)
    return trades[jnp.argmax(profits)]


def zero_fee_trade(reserves: AssetVector, weights: AssetVector, prices: AssetVector) -> AssetVector:
    """The fee-free arbitrage trade: move the pool to `prices` at fixed `weights` (closed form).

    With quoted prices `q = V w / R` (`V = sum(R p)`), the reserves after arbitrage are
    `R * exp(sum(w log(p / q))) / (p / q)`.
    """
    value = jnp.sum(reserves * prices)
    quoted = value * weights / reserves
    change = prices / quoted
    ratio = jnp.exp(jnp.sum(weights * jnp.log(change))) / change
    return reserves * ratio - reserves


def arbitrage_profit_test(
    trade: AssetVector, prices: AssetVector, gas_cost: float, arb_fees: float
) -> Bool[Array, ""]:
    """Whether an arbitrageur executes `trade`.

    It does if `-sum(D p) - gas_cost >= arb_fees / 2 * sum(|D| p)`: the profit, net of the
    fixed cost, covers the proportional cost of rebalancing elsewhere.
    """
    profit = -jnp.sum(trade * prices) - gas_cost
    external_cost = 0.5 * arb_fees * jnp.sum(jnp.abs(trade) * prices)
    return profit >= external_cost

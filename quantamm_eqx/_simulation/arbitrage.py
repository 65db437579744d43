"""The optimal arbitrage trade against a G3M pool with a swap fee (SPEC §5, arXiv 2402.06731).

A *signature* is an ordered pair of tokens (in, out): the arbitrageur sends token `in` to
the pool and takes token `out`. For each of the `n (n - 1)` signatures the optimal trade
has a closed form on the two active tokens. Everything that depends only on weights and
prices is computed by `signature_terms`, in parallel over minutes; `fee_arbitrage` does
the part that depends on the reserves, one minute's phase at a time.
"""

import itertools
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, Int

from .._custom_types import AssetVector


class Signatures(NamedTuple):
    """All ordered (in, out) token pairs: token indices and one-hot masks."""

    pairs: Int[np.ndarray, "signature 2"]
    inbound: Float[np.ndarray, "signature 2"]
    token_in: Float[np.ndarray, "signature asset"]
    token_out: Float[np.ndarray, "signature asset"]


def signatures(n_assets: int) -> Signatures:
    """The `n (n - 1)` signatures in lexicographic (in, out) order.

    `inbound` marks the inbound token of each pair, `[1, 0]` on every row; `token_in` and
    `token_out` are one-hot rows over the assets.

    **Example:**

    ```python
    >>> from quantamm_eqx._simulation.arbitrage import signatures
    >>> signatures(3).pairs.tolist()[:3]
    [[0, 1], [0, 2], [1, 0]]
    ```
    """
    pairs = np.array(list(itertools.permutations(range(n_assets), 2)), dtype=np.int32)
    pairs = pairs.reshape(-1, 2)
    inbound = np.broadcast_to(np.array([1.0, 0.0]), pairs.shape).copy()
    identity = np.eye(n_assets)
    return Signatures(pairs, inbound, identity[pairs[:, 0]], identity[pairs[:, 1]])


class SignatureTerms(NamedTuple):
    """The reserve-independent parts of every signature's optimal trade, on its two active
    tokens (in, out): `(..., n_signatures, 2)`."""

    active_weights: Float[Array, "*batch signature 2"]
    log_coefficient: Float[Array, "*batch signature 2"]
    pair_weights: Float[Array, "*batch signature 2"]
    pair_prices: Float[Array, "*batch signature 2"]


def signature_terms(
    weights: AssetVector, prices: AssetVector, gamma: float, sigs: Signatures
) -> SignatureTerms:
    """Per-signature terms of the optimal trade at weights `w` and prices `p`, in log space.

    On a signature's two active tokens `a` and `b` (in, out), with `wa = w / (w_in + w_out)`
    and `g = gamma` for the inbound token (1 for the outbound one), the optimal reserves
    are `exp(log_coefficient_a + wa_in log R_in + wa_out log R_out)`, where

        log_coefficient_a = (1 - wa_a) log(wa_a g_a / p_a) + wa_b log(p_b / (g_b wa_b))

    (SPEC §5's `K * per_asset_ratio * other_assets_ratio`). The pair's weights and prices
    come along. Vectorise over minutes with `jax.vmap`.
    """
    log_gamma = jnp.log(jnp.asarray(gamma, weights.dtype)) * jnp.asarray(
        sigs.inbound, weights.dtype
    )
    pair_weights = weights[sigs.pairs]
    pair_prices = prices[sigs.pairs]
    active_weights = pair_weights / (pair_weights[:, :1] + pair_weights[:, 1:])
    log_ratio = jnp.log(active_weights) + log_gamma - jnp.log(pair_prices)
    log_coefficient = (1.0 - active_weights) * log_ratio - (active_weights * log_ratio)[:, ::-1]
    return SignatureTerms(active_weights, log_coefficient, pair_weights, pair_prices)


def fee_arbitrage(
    reserves: AssetVector,
    terms: SignatureTerms,
    gamma: float,
    sigs: Signatures,
    invariant_slack: float,
    gas_cost: float,
    arb_fees: float,
) -> AssetVector:
    """The reserves after one arbitrage phase with a swap fee (SPEC §5).

    Each signature's trade on its active tokens is `g**-1 (R* - R)`, with the optimal
    reserves `R*` of [`signature_terms`][quantamm_eqx._simulation.arbitrage.signature_terms]
    and `g = gamma` for the inbound token (1 for the outbound one). It is valid if every
    reserve stays positive and the fee-adjusted trade does not lower the weighted-product
    invariant `prod(R ** w)` by more than `invariant_slack` (relative; the reference uses
    0): `sum(w log1p(g' D / R)) >= log1p(-invariant_slack)` over the active tokens, with
    `g' = gamma` for tokens paid in. The valid trade with the largest arbitrage profit
    `P = -sum(D p)` is the candidate (ties go to the first signature in lexicographic
    (in, out) order; the reference sums tied trades), and it is executed if
    `P - gas_cost >= arb_fees / 2 * sum(|D| p)`: the profit, net of the fixed cost, covers
    the proportional cost of rebalancing elsewhere.

    Per signature this costs two `exp` and two `log1p`, plus `n` shared `log`, in a few
    fusible array operations (no gather or scatter of the chosen trade); see
    `benchmarks/README.md` for what each form cost.
    """
    dtype = reserves.dtype
    inverse_gamma = (1.0 / gamma) ** jnp.asarray(sigs.inbound, dtype)
    pair_reserves = reserves[sigs.pairs]
    weighted_logs = terms.active_weights * jnp.log(reserves)[sigs.pairs]
    # Sums over a pair are written out: element-wise operations fuse, reductions do not.
    log_constant = (weighted_logs[:, 0] + weighted_logs[:, 1])[:, None]
    trades = inverse_gamma * (jnp.exp(terms.log_coefficient + log_constant) - pair_reserves)
    after = pair_reserves + trades
    charged = terms.pair_weights * jnp.log1p(
        trades * jnp.where(trades > 0, gamma, 1.0) / pair_reserves
    )
    valid = (
        (after[:, 0] > 0)
        & (after[:, 1] > 0)
        & (charged[:, 0] + charged[:, 1] >= np.log1p(-invariant_slack))
    )
    values = trades * terms.pair_prices
    profits = jnp.where(valid, -(values[:, 0] + values[:, 1]), -jnp.inf)
    best = jnp.argmax(profits)
    external_cost = 0.5 * arb_fees * (jnp.abs(values[:, 0]) + jnp.abs(values[:, 1]))
    chosen = (jnp.arange(profits.shape[0]) == best) & valid & (profits - gas_cost >= external_cost)
    token_in, token_out = (jnp.asarray(mask, dtype) for mask in (sigs.token_in, sigs.token_out))
    full_trades = trades[:, :1] * token_in + trades[:, 1:] * token_out
    return reserves + jnp.sum(jnp.where(chosen[:, None], full_trades, 0.0), axis=0)


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

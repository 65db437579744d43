"""Arbitrage against a G3M pool (SPEC §5, arXiv 2402.06731): the shared pieces.

A *signature* is an ordered pair of tokens (in, out): the arbitrageur sends token `in` to
the pool and takes token `out`. With a swap fee, the optimal trade of each of the
`n (n - 1)` signatures has a closed form on its two active tokens; an `AbstractArbitrage`
says how it is evaluated and which trades are valid: `ExactArbitrage`
(`exact_arbitrage.py`, the default) or the reference simulator's rounding-decided
`ReferenceArbitrage` (`reference_arbitrage.py`). Without a swap fee the trade is
`zero_fee_trade`.
"""

import abc
import itertools
from typing import Any, NamedTuple

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float, Int

from .._config import SimulationConfig
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
    >>> from quantamm_eqx.simulation import signatures
    >>> signatures(3).pairs.tolist()[:3]
    [[0, 1], [0, 2], [1, 0]]
    ```
    """
    pairs = np.array(list(itertools.permutations(range(n_assets), 2)), dtype=np.int32)
    pairs = pairs.reshape(-1, 2)
    inbound = np.broadcast_to(np.array([1.0, 0.0]), pairs.shape).copy()
    identity = np.eye(n_assets)
    return Signatures(pairs, inbound, identity[pairs[:, 0]], identity[pairs[:, 1]])


class Costs(NamedTuple):
    """What a trade costs: the pool's swap fee (a fraction of the inbound amount), the
    arbitrageur's fixed cost per trade (numeraire) and proportional cost elsewhere."""

    fees: Float[ArrayLike, ""]
    gas_cost: Float[ArrayLike, ""]
    arb_fees: Float[ArrayLike, ""]


class AbstractArbitrage(eqx.Module):
    """How a phase's optimal arbitrage trade with a swap fee is evaluated (SPEC §5).

    `terms` is what depends only on weights and prices (computed in parallel over the
    minutes of a block, under `jax.vmap`); `phase` is the sequential part, the reserves
    after one phase.
    """

    @abc.abstractmethod
    def terms(
        self,
        weights: AssetVector,
        prices: AssetVector,
        fees: float | Float[Array, ""],
        sigs: Signatures,
        scale: AssetVector,
    ) -> Any:
        """Everything of the phase that depends only on `weights` and `prices`; `scale` is
        a constant vector of the reserves' magnitude (the bout's initial reserves), for
        numerically well-conditioned logarithms."""

    @abc.abstractmethod
    def phase(
        self,
        reserves: AssetVector,
        weights: AssetVector,
        prices: AssetVector,
        terms: Any,
        costs: Costs,
        sigs: Signatures,
    ) -> AssetVector:
        """The reserves after one arbitrage phase at `weights` and `prices`."""


def zero_fee_trade(reserves: AssetVector, weights: AssetVector, prices: AssetVector) -> AssetVector:
    """The fee-free arbitrage trade: move the pool to `prices` at fixed `weights` (closed form).

    With quoted prices `q = V w / R` (`V = sum(R p)`), the reserves after arbitrage are
    `R * exp(sum(w log(p / q))) / (p / q)`.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.simulation import zero_fee_trade
    >>> trade = zero_fee_trade(jnp.ones(2), jnp.array([0.5, 0.5]), jnp.array([1.0, 1.0]))
    >>> [float(x) for x in trade]  # already at the market: no trade
    [0.0, 0.0]
    ```
    """
    value = jnp.sum(reserves * prices)
    quoted = value * weights / reserves
    change = prices / quoted
    ratio = jnp.exp(jnp.sum(weights * jnp.log(change))) / change
    return reserves * ratio - reserves


def arbitrage_profit_test(
    trade: AssetVector,
    prices: AssetVector,
    gas_cost: float | Float[Array, ""],
    arb_fees: float | Float[Array, ""],
) -> Bool[Array, ""]:
    """Whether an arbitrageur executes `trade`.

    It does if `-sum(D p) - gas_cost >= arb_fees / 2 * sum(|D| p)`: the profit, net of the
    fixed cost, covers the proportional cost of rebalancing elsewhere.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.simulation import arbitrage_profit_test
    >>> trade, prices = jnp.array([1.0, -1.1]), jnp.array([1.0, 1.0])  # profit 0.1
    >>> bool(arbitrage_profit_test(trade, prices, 0.05, 0.0)), bool(
    ...     arbitrage_profit_test(trade, prices, 0.2, 0.0))
    (True, False)
    ```
    """
    profit = -jnp.sum(trade * prices) - gas_cost
    external_cost = 0.5 * arb_fees * jnp.sum(jnp.abs(trade) * prices)
    return profit >= external_cost


def retail_and_protocol_fees(
    before: AssetVector,
    after: AssetVector,
    prices: AssetVector,
    fees: Float[ArrayLike, ""],
    config: SimulationConfig,
) -> AssetVector:
    """The reserves after a phase's trade `after - before` at swap fee `fees`, with retail
    flow and the protocol's share of the swap fee (the reference's static path).

    - Retail (noise) traders, `config.noise_trader_ratio = r > 0`: they pay the pool, net
      of the protocol's share, `r * fees * (1 - protocol_fee_split) * sum(max(D, 0) * p)`
      (the arbitrage's inbound value times `r`), added by scaling every reserve by
      `1 + income / sum(after * p)`, which leaves the pool's quoted prices unchanged.
    - Protocol fee, `config.protocol_fee_split > 0`: the protocol takes
      `max(D, 0) * fees * protocol_fee_split` of the inbound token.

    A phase that does not trade (`D = 0`) earns and pays nothing.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx import SimulationConfig
    >>> from quantamm_eqx.simulation import retail_and_protocol_fees
    >>> before, after, prices = jnp.array([1.0, 1.0]), jnp.array([1.1, 0.91]), jnp.ones(2)
    >>> config = SimulationConfig(protocol_fee_split=0.5)
    >>> reserves = retail_and_protocol_fees(before, after, prices, 0.01, config)
    >>> [round(float(r), 6) for r in reserves]
    [1.0995, 0.91]
    ```
    """
    return charge_fees(before, after, prices, fees, config)[0]


def charge_fees(
    before: AssetVector,
    after: AssetVector,
    prices: AssetVector,
    fees: float | Float[Array, ""],
    config: SimulationConfig,
) -> tuple[AssetVector, Float[Array, ""]]:
    """[`retail_and_protocol_fees`][quantamm_eqx.simulation.retail_and_protocol_fees] and
    the swap fee the trade paid, `fees * sum(max(D, 0) * p)`: `(reserves, fee paid)`."""
    inbound = jnp.maximum(after - before, 0.0)
    paid = fees * jnp.sum(inbound * prices)
    ratio, split = config.noise_trader_ratio, config.protocol_fee_split
    if ratio > 0:
        income = ratio * (1 - split) * paid
        after = after * (1 + income / jnp.sum(after * prices))
    if split > 0:
        after = after - inbound * fees * split
    return after, paid

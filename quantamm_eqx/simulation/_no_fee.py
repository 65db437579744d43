"""Reserves without fees, all minutes at once (SPEC §5, the closed form).

Without fees the arbitrageur's trade has a closed form, and nothing carries from minute to
minute but the pool's value: its log grows by a per-minute term that depends on the
prices and weights alone,

    log V[t] - log V[t-1] = sum(w[t-1] * log(p[t] / p[t-1])) - sum(w[t] * log(w[t] / w[t-1])),

and the reserves are `R[t] = R[0] * (V[t] / V[0]) * (w[t] / w[0]) * (p[0] / p[t])`. So the
whole path is elementwise work and one cumulative sum of a scalar per minute: no scan
over minutes or weight blocks (see `benchmarks/README.md` for what this costs per minute).
"""

import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

from .._custom_types import AssetVector
from ._reserves import _lagged

#: The cumulative sum runs within rows of this many minutes, then over the rows' totals
#: (XLA's CPU cumulative sum of one long vector is several times slower).
CUMSUM_BLOCK = 64


def blocked_cumsum(x: Float[Array, " rows"], block: int = CUMSUM_BLOCK) -> Float[Array, " rows"]:
    """`jnp.cumsum(x)` of a vector, summed within blocks of `block` entries, then the
    blocks' offsets added (the same sums up to rounding, in another order).

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.simulation._no_fee import blocked_cumsum
    >>> blocked_cumsum(jnp.arange(1.0, 8.0), block=3).tolist()
    [1.0, 3.0, 6.0, 10.0, 15.0, 21.0, 28.0]
    ```
    """
    rows = x.shape[0]
    padded = jnp.concatenate([x, jnp.zeros(-rows % block, x.dtype)]).reshape(-1, block)
    within = jnp.cumsum(padded, axis=1)
    # The sums of the blocks before each one (not `cumsum - total`: a NaN stays where it is).
    offsets = jnp.concatenate([jnp.zeros(1, x.dtype), jnp.cumsum(within[:-1, -1])])
    return (within + offsets[:, None]).reshape(-1)[:rows]


#: `log_ratio` sums its series while every `|z| = |a - b| / (a + b)` is at most this; with
#: the terms below, the series' remainder is under a quarter ulp of the result.
SERIES_LIMIT = 0.1
_SERIES_TERMS = {4: 4, 8: 8}  # odd powers summed, by the dtype's size in bytes


@jax.custom_jvp
def log_ratio(a: Float[Array, "*shape"], b: Float[Array, "*shape"]) -> Float[Array, "*shape"]:
    """`log(a / b)` of positive arrays, cheaply when every ratio is near 1.

    Weights move by at most `maximum_change` a minute, so consecutive minutes' weights
    differ by a small fraction. With `z = (a - b) / (a + b)`, `log(a / b) = 2 atanh(z) =
    2 (z + z**3 / 3 + z**5 / 5 + ...)`; when every `|z| <= SERIES_LIMIT` (weights changing
    by less than 22% a minute) 8 terms in float64 (4 in float32) reach the dtype's
    precision, at a fraction of the cost of a logarithm (the CPU's float64 `log` costs
    about 5 ns; `benchmarks/README.md`). Otherwise (a `lax.cond`, so only one branch runs; under
    `vmap` the condition is taken over the whole batch) it is `log(a) - log(b)`. The derivative is
    `da / a - db / b` either way.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.simulation._no_fee import log_ratio
    >>> a, b = jnp.array([0.3, 0.5]), jnp.array([0.301, 0.499])
    >>> bool(jnp.allclose(log_ratio(a, b), jnp.log(a / b), rtol=1e-14))
    True
    >>> bool(jnp.allclose(log_ratio(a, 10 * b), jnp.log(a / (10 * b)), rtol=1e-14))
    True
    ```
    """
    z = (a - b) / (a + b)
    terms = _SERIES_TERMS[jnp.dtype(z.dtype).itemsize]

    def series(z):
        z2 = z * z
        total = jnp.zeros_like(z) + 1.0 / (2 * terms - 1)
        for k in range(terms - 2, -1, -1):
            total = total * z2 + 1.0 / (2 * k + 1)
        return 2 * z * total

    def logs(z):
        return jnp.log(a) - jnp.log(b)

    return lax.cond(_all_near_one(z), series, logs, z)


@jax.custom_batching.custom_vmap
def _all_near_one(z: Array) -> Array:
    """Whether every `|z| <= SERIES_LIMIT`: the series' condition."""
    return jnp.all(jnp.abs(z) <= SERIES_LIMIT)


@_all_near_one.def_vmap
def _all_near_one_batched(axis_size, in_batched, z):
    # Over a batch (e.g. a vmapped population) the answer is for the whole batch, and not
    # batched: `lax.cond` then still runs one branch, where a batched predicate would make
    # it run both and select.
    return _all_near_one(z), False


@log_ratio.defjvp
def _log_ratio_jvp(primals, tangents):
    # d log(a / b) = da / a - db / b: no branch to differentiate through.
    (a, b), (da, db) = primals, tangents
    return log_ratio(a, b), da / a - db / b


def no_fee_reserves(
    weights: Float[Array, "rows asset"],
    prices: Float[Array, "rows asset"],
    initial_reserves: AssetVector,
    initial_weights: AssetVector,
) -> Float[Array, "rows asset"]:
    """The reserves after each minute's fee-free arbitrage (SPEC §5).

    Per minute the arbitrageur first moves the pool to the new prices at the old weights,
    then to the new weights at the new prices; both moves are closed-form, and the pool's
    log value grows by `sum(w[t-1] log(p[t]/p[t-1])) - sum(w[t] log(w[t]/w[t-1]))`.

    **Arguments:**

    - `weights`: the weights in force each minute, row 0 being `initial_weights`.
    - `prices`: the prices each minute; row 0 is the bout's first minute.
    - `initial_reserves`: the reserves before row 0's arbitrage.
    - `initial_weights`: the weights the initial reserves were set at (row -1).

    **Returns:**

    The reserves, one row per minute.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.simulation._no_fee import no_fee_reserves
    >>> weights = jnp.full((2, 2), 0.5)
    >>> prices = jnp.array([[1.0, 1.0], [4.0, 1.0]])
    >>> no_fee_reserves(weights, prices, jnp.ones(2), jnp.full(2, 0.5)).tolist()[1]
    [0.5, 2.0]
    ```
    """
    previous_weights = _lagged(initial_weights, weights)
    log_prices = jnp.log(prices)
    log_price_change = log_prices - _lagged(log_prices[0], log_prices)
    growth = jnp.sum(
        previous_weights * log_price_change - weights * log_ratio(weights, previous_weights),
        axis=-1,
    )
    log_value_ratio = blocked_cumsum(growth)
    # R0 * p0 / w0, constant over the bout; the gradient flows through every factor.
    scale = initial_reserves * prices[0] / initial_weights
    return scale * jnp.exp(log_value_ratio)[:, None] * weights / prices

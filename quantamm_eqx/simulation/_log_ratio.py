"""`log(a / b)` of arrays whose ratios are near 1, by a series (the no-fee path's weights)."""

import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

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
    >>> from quantamm_eqx.simulation._log_ratio import log_ratio
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

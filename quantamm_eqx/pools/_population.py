"""`initial_population`: a stacked population of pools around one pool, for `fit`."""

import inspect
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, PRNGKeyArray

from .._validation import check_key, checked_choice, checked_int, checked_non_negative
from ._base import AbstractTFMMPool, checked_pool
from ._params import ParamSpec
from ._searched import field_at, searched_fields

#: `(stored values, their specs, size, key, scale) -> one (size, *shape) array per field`.
Sampler = Callable[[list[Array], list[ParamSpec], int, PRNGKeyArray, float], list[Array]]


def initial_population(
    pool: AbstractTFMMPool,
    size: int,
    key: PRNGKeyArray,
    *,
    method: str = "gaussian",
    scale: float = 0.3,
) -> AbstractTFMMPool:
    """A stacked population of `size` pools around `pool`, to train with [`fit`][quantamm_eqx.fit].

    The sampled fields are the stored parameters that have a
    [`ParamSpec`][quantamm_eqx.ParamSpec] and are trainable
    ([`trainable_filter`][quantamm_eqx.trainable_filter]), in `pool` and in the pools inside
    it (an [`Ensemble`][quantamm_eqx.Ensemble]'s members and learnable mixing logits, a
    [`BoundedPool`][quantamm_eqx.BoundedPool]'s pool). Every other array (the initial
    weights' logits, the channel's `inverse_scaling`, a `BoundedPool`'s bounds even when
    `learnable`, any field without a `ParamSpec`) is copied unchanged to every member; static
    fields and leaves that are not arrays are shared as they are. Each member keeps each
    field's shape and dtype (float32 or float64).

    - `"gaussian"`: member 0 is `pool` itself; the others are its stored values plus
      `scale` times standard normal noise, element by element (stored space).
    - `"sobol"`: a scrambled Sobol design (`scipy.stats.qmc.Sobol`) over all the sampled
      scalar elements jointly (one dimension per element), mapped uniformly onto each
      spec's search range `[low, high]`. The design's size is the next power of two
      (where Sobol points balance); the first `size` points are used.
    - `"lhs"`: a Latin hypercube design (`scipy.stats.qmc.LatinHypercube`) the same way:
      in every element, each of the `size` equal slices of `[low, high]` holds one member.

    The space-filling designs ignore the pool's values (only its structure, shapes and
    dtypes) and `scale`. The same key gives the same population.

    **Arguments:**

    - `pool`: a single pool (not a stacked population).
    - `size`: the number of members (at least 1).
    - `key`: a JAX random key, typed (`jax.random.key`) or raw (`jax.random.PRNGKey`).
    - `method`: `"gaussian"`, `"sobol"` or `"lhs"`.
    - `scale`: the standard deviation of the `"gaussian"` noise in stored space (finite,
      at least 0), as the reference's `noise_scale`.

    **Returns:**

    The stacked pool: every array field with a leading member axis of length `size`
    (`population_size == size`).

    **Raises:**

    `ValueError` naming the argument for a `pool` that is already a stacked population, a
    `size` below 1, an unknown `method` (listing the names), a `scale` that is negative or
    not finite, or a `key` that is not one random key; `TypeError` (also a `ValueError`) for
    a `pool` that is not a pool or a `scale` that is not a number.

    **Example:**

    ```python
    >>> import jax
    >>> from quantamm_eqx import MomentumPool, initial_population, parameter_specs
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=5.0)
    >>> population = initial_population(pool, 8, jax.random.key(0), method="sobol")
    >>> population.population_size, population.log_k.shape
    (8, (8, 2))
    >>> spec = parameter_specs(pool)["log_k"]
    >>> bool(((population.log_k >= spec.low) & (population.log_k <= spec.high)).all())
    True
    ```
    """
    checked_pool(pool)
    if pool.population_size is not None:
        raise ValueError(
            f"`pool` must be a single pool; got a stacked population of {pool.population_size} "
            "members. Pass one of them, e.g. "
            "`jax.tree_util.tree_map(lambda x: x[0], population)`."
        )
    size = checked_int(size, "size", 1)
    sample = _SAMPLERS[checked_choice(method, "method", tuple(sorted(_SAMPLERS)))]
    scale = checked_non_negative(scale, "scale")
    check_key(key)

    stacked = jax.tree_util.tree_map(lambda leaf: _copies(leaf, size), pool)
    found = searched_fields(pool)
    if not found:  # nothing to sample: `size` copies
        return stacked
    paths, specs = zip(*found, strict=True)
    values = sample([field_at(pool, path) for path in paths], list(specs), size, key, scale)
    return eqx.tree_at(lambda tree: [field_at(tree, path) for path in paths], stacked, values)


def _copies(leaf: object, size: int) -> object:
    """An array leaf repeated along a new leading member axis; any other leaf as it is."""
    return jnp.broadcast_to(leaf, (size, *jnp.shape(leaf))) if eqx.is_array(leaf) else leaf


def _gaussian(
    values: list[Array], specs: list[ParamSpec], size: int, key: PRNGKeyArray, scale: float
) -> list[Array]:
    """Member 0: the values; the others: the values plus `scale * N(0, 1)`."""
    del specs
    sampled = []
    for value, subkey in zip(values, jax.random.split(key, len(values)), strict=True):
        noise = jax.random.normal(subkey, (size - 1, *value.shape), value.dtype)
        sampled.append(jnp.concatenate([value[None], value + scale * noise]))
    return sampled


def _sobol(
    values: list[Array], specs: list[ParamSpec], size: int, key: PRNGKeyArray, scale: float
) -> list[Array]:
    """A scrambled Sobol design of the next power of two points; its first `size`."""
    del scale

    def design(qmc, dimensions, rng):
        engine = _engine(qmc.Sobol, dimensions, rng, scramble=True)
        return engine.random_base2(max(size - 1, 0).bit_length())[:size]

    return _space_filling(design, values, specs, key)


def _latin_hypercube(
    values: list[Array], specs: list[ParamSpec], size: int, key: PRNGKeyArray, scale: float
) -> list[Array]:
    """A Latin hypercube design: one member in each of `size` slices of every element."""
    del scale

    def design(qmc, dimensions, rng):
        return _engine(qmc.LatinHypercube, dimensions, rng).random(size)

    return _space_filling(design, values, specs, key)


def _space_filling(
    design: Callable, values: list[Array], specs: list[ParamSpec], key: PRNGKeyArray
) -> list[Array]:
    """`design`'s points in [0, 1) (one dimension per scalar element), mapped onto the
    specs' ranges and split back into the fields' shapes and dtypes."""
    from scipy.stats import qmc  # imported here: scipy.stats takes a while to import

    rng = np.random.default_rng(np.asarray(jax.random.key_data(key)))
    points = design(qmc, sum(value.size for value in values), rng)
    sampled, start = [], 0
    for value, spec in zip(values, specs, strict=True):
        unit = points[:, start : start + value.size].reshape(-1, *value.shape)
        start += value.size
        stored = spec.low + unit * (spec.high - spec.low)
        sampled.append(jnp.asarray(stored, dtype=value.dtype))
    return sampled


def _engine(cls: type, dimensions: int, rng: np.random.Generator, **options: object) -> object:
    """A scipy QMC engine seeded by `rng` (`rng=` since scipy 1.15, `seed=` before)."""
    keyword = "rng" if "rng" in inspect.signature(cls).parameters else "seed"
    return cls(dimensions, **options, **{keyword: rng})


#: The sampling methods by name.
_SAMPLERS: dict[str, Sampler] = {
    "gaussian": _gaussian,
    "sobol": _sobol,
    "lhs": _latin_hypercube,
}

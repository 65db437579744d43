"""Populations across devices and hosts, and the progress bar, for [`fit`][quantamm_eqx.fit]."""

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from jaxtyping import Array, PyTree

from ..pools import AbstractTFMMPool


def to_host(array: Array) -> np.ndarray:
    """A NumPy copy of `array`, gathered from every host when sharded across several."""
    if isinstance(array, jax.Array) and not array.is_fully_addressable:
        return np.asarray(multihost_utils.process_allgather(array, tiled=True))
    return np.asarray(array)


def member(pool: AbstractTFMMPool, index: int, population: bool) -> AbstractTFMMPool:
    """Member `index` of a stacked population (gathered to this host), or `pool` itself."""
    if not population:
        return pool

    def pick(leaf: Array) -> Array:
        if leaf.is_fully_addressable:
            return leaf[index]
        return jnp.asarray(to_host(leaf)[index])  # sharded across hosts: gather it first

    return jax.tree_util.tree_map(pick, pool)


def member_sharding(mesh: Mesh) -> NamedSharding:
    """Split the leading (population) axis over every device of `mesh`."""
    return NamedSharding(mesh, PartitionSpec(mesh.axis_names))


def shard(
    pool: AbstractTFMMPool, prices: Array, mesh: Mesh, population: bool
) -> tuple[AbstractTFMMPool, Array]:
    """Place a population's members across `mesh` and replicate the prices on it.

    **Raises:**

    `ValueError` for a single pool, or a population that does not divide over the devices.
    """
    if not population:
        raise ValueError(
            "`mesh` shards a population: pass a stacked pool (every field with a leading "
            "population axis, e.g. `jax.tree_util.tree_map(lambda *x: jnp.stack(x), *pools)`), "
            "or drop `mesh`."
        )
    size = pool.initial_weights_logits.shape[0]
    if size % mesh.size:
        raise ValueError(
            f"The population of {size} does not divide over the mesh's {mesh.size} devices: "
            "use a multiple of the device count."
        )
    pool = jax.device_put(pool, member_sharding(mesh))
    return pool, jax.device_put(prices, NamedSharding(mesh, PartitionSpec()))


def shard_members(tree: PyTree, mesh: Mesh | None) -> PyTree:
    """`tree` (per-member state) split over `mesh` like the population, or as is."""
    return tree if mesh is None else jax.device_put(tree, member_sharding(mesh))


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def set_postfix(self, **kwargs: object) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int, enabled: bool):
    """A `tqdm` bar of `total` steps, or one that shows nothing."""
    if not enabled:
        return _NoProgress()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="fit", unit="step")

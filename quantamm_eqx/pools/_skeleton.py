"""Template pools of a registered class built from field shapes and dtypes (for loading
saved parameters without a `like`)."""

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._gradient_pool import AbstractGradientPool
from ._registry import pool_class


def pool_skeleton(
    name: str,
    fields: Mapping[str, tuple[Sequence[int], str]],
    static: Mapping[str, Any] | None = None,
) -> AbstractGradientPool:
    """A pool of the class registered as `name`, with array fields of given shapes and dtypes.

    Every array is the field's default, or ones (which every registered pool accepts): a
    template to fill, e.g. with
    `eqx.tree_deserialise_leaves` (what [`load_pool`][quantamm_eqx.load_pool] does). Shapes
    with a leading member axis (a 2-D `initial_weights_logits`) give a stacked population,
    as [`fit`][quantamm_eqx.fit] trains.

    **Arguments:**

    - `name`: a key of [`POOLS`][quantamm_eqx.pools.POOLS].
    - `fields`: each array field's `(shape, dtype name)`, e.g. `{"log_k": ((3,), "float64")}`;
      a field with a default (the channel's `inverse_scaling`) may be left out.
    - `static`: the values of the class's static fields, if it has any.

    **Returns:**

    The pool.

    **Raises:**

    `ValueError` for an unknown name, fields the class does not have or lacks, a dtype that is
    not floating, or a 64-bit dtype while JAX runs in 32 bits.

    **Example:**

    ```python
    >>> from quantamm_eqx.pools import pool_skeleton
    >>> shapes = {"log_k": (3,), "logit_lamb": (1,), "logit_delta_lamb": (1,),
    ...           "initial_weights_logits": (3,)}
    >>> pool = pool_skeleton("momentum", {k: (s, "float32") for k, s in shapes.items()})
    >>> pool.n_assets, pool.log_k.dtype.name
    (3, 'float32')
    ```
    """
    cls = pool_class(name)
    static = {} if static is None else dict(static)
    declared = {field.name: field for field in dataclasses.fields(cls)}
    arrays = {key for key, field in declared.items() if not field.metadata.get("static", False)}
    unknown = sorted((fields.keys() - arrays) | (static.keys() - (declared.keys() - arrays)))
    missing = sorted(
        key
        for key in declared.keys() - fields.keys() - static.keys()
        if declared[key].default is dataclasses.MISSING
        and declared[key].default_factory is dataclasses.MISSING
    )
    if unknown or missing:
        raise ValueError(
            f"a {cls.__name__} ({name!r}) has the fields {sorted(declared)}: "
            f"{f'unknown {unknown}' if unknown else ''}"
            f"{'; ' if unknown and missing else ''}{f'missing {missing}' if missing else ''}."
        )
    layout = {key: _checked_layout(key, shape, dtype) for key, (shape, dtype) in fields.items()}
    # A stacked population (as `fit` takes): the initial weights' logits are 2-D and every
    # field has the same leading (member) axis. Build one member, then broadcast it.
    logits = layout.get("initial_weights_logits", ((),))[0]
    members = logits[0] if len(logits) == 2 else None
    if members is not None:
        if any(shape[:1] != (members,) for shape, _ in layout.values()):
            raise ValueError(
                f"a population of {members} members needs every field with a leading axis of "
                f"{members}; got { {key: shape for key, (shape, _) in layout.items()} }."
            )
        layout = {key: (shape[1:], dtype) for key, (shape, dtype) in layout.items()}
    values = {key: _filled(declared[key], *spec) for key, spec in layout.items()}
    pool = cls(**values, **static)
    if members is None:
        return pool
    return jax.tree_util.tree_map(lambda leaf: jnp.broadcast_to(leaf, (members, *leaf.shape)), pool)


def _checked_layout(key: str, shape: Any, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    """`(shape, dtype)` as a tuple of ints and a floating dtype JAX gives, else `ValueError`."""
    try:
        dtype = np.dtype(dtype)
        shape = tuple(int(size) for size in shape)
    except (TypeError, ValueError) as error:
        raise ValueError(f"`{key}`: not a shape and dtype: {shape!r}, {dtype!r}.") from error
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"`{key}`: the dtype must be floating; got {dtype.name}.")
    if jax.dtypes.canonicalize_dtype(dtype) != dtype:
        raise ValueError(
            f"`{key}` is {dtype.name}, which JAX gives only in 64-bit mode: switch JAX to "
            "64-bit precision before loading (the library leaves precision to you)."
        )
    return shape, dtype


def _filled(field: dataclasses.Field, shape: tuple[int, ...], dtype: np.dtype) -> jax.Array:
    """An array of `shape`: the field's default where it broadcasts, else ones."""
    if field.default is not dataclasses.MISSING:
        try:
            return jnp.asarray(np.broadcast_to(np.asarray(field.default, dtype), shape))
        except (TypeError, ValueError):
            pass
    return jnp.ones(shape, dtype)

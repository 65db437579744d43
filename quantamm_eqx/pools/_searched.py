"""The stored fields a sampler or a search varies: trainable, with a `ParamSpec`."""

import dataclasses

import equinox as eqx

from ._params import ParamSpec, trainable_filter

#: A field's place in a pool: attribute names and tuple indices, outermost first.
FieldPath = tuple[str | int, ...]


def searched_fields(pool: eqx.Module) -> list[tuple[FieldPath, ParamSpec]]:
    """Where `pool`'s searchable parameters are, and their specs.

    They are the inexact array fields with a [`ParamSpec`][quantamm_eqx.ParamSpec] that
    [`trainable_filter`][quantamm_eqx.trainable_filter] marks trainable, in `pool` and in
    the pools inside it (an `Ensemble`'s members, a `BoundedPool`'s pool). Read one with
    [`field_at`][quantamm_eqx.pools.field_at].

    **Example:**

    ```python
    >>> from quantamm_eqx import MomentumPool
    >>> from quantamm_eqx.pools import searched_fields
    >>> [(path, spec.low, spec.high) for path, spec in searched_fields(
    ...     MomentumPool.from_memory_days(n_assets=2))][:1]
    [(('log_k',), -6.6, 12.0)]
    ```
    """
    return _fields(pool, trainable_filter(pool), ())


def field_at(tree: object, path: FieldPath) -> object:
    """The field of `tree` at `path` (from [`searched_fields`][quantamm_eqx.pools.searched_fields]).

    **Example:**

    ```python
    >>> from quantamm_eqx import MomentumPool
    >>> from quantamm_eqx.pools import field_at
    >>> field_at(MomentumPool.from_memory_days(n_assets=2), ("log_k",)).shape
    (2,)
    ```
    """
    for step in path:
        tree = tree[step] if isinstance(step, int) else getattr(tree, step)  # type: ignore[index]
    return tree


def _fields(module: object, mask: object, path: FieldPath) -> list[tuple[FieldPath, ParamSpec]]:
    if isinstance(module, tuple):
        return [
            found
            for index, (item, sub) in enumerate(zip(module, mask, strict=True))
            for found in _fields(item, sub, (*path, index))
        ]
    if not isinstance(module, eqx.Module):
        return []
    found = []
    for field in dataclasses.fields(module):
        value = getattr(module, field.name, None)
        if value is None or field.metadata.get("static", False):
            continue
        spec, sub = field.metadata.get("param_spec"), getattr(mask, field.name)
        if spec is not None and eqx.is_inexact_array(value) and sub is True:
            found.append(((*path, field.name), spec))
        elif isinstance(value, eqx.Module | tuple):
            found.extend(_fields(value, sub, (*path, field.name)))
    return found

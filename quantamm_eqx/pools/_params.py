"""Stored pool parameters: field declarations with metadata, and what is read from it."""

import dataclasses
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, PyTree

from .._validation import ArgumentTypeError


class ParamSpec(NamedTuple):
    """What a stored (unconstrained) pool parameter is, and where to search for it.

    - `description`: what the parameter controls, and through which transform;
    - `low`, `high`: the search range in *stored* space (the reference's hyperparameter
      search ranges), for samplers and hyperparameter search;
    - `initial`: the reference's default initial value, in stored space;
    - `trainable`: whether gradient training updates it by default;
    - `saturation`: the working range in stored space, or None for none. The rule reads a
      stored value outside it as the nearest end (see
      [`saturate`][quantamm_eqx.pools.saturate]), so every finite value gives a valid pool
      with finite values and gradients: a training step that overshoots lands on the edge
      instead of crashing the run. The ranges are orders of magnitude wider than any useful
      setting.
    """

    description: str
    low: float
    high: float
    initial: float
    trainable: bool = True
    saturation: tuple[float, float] | None = None


#: Decays are read from logits in [-40, 40]: `sigmoid(-40) = 4e-18` (a memory of well
#: under a minute) is still a normal float32, so the estimator never divides by zero.
LOGIT_SATURATION = (-40.0, 40.0)
LOGIT_LAMB = ParamSpec(
    "EWMA decay: lamb = sigmoid(logit_lamb) (memory length)",
    -4.0,
    8.0,
    4.0,
    saturation=LOGIT_SATURATION,
)
LOGIT_DELTA_LAMB = ParamSpec(
    "offset of the alternative decay: alt_lamb = sigmoid(logit_lamb + logit_delta_lamb), "
    "the sum read within [-40, 40]",
    -5.0,
    5.0,
    0.0,
)
INITIAL_WEIGHTS_LOGITS = ParamSpec(
    "starting weights: softmax(initial_weights_logits); never trained", -10.0, 10.0, 1.0, False
)


def saturate(value: ArrayLike, spec: ParamSpec) -> Array:
    """`value` clipped to `spec.saturation` (unchanged when the spec has none).

    A hard clip: the gradient is zero beyond the range, and inside it the value is exactly
    the stored one, so results there are unchanged. Infinite values land on the ends.

    **Arguments:**

    - `value`: stored parameter values, any shape.
    - `spec`: the parameter's [`ParamSpec`][quantamm_eqx.ParamSpec].

    **Returns:**

    The saturated values, same shape.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx import MomentumPool, parameter_specs
    >>> from quantamm_eqx.pools import saturate
    >>> spec = parameter_specs(MomentumPool)["log_k"]
    >>> spec.saturation
    (-64.0, 32.0)
    >>> saturate(jnp.array([1e300, 3.0, -1e300]), spec).tolist()
    [32.0, 3.0, -64.0]
    ```
    """
    value = jnp.asarray(value)
    if spec.saturation is None:
        return value
    low, high = spec.saturation
    return jnp.clip(value, low, high)


def _as_parameter_array(value: ArrayLike | list | tuple) -> Array:
    if value is None or isinstance(value, str | bytes):
        raise ArgumentTypeError(f"A pool parameter must be an array of numbers; got {value!r}.")
    try:
        array = jnp.asarray(value)
    except (TypeError, ValueError) as error:
        raise ArgumentTypeError(
            f"A pool parameter must be an array of numbers; got {value!r}."
        ) from error
    if not jnp.issubdtype(array.dtype, jnp.floating):
        array = array.astype(jnp.result_type(float))
    return array


def parameter(spec: ParamSpec, *, default: float | None = None) -> Any:
    """Declare a stored per-asset parameter field, with its `ParamSpec` as metadata.

    With a `default`, the field may be omitted and is then the length-1 (shared) vector
    `[default]`; such fields must come after those without one. Declare a custom rule's
    parameters with it so that [`parameter_specs`][quantamm_eqx.parameter_specs] and
    [`trainable_filter`][quantamm_eqx.trainable_filter] (hence [`fit`][quantamm_eqx.fit])
    know them.

    **Arguments:**

    - `spec`: the parameter's [`ParamSpec`][quantamm_eqx.ParamSpec].
    - `default`: an optional default value (stored space), shared by all assets.

    **Returns:**

    An `equinox.field` converting its value to a floating array.

    **Example:**

    ```python
    >>> import equinox as eqx
    >>> import jax.numpy as jnp
    >>> from jaxtyping import Array, Float
    >>> from quantamm_eqx import ParamSpec, parameter_specs
    >>> from quantamm_eqx.pools import parameter
    >>> class Scale(eqx.Module):
    ...     log_k: Float[Array, "#asset"] = parameter(ParamSpec("k = exp(log_k)", -2, 2, 0.0))
    >>> list(parameter_specs(Scale)), Scale(log_k=[1]).log_k.dtype.kind
    (['log_k'], 'f')
    ```
    """
    metadata = {"param_spec": spec}
    if default is None:
        return eqx.field(converter=_as_parameter_array, metadata=metadata)
    return eqx.field(converter=_as_parameter_array, metadata=metadata, default=(default,))


def parameter_specs(pool: eqx.Module | type[eqx.Module]) -> dict[str, ParamSpec]:
    """The stored parameters of a pool (or pool class) with their descriptions and ranges.

    **Arguments:**

    - `pool`: a pool instance or class, e.g. `MomentumPool`.

    **Returns:**

    A dict from field name to [`ParamSpec`][quantamm_eqx.ParamSpec], in field order.

    **Example:**

    ```python
    >>> from quantamm_eqx import MomentumPool, parameter_specs
    >>> spec = parameter_specs(MomentumPool)["log_k"]
    >>> spec.low, spec.high, spec.trainable
    (-6.6, 12.0, True)
    ```
    """
    return {
        field.name: field.metadata["param_spec"]
        for field in dataclasses.fields(pool)
        if "param_spec" in field.metadata
    }


def trainable_filter(pool: eqx.Module) -> PyTree[bool]:
    """A filter spec marking the pool's trainable parameters (for `eqx.partition`, optimisers).

    Stored parameters whose [`ParamSpec`][quantamm_eqx.ParamSpec] says `trainable=False`
    (the initial weights' logits, the channel's `inverse_scaling`) are `False`, as are a
    [`BoundedPool`][quantamm_eqx.BoundedPool]'s bounds unless it is `learnable`; every other
    array leaf is `True`. Pools inside pools (an ensemble's members, a bounded pool's pool)
    are marked the same way.

    **Arguments:**

    - `pool`: a pool (or a stacked batch of pools).

    **Returns:**

    A pytree of bools with the structure of `pool`.

    **Example:**

    ```python
    >>> import equinox as eqx
    >>> from quantamm_eqx import MomentumPool, trainable_filter
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=5.0, k_per_day=10.0)
    >>> params, frozen = eqx.partition(pool, trainable_filter(pool))
    >>> params.initial_weights_logits is None, frozen.initial_weights_logits is None
    (True, False)
    ```
    """
    return _mark_frozen(pool, jax.tree_util.tree_map(eqx.is_inexact_array, pool))


def _frozen(field: dataclasses.Field, module: eqx.Module) -> bool:
    spec = field.metadata.get("param_spec")
    if spec is not None and not spec.trainable:
        return True
    flag = field.metadata.get("trainable_if")
    return flag is not None and not getattr(module, flag)


def _mark_frozen(module: Any, mask: Any) -> Any:
    """`mask` with the frozen fields of `module`, and of modules inside it, set to False."""
    if isinstance(module, tuple):
        return tuple(_mark_frozen(item, sub) for item, sub in zip(module, mask, strict=True))
    if not isinstance(module, eqx.Module):
        return mask
    for field in dataclasses.fields(module):
        value = getattr(module, field.name, None)
        if value is None or field.metadata.get("static", False):
            continue
        if _frozen(field, module):
            new = jax.tree_util.tree_map(lambda _: False, getattr(mask, field.name))
        elif isinstance(value, eqx.Module | tuple):
            new = _mark_frozen(value, getattr(mask, field.name))
        else:
            continue
        mask = eqx.tree_at(lambda tree, name=field.name: getattr(tree, name), mask, new)
    return mask

"""Input checks shared by the public functions.

A value check raises `ValueError` naming the offending argument when its input is concrete
(the eager path, or a NumPy constant seen while tracing), and wraps the input in
`equinox.error_if` with the same message when it is traced (under `jit`, `grad` or `vmap`),
so the error still surfaces at run time. Shape checks are static and always raise
`ValueError`.
"""

import types

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer
from jax.typing import DTypeLike
from jaxtyping import Array, ArrayLike


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type. A `TypeError`, and a `ValueError` like the library's
    other input errors, so code catching either sees it."""


def checked_instance(value: object, expected: type | types.UnionType, name: str, hint: str):
    """`value` if it is an instance of `expected`, else `ArgumentTypeError` naming `name`
    and what to pass (`hint`, e.g. "a SimulationConfig, e.g. SimulationConfig()")."""
    if not isinstance(value, expected):
        raise ArgumentTypeError(f"`{name}` must be {hint}; got {type(value).__name__}.")
    return value


def checked_choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    """Return `value` if it is one of `choices`, else raise `ValueError` naming `name`."""
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {choices}; got {value!r}.")
    return value  # type: ignore[return-value]


def checked_int(value: object, name: str, minimum: int) -> int:
    """`value` as a Python `int` of at least `minimum`, else `ValueError` naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def is_traced(x: object) -> bool:
    """Whether `x` is a JAX tracer, i.e. its values are unknown until run time."""
    return isinstance(x, Tracer)


def as_float_array(x: ArrayLike, name: str, integer_dtype: DTypeLike | None = None) -> Array:
    """Convert `x` to a JAX array of floating dtype.

    Integer and boolean inputs become `integer_dtype` if given, else the default floating
    dtype (float32, or float64 when x64 is enabled); floating inputs keep their precision,
    which must be at least 32 bits (float16 and bfloat16 are refused: they overflow).
    """
    refusal = f"`{name}` must be array-like of numbers; got {type(x).__name__}."
    if x is None or isinstance(x, str | bytes):
        raise ArgumentTypeError(refusal)
    try:
        array = jnp.asarray(x)
    except (TypeError, ValueError) as error:
        raise ArgumentTypeError(refusal) from error
    if jnp.issubdtype(array.dtype, jnp.complexfloating):
        raise ValueError(f"`{name}` must be real-valued; got dtype {array.dtype}.")
    if not jnp.issubdtype(array.dtype, jnp.floating):
        array = array.astype(jnp.result_type(float) if integer_dtype is None else integer_dtype)
    if jnp.finfo(array.dtype).bits < 32:
        raise ValueError(
            f"`{name}` is {array.dtype}: quantamm_eqx computes in float32 or float64 (in "
            f"{array.dtype} a pool's value and the estimator's lamb / (1 - lamb)**3 overflow to "
            "inf). Cast it, e.g. `x.astype(jnp.float32)` (a pool: "
            "`jax.tree_util.tree_map(lambda x: x.astype(jnp.float32), pool)`)."
        )
    return array


def check_ndim(array: Array, name: str, ndim: int, layout: str) -> None:
    """Raise `ValueError` unless `array.ndim == ndim`."""
    if array.ndim != ndim:
        raise ValueError(
            f"`{name}` must be {ndim}-dimensional with layout ({layout}); "
            f"got shape {tuple(array.shape)}."
        )


def check_values(array: Array, ok: ArrayLike, name: str, requirement: str, hint: str = "") -> Array:
    """Check that `ok` (a boolean array broadcastable with `array`) holds everywhere.

    Eager: raise `ValueError("`name` must <requirement>; found <value> at index <i> ...")`.
    Traced: return `array` wrapped in `equinox.error_if` with the same message; callers
    must use the returned array so that the check is not optimised away.
    """
    message = f"`{name}` must {requirement}"
    if is_traced(array) or is_traced(ok):
        return eqx.error_if(array, ~jnp.all(ok), message + ".")
    bad = ~np.atleast_1d(np.asarray(ok))
    if bad.any():
        values = np.broadcast_to(np.atleast_1d(np.asarray(array)), bad.shape)
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        shown = index[0] if len(index) == 1 else index
        raise ValueError(
            f"{message}; found {float(values[index])!r} at index {shown} "
            f"({int(bad.sum())} bad entries in all).{hint}"
        )
    return array


def check_positive_finite(array: Array, name: str) -> Array:
    """Check that every entry of `array` is finite and strictly positive (prices)."""
    values = _known(array)
    return check_values(
        array,
        _xp(values).isfinite(values) & (values > 0),
        name,
        "contain only finite, strictly positive values",
        " Clean or fill the data first.",
    )


def check_open_unit_interval(array: Array, name: str) -> Array:
    """Check that every entry of `array` lies strictly inside (0, 1) (decay factors)."""
    values = _known(array)
    return check_values(array, (values > 0) & (values < 1), name, "lie strictly inside (0, 1)")


def check_finite_non_negative(array: Array, name: str) -> Array:
    """Check that every entry of `array` is finite and at least 0 (memory lengths)."""
    values = _known(array)
    return check_values(
        array, _xp(values).isfinite(values) & (values >= 0), name, "be finite and non-negative"
    )


def _known(array: Array) -> Array | np.ndarray:
    """`array` as NumPy when its values are known (not traced): under a caller's `jit`,
    `jnp` operations on a closed-over array are staged into the program, so a check of
    known values would run (and be compiled) at every call instead of once, now."""
    return array if is_traced(array) else np.asarray(array)


def _xp(values: object):
    """The array namespace of `values`: `jax.numpy` for tracers, else NumPy."""
    return jnp if is_traced(values) else np


def check_broadcastable(array: Array, name: str, n_assets: int) -> None:
    """Raise `ValueError` unless `array` is a scalar or a vector of length 1 or `n_assets`."""
    if array.ndim > 1 or (array.ndim == 1 and array.shape[0] not in (1, n_assets)):
        raise ValueError(
            f"`{name}` must be a scalar or a vector of length 1 or n_assets={n_assets}; "
            f"got shape {tuple(array.shape)}."
        )


def checked_prices(prices: ArrayLike, name: str = "prices", pool: object = None) -> Array:
    """`prices` as a floating `(time, n_assets)` array of finite, positive values.

    With `pool`, also check that the pool's parameters have the prices' precision; integer
    or boolean prices (which carry none) take the pool's.
    """
    leaves = jax.tree_util.tree_leaves(eqx.filter(pool, eqx.is_inexact_array))
    narrow = sorted({str(leaf.dtype) for leaf in leaves if jnp.finfo(leaf.dtype).bits < 32})
    if narrow:
        raise ValueError(
            f"The pool's parameters are {' and '.join(narrow)}: quantamm_eqx computes in "
            "float32 or float64 (narrower floats overflow to inf). Cast the pool, e.g. "
            "`jax.tree_util.tree_map(lambda x: x.astype(jnp.float32), pool)`, and the prices."
        )
    array = as_float_array(prices, name, leaves[0].dtype if leaves else None)
    check_ndim(array, name, 2, "time, asset")
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(
            f"`{name}` must have at least one row and one column; got shape {array.shape}."
        )
    dtypes = sorted({str(leaf.dtype) for leaf in leaves})
    if dtypes and dtypes != [str(array.dtype)]:
        raise ValueError(
            f"The pool's parameters are {' and '.join(dtypes)} but `{name}` is "
            f"{array.dtype}: use one precision for both, e.g. `{name}.astype(...)`, or "
            "`jax.tree_util.tree_map(lambda x: x.astype(dtype), pool)` for the pool."
        )
    return check_positive_finite(array, name)


def checked_price(price: ArrayLike, name: str, n_assets: int | None = None) -> Array:
    """`price` as a floating `(n_assets,)` vector of finite, positive values."""
    array = as_float_array(price, name)
    check_ndim(array, name, 1, "asset")
    if n_assets is not None and array.shape[0] != n_assets:
        raise ValueError(
            f"`{name}` must have one entry per asset (n_assets={n_assets}); "
            f"got shape {array.shape}."
        )
    return check_positive_finite(array, name)


def checked_decay(lamb: ArrayLike, name: str, n_assets: int, dtype: jnp.dtype) -> Array:
    """`lamb` as a scalar or per-asset vector of the prices' dtype, strictly inside (0, 1)."""
    array = as_float_array(lamb, name).astype(dtype)
    check_broadcastable(array, name, n_assets)
    return check_open_unit_interval(array, name)


def check_key(key: object) -> None:
    """A JAX random key: typed (`jax.random.key`) or raw (`jax.random.PRNGKey`); else an
    error naming `key`."""
    message = f"`key` must be one JAX random key, e.g. jax.random.key(0); got {key!r}."
    if not isinstance(key, jax.Array):
        raise ArgumentTypeError(message)
    typed = jnp.issubdtype(key.dtype, jax.dtypes.prng_key) and key.shape == ()
    raw = key.dtype == jnp.uint32 and key.shape == (2,)
    if not (typed or raw):
        raise ValueError(message)


def checked_non_negative(value: object, name: str) -> float:
    """`value` as a float if it is a finite number >= 0, else an error naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise ArgumentTypeError(f"`{name}` must be a number >= 0; got {type(value).__name__}.")
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"`{name}` must be finite and >= 0; got {value!r}.")
    return float(value)

"""Transforms between stored (unconstrained) parameters and the values rules use.

Every function here is element-wise, pure, and safe under `jit`, `vmap` and `grad`, in
float32 and float64. Their inputs may be NumPy arrays, JAX arrays or Python numbers.
See SPEC §1 for the definitions.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import FloatArray, RealLike
from .._validation import as_float_array, check_finite_non_negative, check_values, is_traced

_MINUTES_PER_DAY = 1440.0
# Below this scaled memory x = 1440 m / (2 chunk_period), lamb = x**3 / 6 to working
# precision (the next term is relatively 3 s = x**3 / 2 < 1e-18).
_TINY_SCALED_MEMORY = 1e-6


def _checked_chunk_period(chunk_period: RealLike) -> RealLike:
    """Validate `chunk_period`; Python numbers stay Python numbers (weakly typed)."""
    if isinstance(chunk_period, int | float):
        if not chunk_period > 0:
            raise ValueError(f"`chunk_period` must be positive (minutes); got {chunk_period!r}.")
        return chunk_period
    array = as_float_array(chunk_period, "chunk_period")
    return check_values(array, array > 0, "chunk_period", "be positive (minutes)")


def lamb_to_memory_days(lamb: RealLike, chunk_period: RealLike) -> FloatArray:
    """Memory length in days of an EWMA with decay `lamb` updated every `chunk_period` minutes.

    `memory_days = cbrt(6 * lamb / (1 - lamb)**3) * 2 * chunk_period / 1440` (SPEC §1).

    **Arguments:**

    - `lamb`: decay factors in [0, 1), any shape.
    - `chunk_period`: minutes between estimator updates.

    **Returns:**

    Memory lengths in days, same shape as `lamb` (0 at `lamb == 0`).

    **Example:**

    ```python
    >>> from quantamm_eqx.transforms import lamb_to_memory_days, memory_days_to_lamb
    >>> lamb = memory_days_to_lamb(10.0, chunk_period=1440)
    >>> round(float(lamb_to_memory_days(lamb, chunk_period=1440)), 9)
    10.0
    ```
    """
    lamb = as_float_array(lamb, "lamb")
    chunk_period = _checked_chunk_period(chunk_period)
    return jnp.cbrt(6 * lamb / ((1 - lamb) ** 3.0)) * 2 * chunk_period / _MINUTES_PER_DAY


def memory_days_to_lamb(memory_days: RealLike, chunk_period: RealLike) -> FloatArray:
    """The decay `lamb` whose memory is `memory_days`: the inverse of `lamb_to_memory_days`.

    Solves `lamb / (1 - lamb)**3 = s` with `s = (1440 * memory_days / (2 * chunk_period))**3 / 6`
    in closed form (Cardano). The reference evaluates the same root as
    `A / (cbrt(2) 3**(2/3) s) - cbrt(2/3) / A + 1` (SPEC §1), which cancels catastrophically
    for long memories (relative error 4e-6 in `1 - lamb` at 365 days and a 60-minute
    chunk, and infinity at a 1-minute chunk). This function evaluates the root as
    `y = 1 - lamb = 1 / (z + 1/3 + 1/(9 z))` with `z = cbrt(s T**2)`,
    `sqrt(s) T = sqrt(s)/2 + sqrt(s/4 + 1/27)`: every term is positive, so the result
    is accurate to a few ulps for every non-negative day count, in float32 and float64,
    and its gradient is finite everywhere (0 at 0 days).

    **Arguments:**

    - `memory_days`: memory lengths in days, non-negative, any shape.
    - `chunk_period`: minutes between estimator updates.

    **Returns:**

    Decay factors in [0, 1), same shape as `memory_days`; exactly 0 where `memory_days == 0`.
    (A memory so long that `1 - lamb` is below the dtype's resolution rounds to 1, e.g. a
    million days at a 1-minute chunk in float32.)

    **Raises:**

    `ValueError` if a memory length is negative or not finite, or `chunk_period` is not positive.

    **Example:**

    ```python
    >>> from quantamm_eqx.transforms import memory_days_to_lamb
    >>> round(float(memory_days_to_lamb(10.0, chunk_period=1440)), 6)
    0.680361
    >>> float(memory_days_to_lamb(0.0, chunk_period=60))
    0.0
    ```
    """
    memory_days = check_finite_non_negative(
        as_float_array(memory_days, "memory_days"), "memory_days"
    )
    chunk_period = _checked_chunk_period(chunk_period)
    return _lamb_root(memory_days, chunk_period, jnp).astype(memory_days.dtype)


def _lamb_root(memory_days, chunk_period, xp):
    """[`memory_days_to_lamb`][quantamm_eqx.transforms.memory_days_to_lamb]'s root, with
    the array namespace `xp` (`jax.numpy`, or NumPy for known values)."""
    x = _MINUTES_PER_DAY * memory_days / (2.0 * chunk_period)
    s = x**3 / 6.0
    # Tiny memories (0 days included): lamb = s - 3 s**2 + ... = s to working precision.
    # Keeping them out of the root also keeps sqrt away from 0, where its slope is infinite.
    tiny = x < _TINY_SCALED_MEMORY
    x_root = xp.where(tiny, 1.0, x)
    s_root = x_root**3 / 6.0
    w = 0.5 * x_root * xp.sqrt(x_root / 6.0) + xp.sqrt(0.25 * s_root + 1.0 / 27.0)
    z = xp.cbrt(w * w)
    y = 1.0 / (z + 1.0 / 3.0 + 1.0 / (9.0 * z))
    # lamb = 1 - y = s y**3: use whichever form does not cancel.
    lamb = xp.where(y < 0.5, 1.0 - y, s_root * y**3)
    return xp.where(tiny, s, lamb)


def _reference_closed_form(memory_days: float, chunk_period: float) -> float:
    """SPEC §1's closed form as the reference evaluates it: Python float64 arithmetic.

    The reference's configuration holds `max_memory_days` as a Python number, so its
    polynomial in `s` is computed with Python's `**`; the form cancels catastrophically for
    long memories and its result depends on exactly that rounding. May return inf or NaN.
    """
    s = (_MINUTES_PER_DAY * memory_days / (2.0 * chunk_period)) ** 3 / 6.0
    try:
        a = math.cbrt(math.sqrt(3 * (27 * s**4 + 4 * s**3)) - 9 * s**2)
        return a / (math.cbrt(2.0) * 3 ** (2.0 / 3.0) * s) - math.cbrt(2.0 / 3.0) / a + 1.0
    except (ZeroDivisionError, OverflowError, ValueError):
        return math.nan


#: The reference's value of the lambda cap is used while its `1 - lamb` is within this
#: relative distance of the exact root (see `max_lamb`).
_REFERENCE_CAP_RTOL = 1e-3


def max_lamb(max_memory_days: RealLike, chunk_period: RealLike) -> FloatArray:
    """The largest decay allowed by a memory cap of `max_memory_days` (SPEC §1's lambda cap).

    Rules clip `lamb` (and the alternative lambda) to `[0, max_lamb]` before the estimator
    runs, and where the cap binds the estimator's output is sensitive to its last bits (a
    cap that differs by 2e-13 moves gradients by 1e-9, relative). For parity with the
    reference, when `max_memory_days` and `chunk_period` are concrete numbers (as in a
    configuration, also inside `jit`), the value is SPEC §1's closed form evaluated as the
    reference does, in float64. That form cancels for long memories: wherever it is not
    finite or its `1 - lamb` strays more than 1e-3 (relative) from the exact root of
    [`memory_days_to_lamb`][quantamm_eqx.transforms.memory_days_to_lamb], the exact root is
    used instead (beyond roughly 1,900 days at a 60-minute chunk, or 32 days at a 1-minute
    chunk). Traced arguments (e.g. differentiating with respect to the cap) always give the
    exact root, and the gradient is always that of the exact root.

    **Arguments:**

    - `max_memory_days`: the memory cap in days (non-negative).
    - `chunk_period`: minutes between estimator updates.

    **Returns:**

    The cap on `lamb`, in [0, 1), with the dtype of `max_memory_days` (as a float array).

    **Example:**

    ```python
    >>> from quantamm_eqx.transforms import max_lamb, memory_days_to_lamb
    >>> round(float(max_lamb(30.0, chunk_period=1440)), 6)
    0.883748
    >>> bool(abs(max_lamb(30.0, 1440) - memory_days_to_lamb(30.0, 1440)) < 1e-12)
    True
    ```
    """
    if is_traced(max_memory_days) or is_traced(chunk_period):
        return memory_days_to_lamb(max_memory_days, chunk_period)
    # Concrete configuration: evaluate now in NumPy (no JAX operation to dispatch or
    # compile, also while tracing), and embed as a constant.
    # (Not `check_finite_non_negative`: under a caller's `jit` even a JAX array made here
    # from a Python number is traced, so its values could not be read now.)
    dtype = as_float_array(max_memory_days, "max_memory_days").dtype
    days = np.asarray(max_memory_days, dtype=np.float64)
    if not np.all(np.isfinite(days) & (days >= 0)):
        raise ValueError(f"`memory_days` must be finite and non-negative; got {days.tolist()!r}.")
    period = float(np.asarray(_checked_chunk_period(chunk_period)))
    exact_64 = _lamb_root(days, period, np)
    reference = np.vectorize(_reference_closed_form, otypes=[np.float64])(days, period)
    with np.errstate(invalid="ignore"):
        close = np.abs(reference - exact_64) <= _REFERENCE_CAP_RTOL * (1.0 - exact_64)
    chosen = np.where(np.isfinite(reference) & close, reference, exact_64)
    return jnp.asarray(chosen, dtype=dtype)


def cap_lamb(lamb: RealLike, max_memory_days: RealLike, chunk_period: RealLike) -> FloatArray:
    """Clip `lamb` to `[0, max_lamb(max_memory_days, chunk_period)]`.

    This is a hard clip, as in the reference: the gradient is zero where the cap binds.

    **Arguments:**

    - `lamb`: decay factors, any shape.
    - `max_memory_days`: the memory cap in days.
    - `chunk_period`: minutes between estimator updates.

    **Returns:**

    The capped decay factors, same shape as `lamb`.

    **Example:**

    ```python
    >>> from quantamm_eqx.transforms import cap_lamb, max_lamb
    >>> bool(cap_lamb(0.999, 30.0, chunk_period=1440) == max_lamb(30.0, chunk_period=1440))
    True
    ```
    """
    lamb = as_float_array(lamb, "lamb")
    upper = max_lamb(max_memory_days, chunk_period).astype(lamb.dtype)
    return jnp.clip(lamb, 0.0, upper)


def logit_lamb_to_memory_days(
    logit_lamb: RealLike, chunk_period: RealLike, max_memory_days: RealLike
) -> FloatArray:
    """Memory length in days of the decay `sigmoid(logit_lamb)`, clipped to
    `[0, max_memory_days]`, computed from the logit without cancellation.

    With `lamb = sigmoid(x)`, `lamb / (1 - lamb)**3 = exp(x) * (1 + exp(x))**2`, so
    `log(memory) = (log 6 + x + 2 softplus(x)) / 3 + log(2 chunk_period / 1440)`. The clip
    is taken on the log, so the value and the gradient are finite for every finite logit
    (and for infinite ones): where
    [`lamb_to_memory_days_clipped`][quantamm_eqx.transforms.lamb_to_memory_days_clipped]
    of `sigmoid(x)` divides by `1 - lamb`, which rounds to 0 from `x = 17` in float32
    (37 in float64), this form has nothing to round. The two agree to a few ulps wherever
    both are finite.

    **Arguments:**

    - `logit_lamb`: logits of the decay, any shape.
    - `chunk_period`: minutes between estimator updates.
    - `max_memory_days`: the memory cap in days (non-negative).

    **Returns:**

    Memory lengths in days, same shape as `logit_lamb`.

    **Example:**

    ```python
    >>> from quantamm_eqx.transforms import logit_lamb_to_memory_days, memory_days_to_lamb
    >>> from quantamm_eqx.transforms import logit
    >>> x = logit(memory_days_to_lamb(10.0, chunk_period=60))
    >>> round(float(logit_lamb_to_memory_days(x, 60, max_memory_days=365.0)), 9)
    10.0
    >>> float(logit_lamb_to_memory_days(1e300, 60, max_memory_days=365.0))
    365.0
    ```
    """
    x = as_float_array(logit_lamb, "logit_lamb")
    chunk_period = _checked_chunk_period(chunk_period)
    log_scale = jnp.log(2.0 * jnp.asarray(chunk_period, x.dtype) / _MINUTES_PER_DAY)
    log_days = (math.log(6.0) + x + 2.0 * jax.nn.softplus(x)) / 3.0 + log_scale
    # The cap on the log keeps exp from overflowing; max_memory_days == 0 gives log 0 = -inf
    # and memory 0.
    cap = jnp.asarray(max_memory_days, x.dtype)
    # exp(log(cap)) may round above the cap: clip again.
    return jnp.minimum(jnp.exp(jnp.minimum(log_days, jnp.log(cap))), cap)


def lamb_to_memory_days_clipped(
    lamb: RealLike, chunk_period: RealLike, max_memory_days: RealLike
) -> FloatArray:
    """Memory length in days, clipped to `[0, max_memory_days]`.

    [`lamb_to_memory_days`][quantamm_eqx.transforms.lamb_to_memory_days], then a clip.

    This is the memory length that scales `k` and the channel amplitude (SPEC §1).

    **Arguments:**

    - `lamb`: decay factors in [0, 1), any shape.
    - `chunk_period`: minutes between estimator updates.
    - `max_memory_days`: the memory cap in days.

    **Returns:**

    Memory lengths in days, same shape as `lamb`.

    **Example:**

    ```python
    >>> from quantamm_eqx.transforms import lamb_to_memory_days_clipped
    >>> float(lamb_to_memory_days_clipped(0.999, chunk_period=1440, max_memory_days=30.0))
    30.0
    ```
    """
    return jnp.clip(lamb_to_memory_days(lamb, chunk_period), 0.0, max_memory_days)

"""The contracts' weight guard in exact 18-decimal fixed point (Python integers).

QuantAMM-V1 computes in PRBMath's SD59x18: a number `x` is the integer `x * 10**18`;
`mul` rounds the magnitude of `a * b / 10**18` half up and `div` truncates the magnitude
of `a * 10**18 / b`. These functions repeat the guard's arithmetic with those integers, so
their results are the contract's to the last unit (1e-18), which float64 cannot promise.
They are plain Python (no JAX): a checking path, not a simulation path.
"""

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
from jaxtyping import Array

#: One, in 18-decimal fixed point.
ONE = 10**18


def to_fixed(
    values: Iterable[float | int | str | Decimal | np.number] | np.ndarray | Array,
) -> list[int]:
    """Numbers to 18-decimal fixed-point integers, rounding to the nearest unit.

    `values` may be a sequence of Python or NumPy numbers and decimal strings, or a 1-D
    NumPy or JAX array (such as [`guard_weights`][quantamm_eqx.weights.guard_weights]'s
    result).

    Floats are read through their shortest decimal form (`0.1` becomes exactly
    `10**17`); integers are numbers, not fixed-point values (`1` becomes `10**18`).

    **Example:**

    ```python
    >>> from quantamm_eqx.weights import to_fixed
    >>> to_fixed([0.1, 1, "0.333333333333333333"])
    [100000000000000000, 1000000000000000000, 333333333333333333]
    ```
    """
    fixed = []
    for value in values:
        number = _decimal(value)
        if not number.is_finite():
            raise ValueError(f"`values` must be finite numbers; got {value!r}.")
        fixed.append(int((number * ONE).to_integral_value(rounding=ROUND_HALF_EVEN)))
    return fixed


def _decimal(value: object) -> Decimal:
    """A number (Python, NumPy or a 0-d JAX array) or decimal string as a `Decimal`."""
    if isinstance(value, str | Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(float(value)))  # NumPy 2 reprs np.float64 by name
    array = np.asarray(value)  # NumPy scalars, 0-d arrays; booleans fall through
    if array.ndim == 0 and array.dtype.kind == "f":
        return Decimal(repr(float(array)))
    if array.ndim == 0 and array.dtype.kind in "iu":
        return Decimal(int(array))
    raise ValueError(
        f"`values` must hold numbers or decimal strings; got {value!r} ({type(value).__name__})."
    )


def from_fixed(values: Iterable[int]) -> list[float]:
    """18-decimal fixed-point integers to floats.

    **Example:**

    ```python
    >>> from quantamm_eqx.weights import from_fixed
    >>> from_fixed([600000000000000000, 400000000000000000])
    [0.6, 0.4]
    ```
    """
    return [float(Decimal(value) / ONE) for value in values]


def _mul(a: int, b: int) -> int:
    """SD59x18 `mul`: `a * b / ONE`, magnitude rounded half up."""
    quotient, remainder = divmod(abs(a * b), ONE)
    magnitude = quotient + (remainder >= ONE // 2)
    return magnitude if (a < 0) == (b < 0) else -magnitude


def _div(a: int, b: int) -> int:
    """SD59x18 `div`: `a * ONE / b`, magnitude truncated."""
    if b == 0:
        raise ZeroDivisionError("fixed-point division by zero")
    magnitude = abs(a) * ONE // abs(b)
    return magnitude if (a < 0) == (b < 0) else -magnitude


def _checked(values: Sequence[int], name: str) -> list[int]:
    if any(isinstance(value, bool) or not isinstance(value, int) for value in values):
        raise ValueError(
            f"`{name}` must be 18-decimal fixed-point integers (see `to_fixed`); got {values!r}."
        )
    return list(values)


def clamp_weights_fixed(weights: Sequence[int], minimum_weight: int) -> list[int]:
    """[`clamp_weights`][quantamm_eqx.weights.clamp_weights] in exact fixed point.

    **Arguments:**

    - `weights`: unguarded weights, 18-decimal integers.
    - `minimum_weight`: the guard rail, an 18-decimal integer.

    **Returns:**

    The clamped weights, 18-decimal integers.

    **Example:**

    ```python
    >>> from quantamm_eqx.weights import clamp_weights_fixed, to_fixed
    >>> clamp_weights_fixed(to_fixed([0.5, 0.5, 0.5]), to_fixed([0.1])[0])
    [333333333333333333, 333333333333333333, 333333333333333333]
    ```
    """
    weights = _checked(weights, "weights")
    (minimum_weight,) = _checked([minimum_weight], "minimum_weight")
    if not 0 < minimum_weight * len(weights) < ONE:
        raise ValueError(
            f"`minimum_weight` must lie in (0, ONE / n_assets) so that {len(weights)} weights at "
            f"the minimum leave room below one; got {minimum_weight}."
        )
    low = minimum_weight
    high = ONE - _mul((len(weights) - 1) * ONE, minimum_weight)
    for _ in range(len(weights)):
        at_minimum = [w <= low for w in weights]
        capped = [min(w, high) for w in weights]
        others_total = sum(w for w, fixed in zip(capped, at_minimum, strict=True) if not fixed)
        if others_total > 0:
            factor = _div(ONE - sum(at_minimum) * low, others_total)
            capped = [_mul(w, factor) for w in capped]
        weights = [low if fixed else w for w, fixed in zip(capped, at_minimum, strict=True)]
        if all(w >= low for w in weights):
            break
    return weights


def limit_update_fixed(
    previous: Sequence[int], weights: Sequence[int], epsilon_max: int
) -> list[int]:
    """[`limit_update`][quantamm_eqx.weights.limit_update] in exact fixed point.

    **Example:**

    ```python
    >>> from quantamm_eqx.weights import limit_update_fixed, to_fixed
    >>> limit_update_fixed(to_fixed([0.5, 0.5]), to_fixed([0.7, 0.3]), to_fixed([0.1])[0])
    [600000000000000000, 400000000000000000]
    ```
    """
    previous = _checked(previous, "previous")
    weights = _checked(weights, "weights")
    (epsilon_max,) = _checked([epsilon_max], "epsilon_max")
    if len(previous) != len(weights):
        raise ValueError(
            f"`previous` and `weights` must have one entry per asset; got lengths "
            f"{len(previous)} and {len(weights)}."
        )
    largest = max([epsilon_max] + [abs(w - p) for p, w in zip(previous, weights, strict=True)])
    if largest > epsilon_max:
        factor = _div(epsilon_max, largest)
        weights = [p + _mul(w - p, factor) for p, w in zip(previous, weights, strict=True)]
    moves = [abs(w - p) for p, w in zip(previous, weights, strict=True)]
    least_moved = moves.index(min(moves))
    weights[least_moved] += ONE - sum(weights)
    return weights


def guard_weights_fixed(
    weights: Sequence[int], previous: Sequence[int], epsilon_max: int, minimum_weight: int
) -> list[int]:
    """[`guard_weights`][quantamm_eqx.weights.guard_weights] in exact fixed point.

    **Arguments:**

    - `weights`: the rule's unguarded weights, 18-decimal integers.
    - `previous`: the weights before the update, 18-decimal integers.
    - `epsilon_max`, `minimum_weight`: the guard's limits, 18-decimal integers.

    **Returns:**

    The guarded weights, 18-decimal integers summing to exactly `10**18`.

    **Example:**

    ```python
    >>> from quantamm_eqx.weights import guard_weights_fixed, to_fixed
    >>> guarded = guard_weights_fixed(to_fixed([0.15, 0.45, 0.05, 0.35]),
    ...                               to_fixed([0.3, 0.3, 0.2, 0.2]), *to_fixed([0.1, 0.1]))
    >>> guarded[2:], sum(guarded) == 10**18
    ([136666666666666667, 283333333333333333], True)
    ```
    """
    return limit_update_fixed(previous, clamp_weights_fixed(weights, minimum_weight), epsilon_max)

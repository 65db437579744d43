"""The guardrails of SPEC §4.2: normalisation, weight bounds, rounding fix, speed limit."""

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Bool, Float

from .._custom_types import AssetVector

#: Added to `max|diff|` before dividing by it in the speed limit (the reference's guard).
SPEED_LIMIT_EPSILON = 1e-10


def straight_through(soft: Array, hard: Array) -> Array:
    """`hard` in the forward pass; the gradient of `soft` in the backward pass.

    Computed as `soft - stop_gradient(soft) + stop_gradient(hard)`, whose forward value is
    `hard` exactly (the textbook `soft + stop_gradient(hard - soft)` can differ by an ulp).

    **Example:**

    ```python
    >>> import jax
    >>> from quantamm_eqx.weights import straight_through
    >>> float(jax.grad(lambda x: straight_through(x, jax.numpy.clip(x, 0.0, 1.0)))(2.0))
    1.0
    ```
    """
    return soft - lax.stop_gradient(soft) + lax.stop_gradient(hard)


#: A rule output is resolvable while adding it to a weight loses less than this much
#: absolute precision: `max|change| * eps(dtype) <= RESOLUTION_LOSS` (see
#: `within_resolution`).
RESOLUTION_LOSS = 1e-3


def within_resolution(change: Float[Array, "*batch asset"]) -> Float[Array, "*batch asset"]:
    """Scale a weight change whose size exceeds the dtype's resolution back onto it.

    Adding a change of size `c` to a weight rounds it by `c * eps` (`eps` about 2e-16 in
    float64 and 1e-7 in float32); once that is beyond `RESOLUTION_LOSS = 1e-3` of weight,
    the guard's normalisation divides by a sum that is rounding noise (it can be 0 or
    negative, and the weights NaN). Such changes (rules with `k` many orders past any
    useful value, e.g. near the saturation of `log_k`, or a float32 pool far beyond its
    range) are scaled to size `RESOLUTION_LOSS / eps`, keeping their direction and zero
    sum; every smaller change, so every change in the reference's parameter ranges, passes
    unchanged. NaN stays NaN.

    **Arguments:**

    - `change`: rule outputs (weight changes), `(..., n_assets)`.

    **Returns:**

    The change, scaled where it exceeds the resolution; same shape.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.weights import within_resolution
    >>> within_resolution(jnp.array([0.25, -0.25])).tolist()
    [0.25, -0.25]
    >>> change = within_resolution(jnp.array([3e20, -3e20], dtype=jnp.float32))
    >>> [float(c) for c in change]
    [8388.6083984375, -8388.6083984375]
    ```
    """
    limit = RESOLUTION_LOSS / jnp.finfo(change.dtype).eps
    size = jnp.max(jnp.abs(change), axis=-1, keepdims=True)
    # where(size > limit) is False for NaN: NaN changes pass, and surface downstream.
    over = size > limit
    return jnp.where(over, change * (limit / jnp.where(over, size, 1.0)), change)


def normalise(raw: Float[Array, "*batch asset"]) -> Float[Array, "*batch asset"]:
    """Project onto the simplex by dividing by the sum: `raw / sum(raw)`.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.weights import normalise
    >>> normalise(jnp.array([1.0, 3.0])).tolist()
    [0.25, 0.75]
    ```
    """
    return raw / jnp.sum(raw, axis=-1, keepdims=True)


def apply_weight_bounds(
    weights: AssetVector,
    minimum_weights: AssetVector,
    maximum_weights: AssetVector,
    *,
    straight_through_clip: bool = False,
) -> AssetVector:
    """Per-asset weight bounds: clip, then share the excess or shortfall by slack.

    The reference's bounded pools, before the uniform guardrails: clip every weight to
    `[minimum_weights[i], maximum_weights[i]]`; if the clipped weights sum to less than one,
    add the shortfall to the weights in proportion to their room to grow
    (`maximum - weight`), if to more, take the excess in proportion to their room to shrink
    (`weight - minimum`); clip again and normalise. With feasible bounds
    (`sum(minimum) <= 1 <= sum(maximum)`) and weights summing to one, the result lies
    within the bounds and sums to one, up to rounding. (The reference adds `1e-10` to the
    total room before dividing, which leaves weights up to about `1e-11` past a bound per
    step, accumulating over steps; here the division is exact.)

    **Arguments:**

    - `weights`: normalised weights, shape `(n_assets,)`.
    - `minimum_weights`, `maximum_weights`: the bounds, shape `(n_assets,)`.
    - `straight_through_clip`: forward values as stated, gradients as if unclipped.

    **Returns:**

    The bounded weights.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.weights import apply_weight_bounds
    >>> bounded = apply_weight_bounds(jnp.array([0.7, 0.2, 0.1]), jnp.array([0.0, 0.0, 0.2]),
    ...                               jnp.array([0.5, 1.0, 1.0]))
    >>> [round(w, 6) for w in bounded.tolist()]  # 0.2 over the maximum, shared by the others
    [0.5, 0.25, 0.25]
    ```
    """

    def clip(x: AssetVector) -> AssetVector:
        clipped = jnp.clip(x, minimum_weights, maximum_weights)
        return straight_through(x, clipped) if straight_through_clip else clipped

    clipped = clip(weights)
    total = jnp.sum(clipped)
    room_up = maximum_weights - clipped
    room_down = clipped - minimum_weights
    grow = (1.0 - total) * _share(room_up)
    shrink = (total - 1.0) * _share(room_down)
    adjusted = clipped + jnp.where(total < 1.0, grow, jnp.where(total > 1.0, -shrink, 0.0))
    return normalise(clip(adjusted))


def _share(room: AssetVector) -> AssetVector:
    """`room / sum(room)`, or zeros when there is no room."""
    total = jnp.sum(room)
    return jnp.where(total > 0, room / jnp.where(total > 0, total, 1.0), 0.0)


def _clip_pass(
    weights: AssetVector,
    held: Bool[Array, " asset"],
    minimum_weight: float,
    maximum_weight: float,
    straight_through_clip: bool,
) -> AssetVector:
    """One pass: `held` weights at the minimum, the others clipped and rescaled to share
    `1 - count(held) * minimum_weight`."""
    clipped = jnp.clip(weights, minimum_weight, maximum_weight)
    if straight_through_clip:
        clipped = straight_through(weights, clipped)
    remaining = 1 - jnp.sum(held, dtype=weights.dtype) * minimum_weight
    others = jnp.sum(jnp.where(~held, clipped, 0.0))
    return jnp.where(~held, clipped * remaining / others, clipped)


def clip_weights(
    weights: AssetVector,
    minimum_weight: float,
    *,
    straight_through_clip: bool = False,
    single_pass: bool = False,
) -> AssetVector:
    """Clip normalised weights to `[minimum_weight, 1 - (n - 1) * minimum_weight]`.

    Weights below the minimum are raised to it; the others are rescaled to share the weight
    that is left, `1 - count(below) * minimum_weight`, in proportion (SPEC §4.2). The result
    sums to one up to rounding (see [`fix_rounding`][quantamm_eqx.weights.fix_rounding]).
    The rescaling shrinks the other weights, so one just above the minimum can end below
    it; the pass then repeats with that weight held at the minimum too (at most
    `n_assets - 1` passes, as the contracts' clamp), so every weight ends at or above the
    minimum. The reference simulator stops after one pass (`single_pass=True`):
    `[0.79, 0.101, 0.109, 0.0]` with minimum 0.1 then gives 0.09989 for the second weight.
    Where one pass holds the floor, both give the same numbers.

    **Arguments:**

    - `weights`: normalised weights, shape `(n_assets,)`.
    - `minimum_weight`: the floor of every weight.
    - `straight_through_clip`: forward values as stated, gradients as if the clip were
      absent (the reference's `ste_min_max_weight`).
    - `single_pass`: the reference's single pass (`SimulationConfig(weight_clip="reference")`).

    **Returns:**

    The clipped weights.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.weights import clip_weights
    >>> [round(w, 12) for w in clip_weights(jnp.array([0.01, 0.49, 0.5]), 0.1).tolist()]
    [0.1, 0.445454545455, 0.454545454545]
    >>> weights = jnp.array([0.79, 0.101, 0.109, 0.0])
    >>> float(clip_weights(weights, 0.1).min()), float(clip_weights(weights, 0.1)[1])
    (0.1, 0.1)
    >>> round(float(clip_weights(weights, 0.1, single_pass=True)[1]), 6)
    0.09989
    ```
    """
    n_assets = weights.shape[-1]
    maximum_weight = 1.0 - (n_assets - 1) * minimum_weight
    clipped = _clip_pass(
        weights, weights < minimum_weight, minimum_weight, maximum_weight, straight_through_clip
    )
    if single_pass:
        return clipped
    for _ in range(n_assets - 1):
        again = _clip_pass(
            clipped,
            clipped <= minimum_weight,
            minimum_weight,
            maximum_weight,
            straight_through_clip,
        )
        clipped = jnp.where(jnp.any(clipped < minimum_weight), again, clipped)
    return clipped


def fix_rounding(weights: AssetVector) -> AssetVector:
    """Add `1 - sum(weights)` to the largest weight, so the weights sum to one exactly.

    The gradient passes as if the correction were absent (it is a rounding-level change
    selected by an `argmax`).

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.weights import fix_rounding
    >>> weights = fix_rounding(jnp.array([0.2, 0.5, 0.3 + 1e-12]))
    >>> float(weights.sum()), float(weights[1]) < 0.5
    (1.0, True)
    ```
    """
    largest = jnp.arange(weights.shape[-1]) == jnp.argmax(weights)
    corrected = jnp.where(largest, weights - jnp.sum(weights) + 1.0, weights)
    return weights + lax.stop_gradient(corrected - weights)


def limit_change(
    diff: AssetVector, maximum_change: float, *, straight_through_limit: bool = False
) -> AssetVector:
    """The speed limit: scale `diff` down uniformly so that `max|diff| <= maximum_change`.

    When `max|diff| > maximum_change`, returns `diff * maximum_change / (max|diff| + 1e-10)`
    (the reference's guard against division by zero), which keeps the direction of the move.

    **Arguments:**

    - `diff`: the per-minute weight change, shape `(n_assets,)`.
    - `maximum_change`: the largest allowed change of any weight per minute.
    - `straight_through_limit`: forward values as stated, gradients as if unlimited (the
      reference's `ste_max_change`).

    **Returns:**

    The limited change.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.weights import limit_change
    >>> [round(d, 9) for d in limit_change(jnp.array([0.004, -0.002, -0.002]), 1e-3).tolist()]
    [0.001, -0.0005, -0.0005]
    ```
    """
    largest = jnp.max(jnp.abs(diff))
    scale = maximum_change / (largest + SPEED_LIMIT_EPSILON)
    limited = jnp.where(largest > maximum_change, diff * scale, diff)
    if straight_through_limit:
        limited = straight_through(diff, limited)
    return limited

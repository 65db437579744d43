"""The contracts' weight guard (QuantAMM-V1 `QuantAMMMathGuard`) in floating point.

Protocol mode's replacement for SPEC §4.2's normalise → clip → round → per-minute speed
limit. See the protocol-mode concepts page for each difference and where it comes from.
"""

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Bool, Float

from .._custom_types import AssetVector
from .._validation import is_traced
from ._guardrails import straight_through


def _bounds(n_assets: int, minimum_weight: float) -> tuple[float, float]:
    if not is_traced(minimum_weight) and not 0 < float(minimum_weight) * n_assets < 1:
        raise ValueError(
            f"`minimum_weight` must lie in (0, 1 / n_assets) = (0, {1 / n_assets:g}) so that "
            f"{n_assets} weights at the minimum leave room below one; got {minimum_weight!r}."
        )
    return minimum_weight, 1.0 - (n_assets - 1) * minimum_weight


def _clamp_pass(
    weights: AssetVector, low: float, high: float
) -> tuple[AssetVector, Bool[Array, ""]]:
    """One pass of the clamp; also whether another is needed (a rescaled weight fell below)."""
    at_minimum = weights <= low
    capped = jnp.minimum(weights, high)
    others_total = jnp.sum(jnp.where(at_minimum, 0.0, capped))
    remaining = 1.0 - jnp.sum(at_minimum, dtype=weights.dtype) * low
    has_others = others_total > 0
    factor = remaining / jnp.where(has_others, others_total, 1.0)
    rescaled = jnp.where(has_others, capped * factor, capped)
    clamped = jnp.where(at_minimum, low, rescaled)
    return clamped, jnp.any(~at_minimum & (clamped < low))


def clamp_weights(
    weights: AssetVector, minimum_weight: float, *, straight_through_clip: bool = False
) -> AssetVector:
    """Clamp unnormalised weights to `[minimum_weight, 1 - (n - 1) * minimum_weight]`.

    The contracts' clamp (protocol mode). Weights at or below the minimum are set to it;
    the others are capped at the maximum and rescaled to share `1 - count * minimum_weight`
    in proportion. Unlike SPEC's [`clip_weights`][quantamm_eqx.weights.clip_weights] there
    is no normalisation first (the rescaling does it), and a weight exactly at the minimum
    is not rescaled. If rescaling takes a weight below the minimum, the pass repeats with
    it held at the minimum (at most `n_assets` passes), so no weight ends below it. With
    every weight at the minimum (all-zero input, say) nothing is left to rescale and the
    result does not sum to one, as on chain.

    **Arguments:**

    - `weights`: the rule's unguarded weights `previous + change`, shape `(n_assets,)`.
    - `minimum_weight`: the contracts' `absoluteWeightGuardRail`.
    - `straight_through_clip`: forward values as stated, gradients as if unclamped.

    **Returns:**

    The clamped weights.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.weights import clamp_weights
    >>> [round(w, 12) for w in clamp_weights(jnp.array([-0.1, 0.5, 0.6]), 0.1).tolist()]
    [0.1, 0.409090909091, 0.490909090909]
    ```
    """
    low, high = _bounds(weights.shape[-1], minimum_weight)
    clamped, needs_pass = _clamp_pass(weights, low, high)
    for _ in range(weights.shape[-1] - 1):
        again, still = _clamp_pass(clamped, low, high)
        clamped, needs_pass = jnp.where(needs_pass, again, clamped), needs_pass & still
    if straight_through_clip:
        clamped = straight_through(weights, clamped)
    return clamped


def limit_update(
    previous: AssetVector,
    weights: AssetVector,
    epsilon_max: float,
    *,
    straight_through_limit: bool = False,
) -> AssetVector:
    """The contracts' speed limit on a whole update, then their sum-to-one correction.

    If some weight would move by more than `epsilon_max`, every move is scaled by
    `epsilon_max / max|weights - previous|` (no `1e-10` in the denominator, unlike SPEC's
    [`limit_change`][quantamm_eqx.weights.limit_change]). Then `1 - sum(result)` is added
    to the weight that moved least (the first such), so the result sums to one; normally
    that is a rounding-level correction (its gradient is stopped, as SPEC's
    [`fix_rounding`][quantamm_eqx.weights.fix_rounding]).

    **Arguments:**

    - `previous`: the weights before the update.
    - `weights`: the clamped new weights.
    - `epsilon_max`: the largest move of any weight in one update.
    - `straight_through_limit`: forward values as stated, gradients as if unlimited.

    **Returns:**

    The limited weights.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.weights import limit_update
    >>> limited = limit_update(jnp.array([0.5, 0.5]), jnp.array([0.7, 0.3]), 0.1)
    >>> [round(w, 12) for w in limited.tolist()]
    [0.6, 0.4]
    ```
    """
    change = weights - previous
    largest = jnp.max(jnp.abs(change))
    binds = largest > epsilon_max
    scale = epsilon_max / jnp.where(binds, largest, 1.0)
    limited = jnp.where(binds, previous + change * scale, weights)
    if straight_through_limit:
        limited = straight_through(weights, limited)
    least_moved = jnp.arange(limited.shape[-1]) == jnp.argmin(jnp.abs(limited - previous))
    corrected = jnp.where(least_moved, limited + (1.0 - jnp.sum(limited)), limited)
    return limited + lax.stop_gradient(corrected - limited)


def guard_weights(
    weights: AssetVector,
    previous: AssetVector,
    epsilon_max: float,
    minimum_weight: float,
) -> Float[Array, " asset"]:
    """The contracts' whole guard: [`clamp_weights`][quantamm_eqx.weights.clamp_weights]
    then [`limit_update`][quantamm_eqx.weights.limit_update].

    **Arguments:**

    - `weights`: the rule's unguarded weights `previous + change`.
    - `previous`: the weights before the update.
    - `epsilon_max`: the largest move of any weight in one update (`epsilonMax`).
    - `minimum_weight`: the smallest weight (`absoluteWeightGuardRail`).

    **Returns:**

    The guarded weights, the update's target.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.weights import guard_weights
    >>> guarded = guard_weights(jnp.array([0.9, 0.06, 0.04]), jnp.array([0.3, 0.3, 0.4]),
    ...                         epsilon_max=0.1, minimum_weight=0.1)
    >>> [round(w, 12) for w in guarded.tolist()]
    [0.4, 0.26, 0.34]
    ```
    """
    return limit_update(previous, clamp_weights(weights, minimum_weight), epsilon_max)

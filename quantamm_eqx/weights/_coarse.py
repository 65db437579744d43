"""The coarse weight scan of SPEC §4.2: from rule outputs to per-interval starts and steps."""

from typing import NamedTuple

from jax import lax
from jaxtyping import Array, Float

from .._config import SimulationConfig
from .._custom_types import AssetVector
from ._guard import weight_guard


class CoarseWeights(NamedTuple):
    """The coarse weight path, one row per rule output.

    - `starts`: the weights actually in force when the interval begins (the position the
      previous interval reached);
    - `diffs`: the per-minute step of the interval, after the speed limit;
    - `targets`: the guardrailed target weights, before the speed limit.
    """

    starts: Float[Array, "steps asset"]
    diffs: Float[Array, "steps asset"]
    targets: Float[Array, "steps asset"]


def coarse_weight_step(
    previous: AssetVector,
    rule_output: AssetVector,
    config: SimulationConfig,
    bounds: tuple[AssetVector, AssetVector] | None = None,
) -> tuple[AssetVector, tuple[AssetVector, AssetVector, AssetVector]]:
    """One step of the coarse weight scan: usable directly as a `lax.scan` body.

    `raw = previous + rule_output`, normalised, clipped to the weight bounds
    ([`clip_weights`][quantamm_eqx.weights.clip_weights]), rounded to sum one
    ([`fix_rounding`][quantamm_eqx.weights.fix_rounding]); the per-minute step towards it
    over `weight_interpolation_period` minutes is then speed-limited
    ([`limit_change`][quantamm_eqx.weights.limit_change]). With `config.mode == "protocol"`
    the contracts' guard runs instead: [`clamp_weights`][quantamm_eqx.weights.clamp_weights]
    of `raw`, then [`limit_update`][quantamm_eqx.weights.limit_update] of the whole move
    by `config.epsilon_max`; the step is the limited move over
    `weight_interpolation_period` minutes. Per-asset `bounds` apply to the normalised
    weights first ([`apply_weight_bounds`][quantamm_eqx.weights.apply_weight_bounds]).

    **Arguments:**

    - `previous`: the weights actually reached at the end of the previous interval.
    - `rule_output`: the rule's weight change for this interval.
    - `config`: the simulation configuration (bounds, speed limit, straight-through flags).
    - `bounds`: optional per-asset `(minimum, maximum)` weights, applied before the
      uniform guardrails.

    **Returns:**

    `(reached, (start, diff, target))`: the weights reached at the end of this interval
    (the next carry), and this interval's start, per-minute step and target.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx import SimulationConfig
    >>> from quantamm_eqx.weights import coarse_weight_step
    >>> config = SimulationConfig(chunk_period=10, weight_interpolation_period=10,
    ...                           maximum_change=1e-3)
    >>> reached, (start, diff, target) = coarse_weight_step(
    ...     jnp.array([0.5, 0.5]), jnp.array([0.1, -0.1]), config)
    >>> [round(x, 6) for x in target.tolist()], [round(x, 6) for x in reached.tolist()]
    ([0.6, 0.4], [0.51, 0.49])
    >>> # the speed limit (1e-3 per minute, 10 minutes) holds the pool short of its target
    ```
    """
    return weight_guard(config).step(previous, rule_output, config, bounds)


def coarse_weights(
    rule_outputs: Float[Array, "steps asset"],
    initial_weights: AssetVector,
    config: SimulationConfig,
    bounds: tuple[AssetVector, AssetVector] | None = None,
) -> CoarseWeights:
    """Run [`coarse_weight_step`][quantamm_eqx.weights.coarse_weight_step] over rule outputs.

    The carry is the position actually reached, which lags the target whenever the speed
    limit binds.

    **Arguments:**

    - `rule_outputs`: weight changes, one row per coarse step.
    - `initial_weights`: the weights before the first step.
    - `config`: the simulation configuration.
    - `bounds`: optional per-asset `(minimum, maximum)` weights.

    **Returns:**

    The [`CoarseWeights`][quantamm_eqx.weights.CoarseWeights].

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx import SimulationConfig
    >>> from quantamm_eqx.weights import coarse_weights
    >>> path = coarse_weights(jnp.zeros((3, 2)), jnp.array([0.5, 0.5]), SimulationConfig())
    >>> path.starts.shape, path.diffs.tolist()[0]
    ((3, 2), [0.0, 0.0])
    ```
    """

    guard = weight_guard(config)

    def step(previous: AssetVector, rule_output: AssetVector):
        return guard.step(previous, rule_output, config, bounds)

    _, (starts, diffs, targets) = lax.scan(step, initial_weights, rule_outputs)
    return CoarseWeights(starts=starts, diffs=diffs, targets=targets)

"""The guard of one coarse weight step as an object: the simulator's (SPEC §4.2) or the
contracts'.

[`coarse_weights`][quantamm_eqx.weights.coarse_weights] picks one from
`SimulationConfig.mode` once ([`weight_guard`][quantamm_eqx.weights.weight_guard]); its scan
body calls the guard's `step` and never looks at the mode again.
"""

import abc

import equinox as eqx

from .._config import SimulationConfig, checked_mode
from .._custom_types import AssetVector
from ._contract import clamp_weights, limit_update
from ._guardrails import (
    apply_weight_bounds,
    clip_weights,
    fix_rounding,
    limit_change,
    normalise,
    within_resolution,
)

Step = tuple[AssetVector, tuple[AssetVector, AssetVector, AssetVector]]


class AbstractWeightGuard(eqx.Module):
    """One coarse step from the weights reached and the rule's change to the weights
    reached next: `(reached, (start, diff, target))`."""

    @abc.abstractmethod
    def guard(self, previous: AssetVector, raw: AssetVector, config: SimulationConfig) -> Step:
        """The guardrails and speed limit on `raw = previous + change` (bounds applied)."""

    def step(
        self,
        previous: AssetVector,
        rule_output: AssetVector,
        config: SimulationConfig,
        bounds: tuple[AssetVector, AssetVector] | None = None,
    ) -> Step:
        """`raw = previous + rule_output` (the output scaled back
        [`within_resolution`][quantamm_eqx.weights.within_resolution]), per-asset `bounds`
        on its normalised form, then
        [`guard`][quantamm_eqx.weights.AbstractWeightGuard.guard]."""
        raw = previous + within_resolution(rule_output)
        if bounds is not None:
            raw = apply_weight_bounds(
                normalise(raw), *bounds, straight_through_clip=config.ste_min_max_weight
            )
        return self.guard(previous, raw, config)


class SimulatorGuard(AbstractWeightGuard):
    """SPEC §4.2: normalise, clip to the weight bounds, round to sum one, then limit the
    per-minute step (`SimulationConfig(mode="simulator")`). `single_pass` clips as the
    reference does (`weight_clip="reference"`; see
    [`clip_weights`][quantamm_eqx.weights.clip_weights]).

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx import SimulationConfig
    >>> from quantamm_eqx.weights import SimulatorGuard
    >>> config = SimulationConfig(chunk_period=10, weight_interpolation_period=10,
    ...                           maximum_change=0.1)
    >>> reached, _ = SimulatorGuard().step(jnp.array([0.5, 0.5]), jnp.array([0.1, -0.1]), config)
    >>> [round(w, 6) for w in reached.tolist()]
    [0.6, 0.4]
    ```
    """

    single_pass: bool = eqx.field(static=True, default=False)

    def guard(self, previous, raw, config):
        minimum_weight = config.minimum_weight_for(previous.shape[-1])
        steps = config.weight_interpolation_period
        target = clip_weights(
            normalise(raw),
            minimum_weight,
            straight_through_clip=config.ste_min_max_weight,
            single_pass=self.single_pass,
        )
        target = fix_rounding(target)
        diff = 1 / steps * (target - previous)
        diff = limit_change(
            diff, config.maximum_change, straight_through_limit=config.ste_max_change
        )
        reached = previous + diff * steps
        return reached, (previous, diff, target)


class ProtocolGuard(AbstractWeightGuard):
    """The contracts' guard (`SimulationConfig(mode="protocol")`): clamp
    ([`clamp_weights`][quantamm_eqx.weights.clamp_weights]), then limit the whole update by
    `config.epsilon_max` ([`limit_update`][quantamm_eqx.weights.limit_update]).

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx import SimulationConfig
    >>> from quantamm_eqx.weights import ProtocolGuard
    >>> config = SimulationConfig(mode="protocol", chunk_period=10,
    ...                           weight_interpolation_period=10, maximum_change=0.1)
    >>> reached, _ = ProtocolGuard().step(jnp.array([0.5, 0.5]), jnp.array([0.1, -0.1]), config)
    >>> [round(w, 6) for w in reached.tolist()]
    [0.6, 0.4]
    ```
    """

    def guard(self, previous, raw, config):
        minimum_weight = config.minimum_weight_for(previous.shape[-1])
        steps = config.weight_interpolation_period
        target = clamp_weights(raw, minimum_weight, straight_through_clip=config.ste_min_max_weight)
        reached = limit_update(
            previous, target, config.epsilon_max, straight_through_limit=config.ste_max_change
        )
        diff = 1 / steps * (reached - previous)
        return previous + diff * steps, (previous, diff, target)


def weight_guard(config: SimulationConfig) -> AbstractWeightGuard:
    """The weight guard a configuration asks for: its `mode` (the simulator's or the
    contracts' arithmetic) and, in simulator mode, its `weight_clip`.

    **Example:**

    ```python
    >>> from quantamm_eqx import SimulationConfig
    >>> from quantamm_eqx.weights import weight_guard
    >>> weight_guard(SimulationConfig())  # the floor holds
    SimulatorGuard()
    >>> type(weight_guard(SimulationConfig(mode="protocol"))).__name__
    'ProtocolGuard'
    ```
    """
    if checked_mode(config.mode) == "protocol":
        return ProtocolGuard()
    return SimulatorGuard(single_pass=config.weight_clip == "reference")

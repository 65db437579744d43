"""From rule outputs to minute weights (SPEC §4): guardrails, speed limit, interpolation.

Two arithmetics guard each coarse step: the reference simulator's (SPEC §4.2:
[`clip_weights`][quantamm_eqx.weights.clip_weights],
[`fix_rounding`][quantamm_eqx.weights.fix_rounding],
[`limit_change`][quantamm_eqx.weights.limit_change]) and the deployed QuantAMM-V1 contracts'
([`clamp_weights`][quantamm_eqx.weights.clamp_weights],
[`limit_update`][quantamm_eqx.weights.limit_update], with exact 18-decimal fixed-point
versions `*_fixed` to check single updates against the contracts).
`SimulationConfig(mode=...)` chooses between them through
[`weight_guard`][quantamm_eqx.weights.weight_guard].
"""

from ._coarse import CoarseWeights as CoarseWeights
from ._coarse import coarse_weight_step as coarse_weight_step
from ._coarse import coarse_weights as coarse_weights
from ._contract import clamp_weights as clamp_weights
from ._contract import guard_weights as guard_weights
from ._contract import limit_update as limit_update
from ._fixed import clamp_weights_fixed as clamp_weights_fixed
from ._fixed import from_fixed as from_fixed
from ._fixed import guard_weights_fixed as guard_weights_fixed
from ._fixed import limit_update_fixed as limit_update_fixed
from ._fixed import to_fixed as to_fixed
from ._guard import AbstractWeightGuard as AbstractWeightGuard
from ._guard import ProtocolGuard as ProtocolGuard
from ._guard import SimulatorGuard as SimulatorGuard
from ._guard import weight_guard as weight_guard
from ._guardrails import SPEED_LIMIT_EPSILON as SPEED_LIMIT_EPSILON
from ._guardrails import apply_weight_bounds as apply_weight_bounds
from ._guardrails import clip_weights as clip_weights
from ._guardrails import fix_rounding as fix_rounding
from ._guardrails import limit_change as limit_change
from ._guardrails import normalise as normalise
from ._guardrails import straight_through as straight_through
from ._guardrails import within_resolution as within_resolution
from ._interpolation import interpolate_interval as interpolate_interval
from ._schedule import WeightSchedule as WeightSchedule
from ._schedule import schedule_from_rule_outputs as schedule_from_rule_outputs

"""From rule outputs to minute weights (SPEC §4): guardrails, speed limit, interpolation."""

from ._weights.coarse import CoarseWeights as CoarseWeights
from ._weights.coarse import coarse_weight_step as coarse_weight_step
from ._weights.coarse import coarse_weights as coarse_weights
from ._weights.guardrails import SPEED_LIMIT_EPSILON as SPEED_LIMIT_EPSILON
from ._weights.guardrails import apply_weight_bounds as apply_weight_bounds
from ._weights.guardrails import clip_weights as clip_weights
from ._weights.guardrails import fix_rounding as fix_rounding
from ._weights.guardrails import limit_change as limit_change
from ._weights.guardrails import normalise as normalise
from ._weights.guardrails import straight_through as straight_through
from ._weights.interpolation import interpolate_interval as interpolate_interval
from ._weights.schedule import schedule_from_rule_outputs as schedule_from_rule_outputs

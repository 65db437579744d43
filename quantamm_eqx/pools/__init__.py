"""TFMM pools: the built-in pools, the abstract classes a new rule subclasses, the rules as
pure functions, and the registry of pools by name.

A new rule subclasses [`AbstractGradientPool`][quantamm_eqx.AbstractGradientPool] (a rule
of the EWMA price gradient: implement `weight_change`) or, for any other signal,
[`AbstractTFMMPool`][quantamm_eqx.AbstractTFMMPool] (implement `rule_outputs`); see the
how-to *Write a custom rule*.
"""

from ._anti_momentum import AntiMomentumPool as AntiMomentumPool
from ._base import AbstractTFMMPool as AbstractTFMMPool
from ._base import zero_sum_weight_change as zero_sum_weight_change
from ._bounded import BoundedPool as BoundedPool
from ._channel import CHANNEL_INVERSE_SCALING as CHANNEL_INVERSE_SCALING
from ._channel import MeanReversionChannelPool as MeanReversionChannelPool
from ._channel import channel_signal as channel_signal
from ._ensemble import Ensemble as Ensemble
from ._gradient_pool import AbstractGradientPool as AbstractGradientPool
from ._momentum import AbstractMomentumPool as AbstractMomentumPool
from ._momentum import MomentumPool as MomentumPool
from ._momentum import momentum_weight_change as momentum_weight_change
from ._params import ParamSpec as ParamSpec
from ._params import parameter as parameter
from ._params import parameter_specs as parameter_specs
from ._params import saturate as saturate
from ._params import trainable_filter as trainable_filter
from ._population import initial_population as initial_population
from ._registry import POOLS as POOLS
from ._registry import pool_class as pool_class
from ._registry import pool_name as pool_name
from ._searched import field_at as field_at
from ._searched import searched_fields as searched_fields
from ._skeleton import pool_skeleton as pool_skeleton


def __getattr__(name: str) -> object:
    if name == "AbstractPool":  # the name before 0.2
        import warnings

        warnings.warn(
            "`AbstractPool` is now `AbstractGradientPool` (a pool whose rule reads the EWMA "
            "price gradient); the old name will be removed in the next release.",
            DeprecationWarning,
            stacklevel=2,
        )
        return AbstractGradientPool
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

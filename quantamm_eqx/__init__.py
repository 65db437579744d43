"""Differentiable Temporal-Function Market Maker (TFMM) pools in JAX and Equinox.

The subpackages and the names below are imported on first use (PEP 562), so that
`import quantamm_eqx` (and the command line's `--help`) does not import JAX until needed.
"""

import importlib
from typing import TYPE_CHECKING

from . import _version

if TYPE_CHECKING:  # what the names are, for type checkers and documentation tools
    from . import compat as compat
    from . import data as data
    from . import estimators as estimators
    from . import evaluation as evaluation
    from . import metrics as metrics
    from . import pools as pools
    from . import reports as reports
    from . import search as search
    from . import simulation as simulation
    from . import training as training
    from . import transforms as transforms
    from . import weights as weights
    from ._config import SimulationConfig as SimulationConfig
    from .pools import AbstractGradientPool as AbstractGradientPool
    from .pools import AbstractTFMMPool as AbstractTFMMPool
    from .pools import AntiMomentumPool as AntiMomentumPool
    from .pools import BoundedPool as BoundedPool
    from .pools import Ensemble as Ensemble
    from .pools import MeanReversionChannelPool as MeanReversionChannelPool
    from .pools import MomentumPool as MomentumPool
    from .pools import ParamSpec as ParamSpec
    from .pools import initial_population as initial_population
    from .pools import parameter_specs as parameter_specs
    from .pools import trainable_filter as trainable_filter
    from .simulation import Attribution as Attribution
    from .simulation import MarketSeries as MarketSeries
    from .simulation import Simulation as Simulation
    from .simulation import attribution as attribution
    from .simulation import hodl_values as hodl_values
    from .simulation import minute_weights as minute_weights
    from .simulation import rebalanced_values as rebalanced_values
    from .simulation import simulate as simulate
    from .simulation import weight_schedule as weight_schedule
    from .training import FitResult as FitResult
    from .training import fit as fit
    from .training import load_pool as load_pool
    from .training import save_pool as save_pool
    from .weights import WeightSchedule as WeightSchedule

#: The subpackages, imported on first use.
_SUBPACKAGES = (
    "compat",
    "data",
    "estimators",
    "evaluation",
    "metrics",
    "pools",
    "reports",
    "search",
    "simulation",
    "training",
    "transforms",
    "weights",
)
#: The top-level names: name -> the module that defines it, imported on first use.
_NAMES = {
    "SimulationConfig": "._config",
    "AbstractGradientPool": ".pools",
    "AbstractTFMMPool": ".pools",
    "AntiMomentumPool": ".pools",
    "BoundedPool": ".pools",
    "Ensemble": ".pools",
    "MeanReversionChannelPool": ".pools",
    "MomentumPool": ".pools",
    "ParamSpec": ".pools",
    "initial_population": ".pools",
    "parameter_specs": ".pools",
    "trainable_filter": ".pools",
    "Attribution": ".simulation",
    "MarketSeries": ".simulation",
    "Simulation": ".simulation",
    "attribution": ".simulation",
    "hodl_values": ".simulation",
    "minute_weights": ".simulation",
    "rebalanced_values": ".simulation",
    "simulate": ".simulation",
    "weight_schedule": ".simulation",
    "FitResult": ".training",
    "fit": ".training",
    "load_pool": ".training",
    "save_pool": ".training",
    "WeightSchedule": ".weights",
}

__all__ = [*_SUBPACKAGES, *_NAMES, "__version__"]


def __getattr__(name: str) -> object:
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    if name in _NAMES:
        value = getattr(importlib.import_module(_NAMES[name], __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    if name == "AbstractPool":  # deprecated alias, see `quantamm_eqx.pools`
        return getattr(importlib.import_module(".pools", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__version__ = _version.installed_version()

"""Differentiable Temporal-Function Market Maker (TFMM) pools in JAX and Equinox."""

from . import _version
from . import compat as compat
from . import data as data
from . import estimators as estimators
from . import metrics as metrics
from . import pools as pools
from . import reports as reports
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


def __getattr__(name: str) -> object:
    if name == "AbstractPool":  # deprecated alias, see `quantamm_eqx.pools`
        return pools.__getattr__(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__version__ = _version.installed_version()

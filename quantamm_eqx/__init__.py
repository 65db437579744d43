"""Differentiable Temporal-Function Market Maker (TFMM) pools in JAX and Equinox."""

import importlib.metadata

from . import compat as compat
from . import data as data
from . import estimators as estimators
from . import metrics as metrics
from . import pools as pools
from . import reports as reports
from . import transforms as transforms
from . import weights as weights
from ._config import SimulationConfig as SimulationConfig
from ._pools.anti_momentum import AntiMomentumPool as AntiMomentumPool
from ._pools.base import AbstractPool as AbstractPool
from ._pools.base import AbstractTFMMPool as AbstractTFMMPool
from ._pools.bounded import BoundedPool as BoundedPool
from ._pools.channel import MeanReversionChannelPool as MeanReversionChannelPool
from ._pools.ensemble import Ensemble as Ensemble
from ._pools.momentum import MomentumPool as MomentumPool
from ._pools.params import ParamSpec as ParamSpec
from ._pools.params import parameter_specs as parameter_specs
from ._pools.params import trainable_filter as trainable_filter
from ._simulation.benchmarks import hodl_values as hodl_values
from ._simulation.benchmarks import rebalanced_values as rebalanced_values
from ._simulation.simulate import Simulation as Simulation
from ._simulation.simulate import simulate as simulate
from ._training.fit import FitResult as FitResult
from ._training.fit import fit as fit
from ._training.fit import load_pool as load_pool
from ._training.fit import save_pool as save_pool
from ._weights.schedule import WeightSchedule as WeightSchedule
from ._weights.schedule import minute_weights as minute_weights
from ._weights.schedule import weight_schedule as weight_schedule

try:
    __version__ = importlib.metadata.version("quantamm_eqx")
except importlib.metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

"""Training pools by gradient ascent on a simulated objective, and saving them."""

from ._fit import fit as fit
from ._result import FitResult as FitResult
from ._serialise import load_pool as load_pool
from ._serialise import load_pool_metadata as load_pool_metadata
from ._serialise import save_pool as save_pool
from ._split import default_optimizer as default_optimizer
from ._split import split_index as split_index
from ._step import StepRecord as StepRecord
from ._step import TrainingStep as TrainingStep
from ._step import build_chunk as build_chunk
from ._step import build_step as build_step

"""Strategy search without gradients, in human units: Optuna studies and CMA-ES."""

from ._cmaes import cmaes_search as cmaes_search
from ._optuna import OptunaResult as OptunaResult
from ._optuna import TrialSummary as TrialSummary
from ._optuna import optuna_search as optuna_search
from ._space import HumanParameter as HumanParameter
from ._space import SearchSpace as SearchSpace
from ._space import search_space as search_space

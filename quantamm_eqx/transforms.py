"""Transforms between stored (unconstrained) pool parameters and constrained values (SPEC §1)."""

from ._transforms import cap_lamb as cap_lamb
from ._transforms import inverse_squareplus as inverse_squareplus
from ._transforms import k_from_log_k as k_from_log_k
from ._transforms import k_from_sp_k as k_from_sp_k
from ._transforms import lamb_to_memory_days as lamb_to_memory_days
from ._transforms import lamb_to_memory_days_clipped as lamb_to_memory_days_clipped
from ._transforms import logit as logit
from ._transforms import max_lamb as max_lamb
from ._transforms import memory_days_to_lamb as memory_days_to_lamb
from ._transforms import sigmoid as sigmoid
from ._transforms import squareplus as squareplus

"""Transforms between stored (unconstrained) pool parameters and constrained values (SPEC §1)."""

from ._elementwise import inverse_squareplus as inverse_squareplus
from ._elementwise import logit as logit
from ._elementwise import sigmoid as sigmoid
from ._elementwise import squareplus as squareplus
from ._k import k_from_log_k as k_from_log_k
from ._k import k_from_sp_k as k_from_sp_k
from ._memory import cap_lamb as cap_lamb
from ._memory import lamb_to_memory_days as lamb_to_memory_days
from ._memory import lamb_to_memory_days_clipped as lamb_to_memory_days_clipped
from ._memory import logit_lamb_to_memory_days as logit_lamb_to_memory_days
from ._memory import max_lamb as max_lamb
from ._memory import memory_days_to_lamb as memory_days_to_lamb

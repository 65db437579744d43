"""The rule's aggressiveness `k` from its stored parameter and the memory length (SPEC §1)."""

from .._custom_types import FloatArray, RealLike
from .._validation import as_float_array
from ._elementwise import squareplus


def k_from_log_k(log_k: RealLike, memory_days: RealLike) -> FloatArray:
    """Momentum aggressiveness `k = 2**log_k * memory_days` (momentum, anti-momentum).

    `2**log_k` is "k per day"; multiplying by the (clipped) memory length gives `k`.

    **Arguments:**

    - `log_k`: stored parameter, base-2 log of k per day.
    - `memory_days`: the clipped memory length in days (broadcasts against `log_k`).

    **Returns:**

    `k`, the broadcast shape of the arguments.

    **Example:**

    ```python
    >>> from quantamm_eqx.transforms import k_from_log_k
    >>> float(k_from_log_k(3.0, memory_days=10.0))
    80.0
    ```
    """
    log_k = as_float_array(log_k, "log_k")
    return (2**log_k) * memory_days


def k_from_sp_k(sp_k: RealLike, memory_days: RealLike) -> FloatArray:
    """Channel aggressiveness `k = squareplus(sp_k) * memory_days` (mean-reversion channel).

    **Arguments:**

    - `sp_k`: stored parameter; `squareplus(sp_k)` is k per day.
    - `memory_days`: the clipped memory length in days (broadcasts against `sp_k`).

    **Returns:**

    `k`, the broadcast shape of the arguments.

    **Example:**

    ```python
    >>> from quantamm_eqx.transforms import k_from_sp_k
    >>> float(k_from_sp_k(0.0, memory_days=10.0))
    10.0
    ```
    """
    return squareplus(sp_k) * memory_days

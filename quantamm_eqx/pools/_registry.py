"""The built-in pools by name: the one registry the command line, `compat`, checkpoints and
benchmarks share."""

from ._anti_momentum import AntiMomentumPool
from ._channel import MeanReversionChannelPool
from ._gradient_pool import AbstractGradientPool
from ._momentum import MomentumPool

POOLS: dict[str, type[AbstractGradientPool]] = {
    "momentum": MomentumPool,
    "anti_momentum": AntiMomentumPool,
    "mean_reversion_channel": MeanReversionChannelPool,
}
"""The built-in pools by their rule names (the reference's names)."""


def pool_class(name: str) -> type[AbstractGradientPool]:
    """The pool class registered as `name` in [`POOLS`][quantamm_eqx.pools.POOLS].

    **Raises:**

    `ValueError` listing the registered names, for an unknown name.

    **Example:**

    ```python
    >>> from quantamm_eqx.pools import pool_class
    >>> pool_class("anti_momentum").__name__
    'AntiMomentumPool'
    ```
    """
    if name not in POOLS:
        raise ValueError(f"the pool name must be one of {sorted(POOLS)}; got {name!r}.")
    return POOLS[name]


def pool_name(pool: object) -> str | None:
    """The registered name of `pool`'s class, or None for a class not in the registry.

    **Example:**

    ```python
    >>> from quantamm_eqx import MomentumPool
    >>> from quantamm_eqx.pools import pool_name
    >>> pool_name(MomentumPool.from_memory_days(n_assets=2, memory_days=5.0))
    'momentum'
    ```
    """
    for name, cls in POOLS.items():
        if type(pool) is cls:
            return name
    return None

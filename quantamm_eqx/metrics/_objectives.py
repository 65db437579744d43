"""The objectives `fit` and the command line accept by name."""

from collections.abc import Callable

from jaxtyping import Array

from ..simulation._simulate import Simulation
from . import _flows, _returns, _risk

Objective = Callable[[Simulation], Array]

OBJECTIVES: dict[str, Objective] = {
    "daily_log_sharpe": _returns.daily_log_sharpe,
    "sharpe": _returns.sharpe,
    "daily_sharpe": _returns.daily_sharpe,
    "returns": _returns.returns,
    "annualised_returns": _returns.annualised_returns,
    "returns_over_hodl": _returns.returns_over_hodl,
    "returns_over_uniform_hodl": _returns.returns_over_uniform_hodl,
    "fee_return": _flows.fee_return,
    "arbitrage_return": _flows.arbitrage_return,
    "max_drawdown": _risk.max_drawdown,
    "calmar": _risk.calmar,
    "sterling": _risk.sterling,
    "ulcer": _risk.ulcer,
}
"""The objectives accepted by name: functions of a `Simulation`, higher is better."""


def objective_function(objective: str | Objective) -> Objective:
    """The objective named `objective` (a key of `OBJECTIVES`), or `objective` if callable.

    **Raises:**

    `ValueError` naming the accepted names, for an unknown name.

    **Example:**

    ```python
    >>> from quantamm_eqx.metrics import OBJECTIVES, objective_function
    >>> objective_function("sharpe") is OBJECTIVES["sharpe"]
    True
    ```
    """
    if callable(objective):
        return objective
    if objective not in OBJECTIVES:
        raise ValueError(
            f"`objective` must be one of {sorted(OBJECTIVES)} or a callable; got {objective!r}."
        )
    return OBJECTIVES[objective]

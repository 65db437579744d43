"""Selection between the sequential and the parallel evaluation of an estimator."""

from typing import Literal, TypeAlias

Method: TypeAlias = Literal["scan", "associative"]
"""How a sequence estimator is evaluated: `"scan"` (sequential) or `"associative"` (parallel)."""
_METHODS = ("scan", "associative")


def checked_method(method: str) -> Method:
    """Return `method` if it names an evaluation strategy, else raise `ValueError`."""
    if method not in _METHODS:
        raise ValueError(f"`method` must be one of {_METHODS}; got {method!r}.")
    return method  # type: ignore[return-value]

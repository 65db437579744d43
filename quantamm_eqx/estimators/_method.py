"""Selection between the sequential and the parallel evaluation of an estimator."""

from typing import Literal, TypeAlias

from .._validation import checked_choice

Method: TypeAlias = Literal["scan", "associative"]
"""How a sequence estimator is evaluated: `"scan"` (sequential) or `"associative"` (parallel)."""
_METHODS = ("scan", "associative")


def checked_method(method: str) -> Method:
    """Return `method` if it names an evaluation strategy, else raise `ValueError`."""
    return checked_choice(method, "method", _METHODS)  # type: ignore[return-value]

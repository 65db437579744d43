"""Argument types: converters of an option's text to its value (argparse's `type=`), and the
minutes of a day, the unit of the options given in days."""

import argparse
import math

MINUTES_PER_DAY = 1440


def positive_int(text: str) -> int:
    """An integer > 0.

    **Example:**

    ```python
    >>> from quantamm_eqx.cli._types import positive_int
    >>> positive_int("60")
    60
    ```
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = non_negative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be a positive number, got 0")
    return value


def fraction(text: str) -> float:
    """A number in [0, 1)."""
    value = non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must lie in [0, 1), got {text}")
    return value


def share(text: str) -> float:
    """A number in [0, 1]."""
    value = non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must lie in [0, 1], got {text}")
    return value


def number_list(text: str) -> list[float]:
    """One positive number, or a comma-separated list of them (one per asset).

    **Example:**

    ```python
    >>> from quantamm_eqx.cli._types import number_list
    >>> number_list("10,20.5")
    [10.0, 20.5]
    ```
    """
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a number or a comma-separated list of numbers (one per asset), got {text!r}"
        ) from None
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise argparse.ArgumentTypeError(f"every value must be positive and finite, got {text}")
    return values


def name_list(text: str) -> list[str]:
    """A comma-separated list of asset names, at least one."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError("must name at least one asset")
    return names


def time_or_row(text: str) -> int | str:
    """A minute index (an integer) or a date/time such as 2012-03-01 or 2012-03-01T12:00.

    **Example:**

    ```python
    >>> from quantamm_eqx.cli._types import time_or_row
    >>> time_or_row("1440"), time_or_row("2012-03-01T12:00")
    (1440, '2012-03-01T12:00')
    ```
    """
    try:
        return int(text)
    except ValueError:
        pass
    import numpy as np  # only for a date: --help imports no numpy

    try:
        np.datetime64(text, "m")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a minute index (an integer) nor a date or time such as "
            "2012-03-01 or 2012-03-01T12:30"
        ) from None
    return text

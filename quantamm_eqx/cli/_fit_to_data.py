"""Settings that fit the data: the chunk period, `train`'s burn-in and bout, and a warning
when a bout starts with less history than the pool's memory.

An option the user gave is kept (and refused, with values that fit, when it cannot fit); an
option left out takes its default, or a smaller value that fits, said on standard output."""

import argparse
import sys

import numpy as np

from ._options import TRAIN_DEFAULTS
from ._outputs import say
from ._pool_options import POOL_DEFAULTS
from ._types import MINUTES_PER_DAY

#: Data spanning fewer days than this gets hourly rule updates by default.
SHORT_DATA_DAYS = 180
#: The chunk period of short data, in minutes.
SHORT_CHUNK_PERIOD = 60


def training_prices(args: argparse.Namespace):
    """`train`'s and `walk-forward`'s data: the prices between `--start` and `--end`, with
    the chunk period fitted to their length (see `fit_chunk_period`)."""
    from ._data import load_prices

    prices = load_prices(args)
    if args.start is not None or args.end is not None:
        prices = prices.between(args.start, args.end)
    fit_chunk_period(args, len(prices))
    return prices


def fit_chunk_period(args: argparse.Namespace, n_minutes: int) -> None:
    """Set `args.chunk_period` when it was left out: one day, or an hour for short data.

    **Example:**

    ```python
    >>> import argparse
    >>> from quantamm_eqx.cli._fit_to_data import fit_chunk_period
    >>> args = argparse.Namespace(chunk_period=None)
    >>> fit_chunk_period(args, 28 * 1440)
    The data spans 28.0 days: the rule updates hourly (--chunk-period 60; give
    --chunk-period to choose).
    >>> args.chunk_period
    60
    ```
    """
    if args.chunk_period is not None:
        return
    days = n_minutes / MINUTES_PER_DAY
    if days >= SHORT_DATA_DAYS:
        args.chunk_period = POOL_DEFAULTS["chunk_period"]
        return
    args.chunk_period = SHORT_CHUNK_PERIOD
    say(
        f"The data spans {days:,.1f} days: the rule updates hourly (--chunk-period "
        f"{SHORT_CHUNK_PERIOD}; give --chunk-period to choose)."
    )


def training_windows(args: argparse.Namespace, span_minutes: int, chunk_period: int):
    """`train`'s `(burn_in, bout_length)` in minutes, fitting in the training span.

    Training bouts start after the burn-in (and at least one chunk period) and end by the
    end of the training span (`span_minutes`). The options left out take their defaults, or
    shares of the span that fit; options given that cannot fit are refused, with values that
    do.

    **Example:**

    ```python
    >>> import argparse
    >>> from quantamm_eqx.cli._fit_to_data import training_windows
    >>> args = argparse.Namespace(burn_in_days=None, bout_days=None)
    >>> training_windows(args, 1000 * 1440, 1440)  # long data: the defaults
    (129600, 172800)
    >>> args = argparse.Namespace(burn_in_days=None, bout_days=None)
    >>> training_windows(args, 14 * 1440, 60)
    The training span is 14.0 days, too short for the default --burn-in-days 90 and
    --bout-days 120: using --burn-in-days 5.4 and --bout-days 7.2 (give them to choose).
    (7776, 10368)
    ```
    """
    days = span_minutes / MINUTES_PER_DAY
    burn, bout = args.burn_in_days, args.bout_days
    given = [
        f"{option} {value:g}"
        for option, value in (("--burn-in-days", burn), ("--bout-days", bout))
        if value
    ]
    defaults = TRAIN_DEFAULTS["burn_in_days"], TRAIN_DEFAULTS["bout_days"]
    if burn is None and bout is None and sum(defaults) <= days:
        burn, bout = defaults
    elif burn is None and bout is None:
        scale = 0.9 * days / sum(defaults)  # keep the defaults' proportions, in 90% of it
        burn, bout = (float(f"{default * scale:.2g}") for default in defaults)
        say(
            f"The training span is {days:,.1f} days, too short for the default --burn-in-days "
            f"{defaults[0]:g} and --bout-days {defaults[1]:g}: using --burn-in-days {burn:g} and "
            f"--bout-days {bout:g} (give them to choose)."
        )
    elif burn is None:
        burn = max(min(defaults[0], round(days - bout, 1)), 0.0)
    elif bout is None:
        bout = max(min(defaults[1], round(days - burn, 1)), 0.0)
    burn_minutes = max(int(round(burn * MINUTES_PER_DAY)), chunk_period)
    bout_minutes = int(round(bout * MINUTES_PER_DAY))
    if bout_minutes < 2 or burn_minutes + bout_minutes > span_minutes:
        room = max(days - chunk_period / MINUTES_PER_DAY, 0.0)
        proposal = (
            f"e.g. --burn-in-days {0.9 * room * 3 / 7:.2g} --bout-days {0.9 * room * 4 / 7:.2g}"
            if room * MINUTES_PER_DAY >= 4
            else "or use more data"
        )
        needed = (burn_minutes + bout_minutes) / MINUTES_PER_DAY
        subject = " and ".join(given) or "The data"
        raise ValueError(
            f"{subject} leave{'s' if len(given) < 2 else ''} too little room: a "
            f"burn-in of {burn_minutes / MINUTES_PER_DAY:.3g} days (at least one --chunk-period, "
            f"{chunk_period} minutes) and bouts of {bout:g} days need {needed:,.1f} days of "
            f"training data, and the training span (the data before the validation and test "
            f"spans) has {days:,.1f}: give a burn-in and a bout that add up to at most "
            f"{days:,.1f} days, {proposal}."
        )
    return burn_minutes, bout_minutes


def memory_minutes(pool, config) -> int:
    """The pool's longest estimator memory, in minutes."""
    return int(np.max(np.asarray(pool.memory_days(config))) * MINUTES_PER_DAY)


def warn_short_history(memory: int, history_minutes: int, where: str) -> None:
    """Warn (on standard error) when `history_minutes` of prices are fewer than the pool's
    `memory` (minutes, `memory_minutes`): its estimators then start from too little history."""
    memory = memory / MINUTES_PER_DAY
    history = history_minutes / MINUTES_PER_DAY
    if history < memory:
        print(
            f"quantamm-eqx: warning: {where} starts after {history:,.1f} days of history, less "
            f"than the pool's memory ({memory:,.1f} days): its estimators start from too "
            "little history. Use a later start or a longer burn-in, or a shorter "
            "--memory-days.",
            file=sys.stderr,
        )

"""A run's per-minute series (`MarketSeries`), from --fees-file, --gas-cost-file,
--arb-fees-file, --retail-volume-file and --series-fill, and what the run records of them."""

import argparse
from typing import Any

import numpy as np

from ._series_options import SERIES_FILE_OPTIONS

#: The series whose values are fractions, below 1.
_FRACTIONS = ("fees", "arb_fees")


def _files(args: argparse.Namespace) -> dict[str, str]:
    """The series files given: series name -> path."""
    paths = {name: getattr(args, f"{name}_file") for name in SERIES_FILE_OPTIONS}
    return {name: path for name, path in paths.items() if path is not None}


def market_series(args: argparse.Namespace, prices, first_minute: int, stop: int | None = None):
    """The `MarketSeries` of the series files, or `None` when none is given.

    Each file is read for the minutes `prices.timestamps[first_minute:stop]` (those a bout
    may use); the minutes before, never simulated (the rule's history), repeat the first
    value and those after the last, so every series has one row per price row.
    """
    files = _files(args)
    if not files:
        return None
    from .. import MarketSeries
    from ..data import read_series

    fill = None if args.series_fill == "none" else args.series_fill
    stop = len(prices) if stop is None else stop
    minutes = prices.timestamps[first_minute:stop]
    series = {}
    for name, path in files.items():
        option = SERIES_FILE_OPTIONS[name]
        try:
            values = read_series(path, minutes, fill=fill, name=name)
        except FileNotFoundError:
            raise ValueError(f"{option} {path}: there is no such file.") from None
        except ValueError as error:
            raise ValueError(f"{option} {path}: {error}") from error
        if name in _FRACTIONS and (values >= 1).any():
            row = int(np.argmax(values >= 1))
            raise ValueError(
                f"{option} {path}: the {name} must lie in [0, 1) (0.003 is 0.3%); at "
                f"{minutes[row]} it is {values[row]!r}."
            )
        series[name] = np.pad(values, (first_minute, len(prices) - stop), mode="edge")
    return MarketSeries(**series)


def market_metadata(args: argparse.Namespace) -> dict[str, Any]:
    """`{"market": {...}}`: the series files (`fees_file`, ...) and `series_fill` of the
    run, for results.json; `{}` when no series file is given."""
    files = _files(args)
    if not files:
        return {}
    return {
        "market": {f"{name}_file": path for name, path in files.items()}
        | {"series_fill": args.series_fill}
    }


def fees_label(args: argparse.Namespace, config) -> str:
    """The swap fee as the run's first line states it: the number, or its file."""
    return f"fees from {args.fees_file}" if args.fees_file is not None else f"fees={config.fees}"

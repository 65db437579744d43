"""The option groups that `simulate` and `train` share (argparse parents): price data and
output (the pool's are in `_pool_options`); the names the choices of --pool and --objective
offer; and the help formatter of the commands."""

import argparse
from pathlib import Path

from ._types import (
    name_list,
    positive_int,
    time_or_row,
)

#: The names of the built-in pools, the choices of --pool: the keys of
#: `quantamm_eqx.pools.POOLS` (tests/test_cli_parser.py checks they are equal), written out so
#: that parsing the command line imports no pool, hence no JAX.
POOL_NAMES = ("momentum", "anti_momentum", "mean_reversion_channel")
#: The defaults of `train`'s options that default to None in the parser: smaller values are
#: chosen for data shorter than they assume (see `_fit_to_data`).
TRAIN_DEFAULTS = {"burn_in_days": 90.0, "bout_days": 120.0}
#: The folder in which each run gets a new numbered folder when --output is not given.
DEFAULT_ROOT = "quantamm-eqx-results"
#: `quantamm_eqx.metrics.OBJECTIVES`' names, spelt out so that parsing imports no JAX (a
#: test checks that they agree).
OBJECTIVE_NAMES = (
    "daily_log_sharpe",
    "sharpe",
    "daily_sharpe",
    "returns",
    "annualised_returns",
    "returns_over_hodl",
    "returns_over_uniform_hodl",
    "fee_return",
    "arbitrage_return",
    "max_drawdown",
    "calmar",
    "sterling",
    "ulcer",
)


def data_options() -> argparse.ArgumentParser:
    """The price-data group: --data, --format, --assets, --fill, --duplicates."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("price data")
    group.add_argument(
        "--data",
        nargs="+",
        default=["stocks"],
        metavar="SOURCE",
        help="'stocks' (the built-in dataset, the default), a wide CSV/parquet file (a time "
        "column and one price column per asset), a long file with --format long, or "
        "ASSET=FILE[,FILE...] pairs of Binance 1-minute kline exports with --format binance",
    )
    group.add_argument(
        "--format",
        choices=("wide", "long", "binance"),
        default=None,
        help="layout of --data files (default: wide)",
    )
    group.add_argument(
        "--assets",
        type=name_list,
        default=None,
        metavar="A,B,...",
        help="assets to use, in order (default for stocks: AAPL,IBM,MSFT,GOOG; "
        "for files: every column)",
    )
    group.add_argument(
        "--fill",
        choices=("none", "ffill", "log-linear"),
        default=None,
        help="how to fill missing minutes: none (gaps are an error; the default for files), "
        "ffill (carry the last price), log-linear (geometric interpolation; the default "
        "for stocks, which are daily closes)",
    )
    group.add_argument(
        "--duplicates",
        choices=("error", "first", "last"),
        default=None,
        help="rows of a --data file with the same time: an error (the default) or keep the "
        "first/last",
    )
    return parent


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Appends an option's default to its help, unless the help states it or there is none."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, False):
            return text
        return super()._get_help_string(action) or text


def output_options(default_every: int) -> argparse.ArgumentParser:
    """The output group; `default_every` is the default of --record-every."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("output")
    add_output_folder_options(group)
    group.add_argument(
        "--record-every",
        type=positive_int,
        default=default_every,
        metavar="MINUTES",
        help=f"row stride of the saved paths (default: {default_every}); the summary "
        "always uses every minute",
    )
    add_plot_options(group)
    group.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parent


def add_output_folder_options(group) -> None:
    """--output and --overwrite: every command's."""
    group.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"a new or empty folder for the run's files (default: a new numbered folder "
        f"in {DEFAULT_ROOT}/, e.g. {DEFAULT_ROOT}/train-1)",
    )
    group.add_argument(
        "--overwrite",
        action="store_true",
        help="let --output be a folder that holds another run's files, replacing them",
    )


def add_plot_options(group) -> None:
    """--no-plots and --log-scale."""
    group.add_argument("--no-plots", action="store_true", help="do not write the PNG plots")
    group.add_argument(
        "--log-scale", action="store_true", help="draw values.png on a logarithmic value axis"
    )


def add_data_span(group) -> None:
    """`--start` and `--end`: the part of the data a command uses (`train`, `walk-forward`,
    `search`)."""
    group.add_argument(
        "--start",
        type=time_or_row,
        default=None,
        metavar="DATE|INDEX",
        help="first minute of the data used (default: the start of the data)",
    )
    group.add_argument(
        "--end",
        type=time_or_row,
        default=None,
        metavar="DATE|INDEX",
        help="the data used ends just before this minute (default: the end of the data)",
    )

"""The option groups that `simulate` and `train` share (argparse parents): price data, pool,
pool mechanics and output; and the help formatter of the commands."""

import argparse
from pathlib import Path
from typing import Any

from ._series_options import add_series_options
from ._types import (
    MINUTES_PER_DAY,
    fraction,
    name_list,
    non_negative_float,
    number_list,
    positive_float,
    positive_int,
    share,
)

#: The names of the built-in pools, the choices of --pool: the keys of
#: `quantamm_eqx.pools.POOLS` (tests/test_cli_parser.py checks they are equal), written out so
#: that parsing the command line imports no pool, hence no JAX.
POOL_NAMES = ("momentum", "anti_momentum", "mean_reversion_channel")
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
        default="wide",
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
        default="error",
        help="rows with the same time: an error (default) or keep the first/last",
    )
    return parent


def pool_options(defaults: dict[str, Any]) -> argparse.ArgumentParser:
    """The pool group (the rule, its parameters or a --checkpoint) and the pool-mechanics
    group (updates, guard, fees, arbitrage, value and precision); `defaults` holds
    `memory_days` and `k_per_day`."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group(
        "pool",
        "The rule and its parameters in human units: one number for every asset, or a "
        "comma-separated list with one per asset.",
    )
    group.add_argument(
        "--pool", choices=POOL_NAMES, default="momentum", help="the pool's rule (default: momentum)"
    )
    group.add_argument(
        "--checkpoint",
        default=None,
        metavar="FILE",
        help="start from parameters saved by `train` (pool.eqx; the pool type and assets "
        "come from the pool.json beside it) instead of the values below",
    )
    group.add_argument(
        "--memory-days",
        type=number_list,
        default=[defaults["memory_days"]],
        metavar="DAYS",
        help=f"estimator memory in days (default: {defaults['memory_days']})",
    )
    group.add_argument(
        "--k-per-day",
        type=number_list,
        default=[defaults["k_per_day"]],
        metavar="K",
        help="aggressiveness per day of memory, k = k_per_day * memory_days "
        f"(default: {defaults['k_per_day']})",
    )
    group.add_argument(
        "--width", type=number_list, default=[1.0], help="channel half-width (channel only)"
    )
    group.add_argument(
        "--amplitude-per-day",
        type=number_list,
        default=[1.0],
        metavar="A",
        help="channel reversion strength per day of memory (channel only)",
    )
    group.add_argument(
        "--exponents", type=number_list, default=[1.0], help="channel trend exponent (channel only)"
    )
    group.add_argument(
        "--pre-exp-scaling",
        type=number_list,
        default=[0.5],
        metavar="S",
        help="channel gradient scale before the exponent (channel only)",
    )
    group.add_argument(
        "--initial-weights",
        type=number_list,
        default=None,
        metavar="W,W,...",
        help="starting weights, one per asset (default: equal)",
    )
    market = parent.add_argument_group("pool mechanics, fees and precision")
    market.add_argument(
        "--chunk-period",
        type=positive_int,
        default=MINUTES_PER_DAY,
        metavar="MINUTES",
        help="minutes between rule updates (default: 1440, one a day)",
    )
    market.add_argument(
        "--interpolation-period",
        type=positive_int,
        default=None,
        metavar="MINUTES",
        help="minutes over which each new weight is reached (default: --chunk-period)",
    )
    market.add_argument(
        "--maximum-change",
        type=positive_float,
        default=3e-4,
        help="speed limit: the largest weight change per minute (default: 3e-4)",
    )
    market.add_argument(
        "--minimum-weight",
        type=positive_float,
        default=None,
        help="the smallest weight an asset may have (default: 0.1 / n_assets)",
    )
    market.add_argument(
        "--max-memory-days",
        type=positive_float,
        default=365.0,
        metavar="DAYS",
        help="cap on the estimator's memory (default: 365)",
    )
    market.add_argument(
        "--weight-clip",
        choices=("iterative", "reference"),
        default="iterative",
        help="clip to the minimum weight until every weight is at or above it (iterative), "
        "or once, as quantammsim does, which can leave one under it (default: iterative)",
    )
    market.add_argument(
        "--mode",
        choices=("simulator", "protocol"),
        default="simulator",
        help="arithmetic of the rule and guard: the reference simulator's, or the deployed "
        "QuantAMM-V1 contracts' (default: simulator)",
    )
    market.add_argument(
        "--raw-price",
        action="store_true",
        help="divide the rule's gradient by the price, not its moving average (the "
        "contracts' raw-price option)",
    )
    market.add_argument(
        "--fees", type=fraction, default=0.0, help="swap fee, e.g. 0.003 (default: 0)"
    )
    market.add_argument(
        "--gas-cost",
        type=non_negative_float,
        default=0.0,
        help="an arbitrageur's fixed cost per trade, in value units (default: 0)",
    )
    market.add_argument(
        "--arb-fees",
        type=fraction,
        default=0.0,
        help="an arbitrageur's proportional cost per trade (default: 0)",
    )
    add_series_options(market)
    market.add_argument(
        "--arbitrage",
        choices=("exact", "reference"),
        default="exact",
        help="with --fees or --fees-file: make every arbitrage trade the market calls for "
        "(exact), or reproduce quantammsim's rounding-decided rule, whose values end low "
        "(default: exact)",
    )
    market.add_argument(
        "--noise-trader-ratio",
        type=non_negative_float,
        default=0.0,
        metavar="RATIO",
        help="with --fees or --fees-file: retail volume per unit of arbitrage inflow, whose "
        "swap fees the pool keeps (default: 0)",
    )
    market.add_argument(
        "--protocol-fee-split",
        type=share,
        default=0.0,
        metavar="SHARE",
        help="with --fees or --fees-file: the protocol's share of the swap fees (default: 0)",
    )
    market.add_argument(
        "--arb-frequency",
        type=positive_int,
        default=1,
        metavar="MINUTES",
        help="arbitrageurs trade every this many minutes (default: 1)",
    )
    market.add_argument(
        "--no-arb", action="store_true", help="no arbitrage at all: the reserves never move"
    )
    market.add_argument(
        "--initial-value",
        type=positive_float,
        default=1_000_000.0,
        help="the pool's starting value (default: 1,000,000)",
    )
    market.add_argument(
        "--float32",
        action="store_true",
        help="compute in float32 (default: float64; fee paths are only accurate in float64)",
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
    group.add_argument(
        "--output",
        type=Path,
        default=Path("quantamm-eqx-results"),
        metavar="DIR",
        help="directory for results.npz, results.json and the plots "
        "(default: quantamm-eqx-results)",
    )
    group.add_argument(
        "--record-every",
        type=positive_int,
        default=default_every,
        metavar="MINUTES",
        help=f"row stride of the saved paths (default: {default_every}); the summary "
        "always uses every minute",
    )
    group.add_argument("--no-plots", action="store_true", help="do not write the PNG plots")
    group.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parent

"""The pool's option groups that `simulate` and `train` share (argparse parents): the rule
and its parameters (or a checkpoint), and the pool's mechanics, fees and precision.

The options whose use depends on others (the rule's parameters, --chunk-period) default to
None, so that `_resolve` can tell an option given from one left out: it refuses those that
do not apply and fills the rest from `POOL_DEFAULTS` or the checkpoint."""

import argparse

from ._options import POOL_NAMES
from ._series_options import add_series_options
from ._types import (
    fraction,
    non_negative_float,
    number_list,
    positive_float,
    positive_int,
    share,
)

#: The defaults of the pool's options that default to None in the parser (option
#: attribute -> value); the chunk period's may be chosen to fit short data (see `_resolve`).
POOL_DEFAULTS = {
    "pool": "momentum",
    "memory_days": [30.0],
    "k_per_day": [0.5],
    "width": [1.0],
    "amplitude_per_day": [1.0],
    "exponents": [1.0],
    "pre_exp_scaling": [0.5],
    "chunk_period": 1440,
}
#: The options of the channel's own parameters (attribute names of the parsed arguments).
CHANNEL_ONLY = ("width", "amplitude_per_day", "exponents", "pre_exp_scaling")
#: The options that set the pool's rule and parameters, which a --checkpoint holds.
RULE_OPTIONS = ("pool", "memory_days", "k_per_day", *CHANNEL_ONLY, "initial_weights")


def pool_options() -> argparse.ArgumentParser:
    """The pool group (the rule, its parameters or a --checkpoint) and the pool-mechanics
    group (updates, guard, fees, arbitrage, value and precision)."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group(
        "pool",
        "The rule and its parameters in human units: one number for every asset, or a "
        "comma-separated list with one per asset.",
    )
    group.add_argument(
        "--pool", choices=POOL_NAMES, default=None, help="the pool's rule (default: momentum)"
    )
    group.add_argument(
        "--checkpoint",
        default=None,
        metavar="FILE",
        help="use a pool saved by `train` or `save_pool` (pool.eqx) instead of the options of "
        "this group: its rule, parameters, assets, chunk period and precision come from the "
        "pool.json beside it",
    )
    group.add_argument(
        "--memory-days",
        type=number_list,
        default=None,
        metavar="DAYS",
        help=f"estimator memory in days (default: {POOL_DEFAULTS['memory_days'][0]})",
    )
    group.add_argument(
        "--k-per-day",
        type=number_list,
        default=None,
        metavar="K",
        help="aggressiveness per day of memory, k = k_per_day * memory_days "
        f"(default: {POOL_DEFAULTS['k_per_day'][0]})",
    )
    for option, metavar, text in (
        ("--width", "W", "channel half-width"),
        ("--amplitude-per-day", "A", "channel reversion strength per day of memory"),
        ("--exponents", "E", "channel trend exponent"),
        ("--pre-exp-scaling", "S", "channel gradient scale before the exponent"),
    ):
        default = POOL_DEFAULTS[option[2:].replace("-", "_")][0]
        group.add_argument(
            option,
            type=number_list,
            default=None,
            metavar=metavar,
            help=f"{text} (mean_reversion_channel only; default: {default})",
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
        default=None,
        metavar="MINUTES",
        help="minutes between rule updates (default: 1440, one a day; 60 for data shorter "
        "than 180 days; a --checkpoint's own)",
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

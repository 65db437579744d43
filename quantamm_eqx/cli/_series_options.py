"""The options of per-minute series files (--fees-file, --gas-cost-file, --arb-fees-file,
--retail-volume-file, --series-fill), in the pool-mechanics group beside --fees."""

import argparse

#: Each series of a `MarketSeries` and its option: the file's column may carry the name.
SERIES_FILE_OPTIONS = {
    "fees": "--fees-file",
    "gas_cost": "--gas-cost-file",
    "arb_fees": "--arb-fees-file",
    "retail_volume": "--retail-volume-file",
}

_WHAT = {
    "fees": "the pool's swap fee, each in [0, 1), instead of --fees",
    "gas_cost": "the arbitrageur's fixed cost per trade (value units), instead of --gas-cost",
    "arb_fees": "the arbitrageur's proportional cost, each in [0, 1), instead of --arb-fees",
    "retail_volume": "the value retail traders swap through the pool each minute, paying the "
    "swap fee (the pool keeps it); instead of --noise-trader-ratio",
}


def add_series_options(group: argparse._ArgumentGroup) -> None:
    """Add the series-file options to `group` (the pool-mechanics group)."""
    for name, option in SERIES_FILE_OPTIONS.items():
        group.add_argument(
            option,
            default=None,
            metavar="FILE",
            help=f"per-minute {_WHAT[name]}: a CSV/parquet file of a time column and the "
            f"values, its only other column or the one named {name}; aligned on the price "
            "data's minutes (a gap is an error unless --series-fill ffill)",
        )
    group.add_argument(
        "--series-fill",
        choices=("none", "ffill"),
        default="none",
        help="minutes missing from the series files: none (an error; the default), or "
        "ffill (each row's value holds until the next row: a file of changes, whose first "
        "row is at or before the first simulated minute)",
    )

"""The argument parser of `quantamm-eqx`: the commands and their own options (the option
groups they share are in `_options`). Parsing imports neither JAX nor the library's pools."""

import argparse
from pathlib import Path

from .._version import installed_version
from ._options import (
    DEFAULT_ROOT,
    OBJECTIVE_NAMES,
    TRAIN_DEFAULTS,
    HelpFormatter,
    add_data_span,
    add_output_folder_options,
    data_options,
    output_options,
)
from ._pool_options import pool_options
from ._search_options import add_search
from ._training_options import add_training_extras, add_walk_forward
from ._types import fraction, positive_float, positive_int, time_or_row

_DESCRIPTION = f"""\
Differentiable TFMM pools (QuantAMM's momentum, anti-momentum and mean-reversion-channel
rules) in JAX/Equinox.

Without a command, runs `train` on the built-in dataset: daily closes of AAPL, IBM, MSFT
and GOOG (2004-2013, public domain) on a minute grid. Every command prints a summary table
and writes its results and plots to a folder of its own: --output, or a new numbered folder
in {DEFAULT_ROOT}/ (train-1, simulate-1, ...). No run writes over another's files.

examples:
  quantamm-eqx train                                  # the main job, no flags needed
  quantamm-eqx simulate --pool mean_reversion_channel --start 2011-03-01 --end 2013-03-01
  quantamm-eqx simulate --checkpoint {DEFAULT_ROOT}/train-1/pool.eqx --fees 0.003
  quantamm-eqx simulate --data prices.csv --fill ffill --chunk-period 60
  quantamm-eqx walk-forward --train-days 730 --test-days 365 --window-mode expanding
  quantamm-eqx plot {DEFAULT_ROOT}/train-1/results.npz --log-scale
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `quantamm-eqx`.

    **Example:**

    ```python
    >>> from quantamm_eqx.cli import build_parser
    >>> args = build_parser().parse_args(["simulate", "--pool", "anti_momentum"])
    >>> args.pool, args.data, args.record_every
    ('anti_momentum', ['stocks'], 60)
    ```
    """
    parser = argparse.ArgumentParser(
        prog="quantamm-eqx",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    data = data_options()
    pool = pool_options()
    output = output_options(default_every=60)

    simulate = commands.add_parser(
        "simulate",
        parents=[data, pool, output],
        help="run a pool over a bout of prices: summary, results file, plots",
        description="Run a pool over a bout of prices and compare it with holding its "
        "initial reserves (HODL) and with an equal-weight portfolio rebalanced every "
        "minute. The rule uses the prices before --start as history (burn-in).",
        formatter_class=HelpFormatter,
    )
    bout = simulate.add_argument_group("bout")
    bout.add_argument(
        "--start",
        type=time_or_row,
        default=None,
        metavar="DATE|INDEX",
        help="first minute of the bout: a date (2012-03-01), a time (2012-03-01T12:00) or "
        "a row index; default: one year before --end, after at least the pool's memory "
        "of history (or half the data, if shorter)",
    )
    bout.add_argument(
        "--end",
        type=time_or_row,
        default=None,
        metavar="DATE|INDEX",
        help="the bout ends just before this minute (default: the end of the data)",
    )

    train = commands.add_parser(
        "train",
        parents=[data, pool, output],
        help="train a pool's parameters, then compare it with the untrained pool on a "
        "test span it never saw (the default command)",
        description="Split the data in time into training, validation and test spans (the "
        "last two: --val-fraction and --test-fraction of it). Train a pool with "
        "`quantamm_eqx.fit` on random bouts of the training span, keep the parameters with "
        "the best objective on the validation span, and report the trained and untrained "
        "pools on the test span, which neither training nor the choice of parameters saw. "
        "Saves the trained pool (pool.eqx, pool.json) and the training curve (training.png).",
        formatter_class=HelpFormatter,
    )
    span = train.add_argument_group("data span and training")
    add_data_span(span)
    span.add_argument(
        "--val-fraction",
        type=fraction,
        default=0.2,
        help="fraction of the data, before the test span, that picks the best step",
    )
    span.add_argument(
        "--test-fraction",
        type=fraction,
        default=0.2,
        help="fraction of the data, at its end, on which the pools are reported",
    )
    span.add_argument("--steps", type=positive_int, default=300, help="optimisation steps")
    span.add_argument(
        "--bout-days",
        type=positive_float,
        default=None,
        help=f"days per training bout (default: {TRAIN_DEFAULTS['bout_days']:g}, or less to "
        "fit the training span)",
    )
    span.add_argument("--batch-size", type=positive_int, default=4, help="bouts per step")
    span.add_argument(
        "--burn-in-days",
        type=positive_float,
        default=None,
        help="days of history before the first training bout may start (default: "
        f"{TRAIN_DEFAULTS['burn_in_days']:g}, or less to fit the training span)",
    )
    span.add_argument(
        "--objective",
        default="daily_log_sharpe",
        choices=OBJECTIVE_NAMES,
        metavar="NAME",
        help="objective to maximise (default: daily_log_sharpe), one of: "
        + ", ".join(OBJECTIVE_NAMES)
        + " (quantamm_eqx.metrics.OBJECTIVES)",
    )
    span.add_argument(
        "--learning-rate", type=positive_float, default=0.05, help="Adam's learning rate"
    )
    span.add_argument("--seed", type=int, default=0, help="random seed of the bouts")
    span.add_argument(
        "--patience",
        type=positive_int,
        default=None,
        help="stop this many steps after the best validation objective (default: run every step)",
    )
    add_training_extras(span)

    add_walk_forward(commands, data, pool)
    add_search(commands, data, pool)

    plot = commands.add_parser(
        "plot",
        help="draw the plots of a saved results file",
        description="Draw weights.png, values.png and attribution.png (and training.png for "
        "`train`'s results) from a results.npz written by `simulate` or `train`, into a "
        "folder of their own.",
    )
    plot.add_argument("results", type=Path, help="a results.npz (with results.json beside it)")
    plot_output = plot.add_argument_group("output")
    add_output_folder_options(plot_output)
    plot_output.add_argument(
        "--log-scale", action="store_true", help="draw values.png on a logarithmic value axis"
    )
    return parser

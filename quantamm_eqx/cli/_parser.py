"""The argument parser of `quantamm-eqx`: the commands and their own options (the option
groups they share are in `_options`). Parsing imports neither JAX nor the library's pools."""

import argparse
from pathlib import Path

from .._version import installed_version
from ._options import (
    OBJECTIVE_NAMES,
    HelpFormatter,
    data_options,
    output_options,
    pool_options,
)
from ._types import fraction, positive_float, positive_int, time_or_row

_DESCRIPTION = """\
Differentiable TFMM pools (QuantAMM's momentum, anti-momentum and mean-reversion-channel
rules) in JAX/Equinox.

Without a command, runs `train` on the built-in dataset: daily closes of AAPL, IBM, MSFT
and GOOG (2004-2013, public domain) on a minute grid. Every command prints a summary table
and writes its results and plots to --output (default: quantamm-eqx-results/).

examples:
  quantamm-eqx train                                  # the main job, no flags needed
  quantamm-eqx simulate --pool mean_reversion_channel --start 2011-03-01 --end 2013-03-01
  quantamm-eqx simulate --checkpoint quantamm-eqx-results/pool.eqx --fees 0.003
  quantamm-eqx simulate --data prices.csv --fill ffill --chunk-period 60
  quantamm-eqx plot quantamm-eqx-results/results.npz
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `quantamm-eqx`.

    **Example:**

    ```python
    >>> from quantamm_eqx.cli import build_parser
    >>> args = build_parser().parse_args(["simulate", "--pool", "anti_momentum"])
    >>> args.pool, args.data, args.chunk_period
    ('anti_momentum', ['stocks'], 1440)
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
    pool = pool_options({"memory_days": 30.0, "k_per_day": 0.5})
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
        "a row index; default: one year before --end, or after one --chunk-period of "
        "history if the data is shorter",
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
        help="train a pool's parameters, then compare it with the untrained pool on "
        "held-out data (the default command)",
        description="Train a pool with `quantamm_eqx.fit` on random bouts of the training "
        "span (the first 1 - --val-fraction of the data), keep the parameters with the best "
        "objective on the held-out span (the rest), and report both pools there. Saves the "
        "trained pool to pool.eqx (and pool.json) in --output.",
        formatter_class=HelpFormatter,
    )
    span = train.add_argument_group("data span and training")
    span.add_argument(
        "--start",
        type=time_or_row,
        default=None,
        metavar="DATE|INDEX",
        help="first minute of the data used (default: the start of the data)",
    )
    span.add_argument(
        "--end",
        type=time_or_row,
        default=None,
        metavar="DATE|INDEX",
        help="the data used ends just before this minute (default: the end of the data)",
    )
    span.add_argument(
        "--val-fraction", type=fraction, default=0.25, help="fraction held out at the end"
    )
    span.add_argument("--steps", type=positive_int, default=300, help="optimisation steps")
    span.add_argument("--bout-days", type=positive_int, default=120, help="days per training bout")
    span.add_argument("--batch-size", type=positive_int, default=4, help="bouts per step")
    span.add_argument(
        "--burn-in-days",
        type=positive_int,
        default=90,
        help="days of history before the first training bout may start",
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

    plot = commands.add_parser(
        "plot",
        help="draw the plots of a saved results file",
        description="Draw weights.png, values.png and attribution.png from a results.npz "
        "written by `simulate` or `train`.",
    )
    plot.add_argument("results", type=Path, help="a results.npz (with results.json beside it)")
    plot.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to write the plots (default: beside the results file)",
    )
    return parser

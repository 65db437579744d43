"""The `walk-forward` command's options, and the population and regulariser options it
shares with `train`."""

import argparse

from ._options import (
    OBJECTIVE_NAMES,
    TRAIN_DEFAULTS,
    HelpFormatter,
    add_data_span,
    add_output_folder_options,
)
from ._types import non_negative_float, positive_float, positive_int


def add_walk_forward(commands, data, pool) -> None:
    """The `walk-forward` command: `train`'s data, pool and training options, and windows."""
    output = argparse.ArgumentParser(add_help=False)
    group = output.add_argument_group("output")
    add_output_folder_options(group)
    group.add_argument("--no-plots", action="store_true", help="do not write walk_forward.png")
    group.add_argument(
        "--log-scale", action="store_true", help="draw walk_forward.png's values on a log axis"
    )
    group.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    walk = commands.add_parser(
        "walk-forward",
        parents=[data, pool, output],
        help="train a pool on one span after another and score each on the span right "
        "after it: does training generalise?",
        description="Walk-forward evaluation (`quantamm_eqx.evaluation.walk_forward`): cut "
        "the data into windows of --train-days of training data followed by --test-days of "
        "test data, moved on by --step-days; train the pool afresh on each training span "
        "and score it there (in sample) and on the test span after it, which it never saw "
        "(out of sample). Prints each window's objective in and out of sample, the "
        "walk-forward efficiency, the deflated Sharpe ratio and a bootstrap interval of the "
        "out-of-sample Sharpe ratio; writes walk_forward.json and walk_forward.png.",
        formatter_class=HelpFormatter,
    )
    windows = walk.add_argument_group("windows")
    add_data_span(windows)
    windows.add_argument(
        "--train-days", type=positive_float, default=730.0, help="days of each training span"
    )
    windows.add_argument(
        "--test-days", type=positive_float, default=365.0, help="days of each test span"
    )
    windows.add_argument(
        "--step-days",
        type=positive_float,
        default=None,
        help="days between windows (default: --test-days, so the test spans follow each other)",
    )
    windows.add_argument(
        "--window-mode",
        choices=("rolling", "expanding"),
        default="rolling",
        help="rolling: training spans of --train-days that move on; expanding: training spans "
        "from the first window's start that grow (default: rolling; --mode is the "
        "pool's arithmetic)",
    )
    windows.add_argument(
        "--burn-in-days",
        type=positive_float,
        default=None,
        help=f"days of history before the first training span (default: "
        f"{TRAIN_DEFAULTS['burn_in_days']:g}, or less to leave room for a window)",
    )
    fitting = walk.add_argument_group("training in each window")
    fitting.add_argument("--steps", type=positive_int, default=100, help="optimisation steps")
    fitting.add_argument(
        "--bout-days",
        type=positive_float,
        default=None,
        help=f"days per training bout (default: {TRAIN_DEFAULTS['bout_days']:g}, or the "
        "training span if shorter)",
    )
    fitting.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        help="bouts per step (default: 4, or 1 when a bout is the whole training span)",
    )
    fitting.add_argument(
        "--objective",
        default="daily_log_sharpe",
        choices=OBJECTIVE_NAMES,
        metavar="NAME",
        help="objective to maximise and to report (default: daily_log_sharpe), one of: "
        + ", ".join(OBJECTIVE_NAMES),
    )
    fitting.add_argument(
        "--learning-rate", type=positive_float, default=0.05, help="Adam's learning rate"
    )
    fitting.add_argument("--seed", type=int, default=0, help="random seed of the bouts")
    add_training_extras(fitting)


def add_training_extras(group) -> None:
    """`train`'s and `walk-forward`'s population and regulariser options."""
    group.add_argument(
        "--population",
        type=positive_int,
        default=1,
        help="train this many starting points at once and keep the best (default: 1)",
    )
    group.add_argument(
        "--init",
        default="gaussian",
        choices=("gaussian", "sobol", "lhs"),
        help="how a --population is drawn: noise around the pool's parameters (gaussian, "
        "the default), or spread over their search ranges (sobol, lhs)",
    )
    group.add_argument(
        "--price-noise",
        type=non_negative_float,
        default=0.0,
        help="log-normal noise on each step's training prices, as a standard deviation "
        "(default: 0)",
    )
    group.add_argument(
        "--turnover-penalty",
        type=non_negative_float,
        default=0.0,
        help="subtract this times the turnover from the training objective (default: 0)",
    )

"""The `search` command's options: `walk-forward`'s data and pool options, and the study's."""

import argparse

from ._options import OBJECTIVE_NAMES, HelpFormatter, add_data_span, add_output_folder_options
from ._types import fraction, positive_int


def _refine_steps(text: str) -> int:
    """An integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {value}")
    return value


def add_search(commands, data, pool) -> None:
    """The `search` command: an Optuna study over the pool's parameters in human units."""
    output = argparse.ArgumentParser(add_help=False)
    group = output.add_argument_group("output")
    add_output_folder_options(group)
    group.add_argument(
        "--no-plots",
        action="store_true",
        help="do not write optimization_history.png and param_importances.png",
    )
    group.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    search = commands.add_parser(
        "search",
        parents=[data, pool, output],
        help="search the pool's parameters with Optuna (memory, k, ... in human units), "
        "scoring each trial on a held-out validation span",
        description="Strategy search (`quantamm_eqx.search.optuna_search`): an Optuna study "
        "samples the pool's parameters in human units (memory in days, k per day, and the "
        "channel's width, amplitude and exponents) over their documented ranges, and scores "
        "each trial on the last --val-fraction of the data. The pool options give the "
        "parameters that are not searched (initial weights, ...). Prints the best trials; "
        "writes search.json, optimization_history.png, param_importances.png and the study "
        "(study.db, unless --storage names another). Run the same command again with "
        "--output on the same folder and --overwrite to continue the study.",
        formatter_class=HelpFormatter,
    )
    span = search.add_argument_group("data span and study")
    add_data_span(span)
    span.add_argument("--trials", type=positive_int, default=50, help="trials to run")
    span.add_argument(
        "--val-fraction",
        type=fraction,
        default=0.25,
        help="fraction of the data, at its end, that scores each trial",
    )
    span.add_argument(
        "--refine-steps",
        type=_refine_steps,
        default=0,
        help="gradient steps refining each trial's pool on the training span, with "
        "pruning of poor trials (default: 0, none)",
    )
    span.add_argument(
        "--objective",
        default="daily_log_sharpe",
        choices=OBJECTIVE_NAMES,
        metavar="NAME",
        help="objective to maximise on the validation span (default: daily_log_sharpe), "
        "one of: " + ", ".join(OBJECTIVE_NAMES),
    )
    span.add_argument(
        "--per-asset", action="store_true", help="search one value per asset, not one for all"
    )
    span.add_argument(
        "--seed", type=int, default=0, help="seed of the sampler (give each worker its own)"
    )
    span.add_argument(
        "--storage",
        default=None,
        metavar="PATH|URL",
        help="the study's database: a file path or an Optuna URL (sqlite:///..., "
        "postgresql://...) shared by several workers (default: study.db in the run folder)",
    )
    span.add_argument(
        "--study-name", default="quantamm-eqx", help="the study's name in the storage"
    )
    span.add_argument(
        "--top", type=positive_int, default=10, help="how many of the best trials to report"
    )
    search.set_defaults(log_scale=False)

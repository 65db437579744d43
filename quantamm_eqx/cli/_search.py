"""`quantamm-eqx search`: an Optuna study over a pool's parameters in human units, scored
on a held-out validation span; the best trials, search.json, its plots and the study."""

import argparse
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ._config import run_dtype, simulation_config
from ._fit_to_data import training_prices
from ._market import _files as series_files
from ._market import fees_label
from ._outputs import describe_pool, run_metadata, say
from ._pool_files import build_pool
from ._result_set import result_set
from ._walk_forward_report import write_json

#: Every file of a search run's set (the study's database is written beside them as the
#: trials finish, so that an interrupted study keeps them).
SEARCH_FILES = ("search.json", "optimization_history.png", "param_importances.png")
#: The default database in the run folder.
STUDY_FILE = "study.db"
#: The library's argument names in its errors, and the options that set them.
_OPTIONS = {"`val_fraction`": "--val-fraction", "`n_trials`": "--trials"}


def run_search(args: argparse.Namespace) -> int:
    """Run the `search` command; returns the exit status."""
    try:  # before any work: say how to install it
        import optuna  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "search needs optuna: `pip install 'quantamm_eqx[cli]'` (or `[search]`)."
        ) from error
    given = sorted(series_files(args))
    if given:
        raise ValueError(
            "search scores trials with the configuration's constant costs; drop "
            + ", ".join(f"--{name.replace('_', '-')}-file" for name in given)
            + "."
        )
    dtype = run_dtype(args)
    prices = training_prices(args)
    config = simulation_config(args, dtype)
    pool = build_pool(args, prices.assets, dtype)
    storage = args.storage or str(Path(args.output) / STUDY_FILE)
    say(
        f"Optuna search of a {args.pool} pool on {', '.join(prices.assets)} "
        f"({np.dtype(dtype).name}, {fees_label(args, config)}): {args.trials} trial(s) "
        f"scored on the last {args.val_fraction:g} of the data ({args.objective})"
        + (f", each refined by {args.refine_steps} gradient steps" if args.refine_steps else "")
        + f"; study {args.study_name!r} in {storage}."
    )
    with result_set(args.output, SEARCH_FILES, args.overwrite) as files:
        result = _search(args, pool, prices.prices.astype(dtype), config, storage)
        say("\n" + format_trials(result))
        document = run_metadata(args, prices, config, dtype) | search_document(
            args, result, config, storage
        )
        write_json(files.stage / "search.json", document)
        if not args.no_plots:
            _plot(result.study, files.stage)
        written = files.publish()
    say(f"\nWrote {', '.join(written)} to {args.output}/ (the study: {storage})")
    return 0


def _search(args, pool, prices, config, storage):
    """The library's `optuna_search`, its errors in the options' names."""
    from ..search import optuna_search

    try:
        return optuna_search(
            pool,
            prices,
            config,
            n_trials=args.trials,
            objective=args.objective,
            val_fraction=args.val_fraction,
            storage=storage,
            study_name=args.study_name,
            refine_steps=args.refine_steps,
            per_asset=args.per_asset,
            progress=not args.no_progress,
            seed=args.seed,
            top=args.top,
        )
    except ValueError as error:
        message = str(error)
        for name, option in _OPTIONS.items():
            message = message.replace(name, option)
        raise ValueError(message) from error


def format_trials(result) -> str:
    """The best trials as a table, best first.

    **Example:**

    ```python
    >>> from types import SimpleNamespace
    >>> from quantamm_eqx.cli._search import format_trials
    >>> from quantamm_eqx.search import TrialSummary
    >>> rows = (TrialSummary(3, 0.25, "COMPLETE", {"memory_days": 5.0, "k_per_day": 20.0}),)
    >>> print(format_trials(SimpleNamespace(best_trials=rows)))
    trial     value  memory_days  k_per_day
        3      0.25            5         20
    ```
    """
    names = list(result.best_trials[0].params) if result.best_trials else []
    header = ["trial", "value", *names]
    rows = [
        [str(trial.number), f"{trial.value:.4g}", *(f"{trial.params[n]:.4g}" for n in names)]
        for trial in result.best_trials
    ]
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    widths = [max(width, 5) for width in widths]
    widths[1] = max(widths[1], 9)
    lines = [
        "  ".join(cell.rjust(width) for cell, width in zip(line, widths))
        for line in [header, *rows]
    ]
    return "\n".join(line.rstrip() for line in lines)


def search_document(args, result, config, storage: str) -> dict[str, Any]:
    """search.json's own part: settings, the best trial and pool, the top trials, the study."""
    states = [trial.state.name for trial in result.study.trials]
    return {
        "settings": {
            "trials": args.trials,
            "val_fraction": args.val_fraction,
            "refine_steps": args.refine_steps,
            "objective": args.objective,
            "per_asset": args.per_asset,
            "seed": args.seed,
            "storage": storage,
            "study_name": args.study_name,
        },
        "best": {
            "value": _finite(result.value),
            "params": result.params,
            "pool": describe_pool(result.pool, config),
        },
        "trials": [
            {"trial": t.number, "value": _finite(t.value), "params": t.params}
            for t in result.best_trials
        ],
        "study": {
            "name": result.study.study_name,
            "n_trials": len(states),
            **{
                f"n_{state.lower()}": states.count(state)
                for state in ("COMPLETE", "PRUNED", "FAIL")
            },
        },
    }


def _finite(value) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _plot(study, folder: Path) -> None:
    """optimization_history.png, and param_importances.png when the study allows it."""
    import matplotlib
    import matplotlib.pyplot as plt
    from optuna.exceptions import ExperimentalWarning
    from optuna.visualization import matplotlib as optuna_plots

    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    plots = [("optimization_history.png", optuna_plots.plot_optimization_history)]
    if len(complete) >= 2 and len({tuple(sorted(t.params.items())) for t in complete}) >= 2:
        plots.append(("param_importances.png", optuna_plots.plot_param_importances))
    else:
        say(
            "param_importances.png is not drawn: parameter importances need at least 2 "
            "completed trials with different parameters (raise --trials)."
        )
    for name, plot in plots:
        # Optuna's plots set their own style: keep it to them (rc_context restores it).
        with warnings.catch_warnings(), matplotlib.rc_context():
            warnings.simplefilter("ignore", ExperimentalWarning)
            try:
                axes = plot(study)
            except (ValueError, RuntimeError, ZeroDivisionError) as error:
                say(f"{name} is not drawn: {error}")
                continue
            figure = np.ravel(axes)[0].figure
            figure.savefig(folder / name, dpi=100, bbox_inches="tight")
            plt.close(figure)

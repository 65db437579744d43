"""What a command prints and writes: the summary table, results.npz/results.json with the
run's metadata, and the plots."""

import argparse
import dataclasses
import datetime
import os
import sys
from typing import Any

import numpy as np

from ._types import MINUTES_PER_DAY


def say(*parts: object) -> None:
    """`print` to standard output; if its reader has gone (`| head`), the run goes on silently.

    The results and plots are still written: the rest of the output goes to `os.devnull`.
    """
    try:
        print(*parts, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


#: The plots of a run (training.png: `train`'s only).
PLOT_FILES = ("weights.png", "values.png", "attribution.png", "training.png")
#: Every file of a run: `simulate` writes the results and plots, `train` its pool files too.
RUN_FILES = ("pool.eqx", "pool.json", "results.npz", "results.json", *PLOT_FILES)


def write_outputs(
    args,
    files,
    result,
    prices,
    start_index: int,
    metadata: dict,
    comparisons: dict | None = None,
) -> None:
    """Print the summary table; stage the results file and the plots in `files` (a
    `ResultSet`), then publish the set to `args.output`.

    `metadata["title"]` titles the plots and `metadata["label"]` (default "pool") names the
    pool's row and line; `comparisons` (label -> `Simulation` of the same
    bout) are summarised above the pool and drawn on values.png."""
    from ..reports import format_summary, record_run, save_run

    if not np.all(np.isfinite(np.asarray(result.values))):
        raise ValueError(
            "The simulated pool values are not all finite, so nothing was written: check the "
            "prices and the pool's parameters, and try float64 if --float32 was given."
        )
    record = record_run(
        result,
        start=prices.start + start_index * np.timedelta64(1, "m"),
        assets=prices.assets,
        every=args.record_every,
        metadata=metadata,
        comparisons=comparisons,
    )
    summary = record.metadata["summary"]
    rows = {name: summary[name] for name in comparisons or {}}
    rows |= {metadata.get("label", "pool"): summary["pool"], "HODL": summary["hodl"]}
    rows["equal-weight rebalanced"] = summary["equal-weight rebalanced"]
    say(format_summary(rows))
    save_run(files.stage / "results.npz", record)
    if not args.no_plots:
        draw_plots(record, files.stage, log_scale=args.log_scale)
    written = files.publish()
    say(f"\nWrote {', '.join(written)} to {args.output}/")


def draw_plots(record, folder, log_scale: bool) -> None:
    """Draw a record's weights, values, attribution (if it has one) and training curve (if
    `train` wrote it) into `folder`."""
    from ..reports import plot_attribution, plot_training, plot_values, plot_weights

    title = record.metadata.get("title") or record.metadata.get("pool", {}).get("pool", "pool")
    plot_weights(record, folder / "weights.png", title=f"{title}: weights")
    plot_values(record, folder / "values.png", title=f"{title}: value", log_scale=log_scale)
    if record.attribution is not None:  # records of older versions have none
        plot_attribution(record, folder / "attribution.png", title=f"{title}: return")
    training = record.metadata.get("training", {})
    if "train_objective" in training:  # `train`'s results: the objective per step
        plot_training(
            training["train_objective"],
            training["val_objective"],
            folder / "training.png",
            objective=training["objective"],
            best_step=training["best_step"],
            title=f"{title}: {training['objective']} per step",
        )


def run_metadata(args: argparse.Namespace, prices, config, dtype) -> dict[str, Any]:
    """The metadata of every run: command, time, version, precision, data and configuration."""
    from .. import __version__

    return {
        "command": args.command,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "quantamm_eqx": __version__,
        "precision": np.dtype(dtype).name,
        "data": {
            "source": " ".join(args.data),
            "format": "stocks" if args.data == ["stocks"] else args.format,
            "start": str(prices.start),
            "end": str(prices.end),
        },
        "config": {field.name: getattr(config, field.name) for field in dataclasses.fields(config)},
    }


def bout_metadata(prices, start_index: int, length: int) -> dict[str, Any]:
    """The bout's simulated minutes as times (`end` exclusive) and as `simulate`'s arguments."""
    minute = np.timedelta64(1, "m")
    return {
        "start": str(prices.start + start_index * minute),
        "end": str(prices.start + (start_index + length - 1) * minute),
        "start_index": start_index,
        "bout_length": length,
    }


def describe_pool(pool, config) -> dict[str, Any]:
    """The pool's registered name, memory in days and stored array fields."""
    import jax

    from ..pools import pool_name

    fields = {
        field.name: np.asarray(getattr(pool, field.name)).tolist()
        for field in dataclasses.fields(pool)
        if isinstance(getattr(pool, field.name), jax.Array | np.ndarray)
    }
    return {
        "pool": pool_name(pool),
        "memory_days": np.asarray(pool.memory_days(config)).tolist(),
        "parameters": fields,
    }


def span(prices, start_index: int, length: int) -> str:
    """The minutes `[start_index, start_index + length)` as dates and days."""
    first = prices.start + start_index * np.timedelta64(1, "m")
    last = first + (length - 1) * np.timedelta64(1, "m")
    return f"{first} to {last} ({length / MINUTES_PER_DAY:,.1f} days)"

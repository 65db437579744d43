"""`quantamm-eqx train`: train a pool, then compare it with the untrained pool on held-out
data."""

import argparse

import numpy as np

from ._config import run_dtype, simulation_config
from ._data import load_prices
from ._market import fees_label, market_metadata, market_series
from ._outputs import (
    RESULT_FILES,
    bout_metadata,
    describe_pool,
    run_metadata,
    say,
    span,
    write_outputs,
)
from ._pool_files import build_pool
from ._result_set import ResultSet, result_set
from ._types import MINUTES_PER_DAY

#: The files of a `train` run: the trained pool and its results.
TRAIN_FILES = ("pool.eqx", "pool.json", *RESULT_FILES)


def run_train(args: argparse.Namespace) -> int:
    """Run the `train` command; returns the exit status."""
    from ..training import split_index

    dtype = run_dtype(args)
    prices = load_prices(args)
    if args.start is not None or args.end is not None:
        prices = prices.between(args.start, args.end)
    config = simulation_config(args, dtype)
    pool = build_pool(args, prices.assets, dtype)
    n_minutes = len(prices)
    n_train = split_index(n_minutes, args.val_fraction)
    if args.val_fraction == 0:
        raise ValueError("--val-fraction must be positive: `train` reports held-out results.")
    # `fit`'s windows start at max(burn_in, chunk_period) or later; the held-out span at n_train.
    first_minute = min(max(args.burn_in_days * MINUTES_PER_DAY, config.chunk_period), n_train)
    market = market_series(args, prices, first_minute)
    say(
        f"Training a {args.pool} pool on {', '.join(prices.assets)} "
        f"({np.dtype(dtype).name}, {fees_label(args, config)}): {args.steps} steps of "
        f"{args.batch_size} x {args.bout_days}-day bouts from {span(prices, 0, n_train)}; "
        f"held out: {span(prices, n_train, n_minutes - n_train - 1)}."
    )
    pool_metadata = {"assets": list(prices.assets), "chunk_period": config.chunk_period}
    with result_set(args.output, TRAIN_FILES) as files:  # refuses an unwritable folder now
        try:
            arrays = prices.prices.astype(dtype)
            trained = _train(args, files, pool, arrays, config, market, pool_metadata)
            _report(args, files, pool, trained, prices, config, market, dtype, n_train)
        except KeyboardInterrupt:
            _publish_pool_only(args, files)
            raise
    checkpoint = args.output / "pool.eqx"
    say(f"Trained pool: {checkpoint} (reload with --checkpoint {checkpoint}).")
    return 0


def _publish_pool_only(args, files: ResultSet) -> None:
    """On Ctrl-C: publish the best pool so far (with its pool.json), without the results
    and plots that may be half-staged; nothing if no pool was saved yet."""
    if not (files.stage / "pool.eqx").exists():
        return
    for name in RESULT_FILES:
        (files.stage / name).unlink(missing_ok=True)
    files.publish()
    say(
        f"\nInterrupted: the best pool so far is in {args.output / 'pool.eqx'} (with its "
        "pool.json; no results or plots)."
    )


def _train(args, files: ResultSet, pool, prices, config, market, pool_metadata):
    """`fit`, saving the best pool so far in the staged set as it goes."""
    import jax

    from .. import fit, save_pool
    from ..training import default_optimizer

    checkpoint = files.stage / "pool.eqx"
    try:
        trained = fit(
            pool,
            prices,
            config,
            bout_length=args.bout_days * MINUTES_PER_DAY,
            steps=args.steps,
            key=jax.random.key(args.seed),
            objective=args.objective,
            optimizer=default_optimizer(args.learning_rate),
            batch_size=args.batch_size,
            val_fraction=args.val_fraction,
            burn_in=args.burn_in_days * MINUTES_PER_DAY,
            progress=not args.no_progress,
            checkpoint=checkpoint,
            checkpoint_metadata=pool_metadata,
            market=market,
        )
    except ValueError as error:  # name the command's options, not `fit`'s arguments
        raise ValueError(
            f"{error} (On the command line, `bout_length` is --bout-days and `burn_in` is "
            "--burn-in-days, in minutes (days x 1440); `val_fraction` is --val-fraction.)"
        ) from error
    save_pool(checkpoint, trained.pool, metadata=pool_metadata)
    return trained


def _report(args, files: ResultSet, pool, trained, prices, config, market, dtype, n_train):
    """Simulate the untrained and trained pools on the held-out span; print and publish."""
    from .. import hodl_values, simulate
    from ..reports import attribution_table, summarise

    n_minutes = len(prices)

    def held_out(candidate):
        return simulate(
            candidate,
            prices.prices.astype(dtype),
            config,
            start_index=n_train,
            bout_length=n_minutes - n_train,
            market=market,
        )

    initial = held_out(pool)
    initial_values = np.asarray(initial.values, dtype=np.float64)
    hodl = np.asarray(hodl_values(initial), dtype=np.float64)
    initial_parts = attribution_table(initial)[-1]
    result = held_out(trained.pool)
    skipped = int(np.asarray(trained.skipped).sum())
    if trained.best_step >= 0:
        best = f"Best step {trained.best_step} of {args.steps}"
    else:
        best = f"None of the {args.steps} steps improved on the starting pool"
    say(
        f"\n{best}"
        f"{f'; {skipped} step(s) skipped for non-finite gradients' if skipped else ''}. "
        f"Held-out results ({span(prices, n_train, n_minutes - n_train - 1)}):\n"
    )
    metadata = run_metadata(args, prices, config, dtype) | market_metadata(args)
    metadata |= {
        "bout": bout_metadata(prices, n_train, n_minutes - n_train),
        "pool": describe_pool(trained.pool, config),
        "initial_pool": describe_pool(pool, config),
        "training": {
            "steps": args.steps,
            "bout_days": args.bout_days,
            "batch_size": args.batch_size,
            "burn_in_days": args.burn_in_days,
            "val_fraction": args.val_fraction,
            "objective": args.objective,
            "learning_rate": args.learning_rate,
            "seed": args.seed,
            "best_step": trained.best_step,
            "skipped_steps": skipped,
        },
        "extra_rows": {"untrained pool": summarise(initial_values, hodl, initial_parts)},
    }
    title = f"trained {args.pool}"
    write_outputs(args, files, result, prices, n_train, metadata, title, label="trained pool")

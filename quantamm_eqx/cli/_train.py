"""`quantamm-eqx train`: train a pool, pick its best step on a validation span, then compare
it with the untrained pool on a test span that neither saw."""

import argparse
from typing import NamedTuple

import numpy as np

from ._config import run_dtype, simulation_config
from ._fit_to_data import (
    memory_minutes,
    training_prices,
    training_windows,
    warn_short_history,
)
from ._market import fees_label, market_metadata, market_series
from ._outputs import (
    RUN_FILES,
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


class Plan(NamedTuple):
    """Where the spans start (minutes of the data) and the training bouts' sizes."""

    val_start: int
    test_start: int
    n_minutes: int
    burn_in: int
    bout_length: int


def run_train(args: argparse.Namespace) -> int:
    """Run the `train` command; returns the exit status."""
    dtype = run_dtype(args)
    prices = training_prices(args)
    config = simulation_config(args, dtype)
    pool = build_pool(args, prices.assets, dtype)
    val_start, test_start, n_minutes = split_spans(
        len(prices), args.val_fraction, args.test_fraction
    )
    burn_in, bout_length = training_windows(args, val_start, config.chunk_period)
    plan = Plan(val_start, test_start, n_minutes, burn_in, bout_length)
    warn_short_history(memory_minutes(pool, config), burn_in, "A training bout")
    market = market_series(args, prices, burn_in)
    say(
        f"Training a {args.pool} pool on {', '.join(prices.assets)} "
        f"({np.dtype(dtype).name}, {fees_label(args, config)}): {args.steps} steps of "
        f"{args.batch_size} x {bout_length / MINUTES_PER_DAY:g}-day bouts from "
        f"{span(prices, 0, val_start)}, after {burn_in / MINUTES_PER_DAY:g} days of burn-in; "
        f"best step picked on {span(prices, val_start, test_start - val_start)}; "
        f"test span: {span(prices, test_start, n_minutes - test_start - 1)}."
    )
    pool_metadata = {"assets": list(prices.assets), "chunk_period": config.chunk_period}
    with result_set(args.output, RUN_FILES, args.overwrite) as files:  # refused now if unusable
        try:
            arrays = prices.prices.astype(dtype)
            trained = _train(args, files, pool, arrays, config, market, pool_metadata, plan)
            _report(args, files, pool, trained, prices, config, market, dtype, plan)
        except KeyboardInterrupt:
            _publish_pool_only(args, files)
            raise
    checkpoint = args.output / "pool.eqx"
    say(f"Trained pool: {checkpoint} (reload with --checkpoint {checkpoint}).")
    return 0


def split_spans(n_minutes: int, val_fraction: float, test_fraction: float):
    """The first validation minute, the first test minute and the number of minutes.

    Training uses the minutes before the validation span, which picks the best step; the
    test span, at the end, is only simulated for the report.

    **Example:**

    ```python
    >>> from quantamm_eqx.cli._train import split_spans
    >>> split_spans(1000, val_fraction=0.2, test_fraction=0.2)
    (600, 800, 1000)
    ```
    """
    from ..training import split_index

    if val_fraction == 0 or test_fraction == 0:
        zero = "--val-fraction" if val_fraction == 0 else "--test-fraction"
        raise ValueError(
            f"{zero} must be positive: `train` picks its best step on the validation span and "
            "reports on the test span."
        )
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"--val-fraction {val_fraction:g} and --test-fraction {test_fraction:g} leave no "
            "data to train on: their sum must be below 1 (e.g. 0.2 each)."
        )
    test_start = split_index(n_minutes, test_fraction)
    return split_index(test_start, val_fraction / (1 - test_fraction)), test_start, n_minutes


def _publish_pool_only(args, files: ResultSet) -> None:
    """On Ctrl-C: publish the best pool so far (with its pool.json), without the results
    and plots that may be half-staged; nothing if no pool was saved yet."""
    if not (files.stage / "pool.eqx").exists():
        return
    for name in files.names:
        if name not in ("pool.eqx", "pool.json"):
            (files.stage / name).unlink(missing_ok=True)
    files.publish()
    say(
        f"\nInterrupted: the best pool so far is in {args.output / 'pool.eqx'} (with its "
        "pool.json; no results or plots)."
    )


def _train(args, files: ResultSet, pool, prices, config, market, pool_metadata, plan: Plan):
    """`fit` on the minutes before the test span, saving the best pool so far in the staged
    set as it goes."""
    import jax

    from .. import fit, save_pool
    from ..training import default_optimizer

    test_start = plan.test_start
    checkpoint = files.stage / "pool.eqx"
    if args.population > 1:
        from .. import initial_population

        pool = initial_population(
            pool,
            args.population,
            jax.random.fold_in(jax.random.key(args.seed), 1),
            method=args.init,
        )
    trained = fit(
        pool,
        prices[:test_start],  # the test span is never seen
        config,
        bout_length=plan.bout_length,
        steps=args.steps,
        key=jax.random.key(args.seed),
        objective=args.objective,
        optimizer=default_optimizer(args.learning_rate),
        batch_size=args.batch_size,
        val_fraction=args.val_fraction / (1 - args.test_fraction),  # from val_start on
        burn_in=plan.burn_in,
        progress=not args.no_progress,
        checkpoint=checkpoint,
        checkpoint_metadata=pool_metadata,
        market=None if market is None else jax.tree.map(lambda x: x[:test_start], market),
        patience=args.patience,
        price_noise=args.price_noise,
        turnover_penalty=args.turnover_penalty,
    )
    save_pool(checkpoint, trained.pool, metadata=pool_metadata)
    return trained


def _report(args, files: ResultSet, pool, trained, prices, config, market, dtype, plan: Plan):
    """Simulate the untrained and trained pools on the test span; print and publish."""
    from .. import simulate

    test_start, n_minutes = plan.test_start, plan.n_minutes

    def tested(candidate):
        return simulate(
            candidate,
            prices.prices.astype(dtype),
            config,
            start_index=test_start,
            bout_length=n_minutes - test_start,
            market=market,
        )

    initial = tested(pool)
    result = tested(trained.pool)
    skipped = int(np.asarray(trained.skipped).sum())
    if trained.best_step >= 0:
        scores = np.asarray(trained.val_objective)[trained.best_step].reshape(-1)
        score = float(scores[trained.best_member])
        best = f"Best step {trained.best_step} of {trained.steps_run} ({args.objective} "
        best += f"{score:.4g} on the validation span)"
    else:
        best = f"None of the {trained.steps_run} steps improved on the starting pool"
    if trained.steps_run < args.steps:
        best += f"; stopped early, {args.patience} steps after it"
    say(
        f"\n{best}"
        f"{f'; {skipped} step(s) skipped for non-finite gradients' if skipped else ''}. "
        f"On the test span, unseen in training and in picking the step "
        f"({span(prices, test_start, n_minutes - test_start - 1)}):\n"
    )
    metadata = run_metadata(args, prices, config, dtype) | market_metadata(args)
    metadata |= {
        "bout": bout_metadata(prices, test_start, n_minutes - test_start),
        "pool": describe_pool(trained.pool, config),
        "initial_pool": describe_pool(pool, config),
        "training": _training_metadata(args, trained, prices, plan, skipped),
        "title": f"trained {args.pool}",
        "label": "trained pool",
    }
    comparison = {"untrained pool": initial}
    write_outputs(args, files, result, prices, test_start, metadata, comparison)


def _training_metadata(args, trained, prices, plan: Plan, skipped: int) -> dict:
    """The training's settings, spans and curves (per step; null for a skipped step)."""
    val_start, test_start = plan.val_start, plan.test_start

    def curve(values) -> list[float | None]:
        values = np.asarray(values, dtype=np.float64)
        column = values.reshape(len(values), -1)[:, trained.best_member]  # the best member's
        return [float(v) if np.isfinite(v) else None for v in column]

    return {
        "steps": args.steps,
        "bout_days": plan.bout_length / MINUTES_PER_DAY,
        "batch_size": args.batch_size,
        "burn_in_days": plan.burn_in / MINUTES_PER_DAY,
        "val_fraction": args.val_fraction,
        "test_fraction": args.test_fraction,
        "train_span": bout_metadata(prices, 0, val_start),
        "validation_span": bout_metadata(prices, val_start, test_start - val_start),
        "objective": args.objective,
        "learning_rate": args.learning_rate,
        "seed": args.seed,
        "patience": args.patience,
        "population": args.population,
        "init": args.init,
        "price_noise": args.price_noise,
        "turnover_penalty": args.turnover_penalty,
        "steps_run": trained.steps_run,
        "best_step": trained.best_step,
        "best_member": trained.best_member,
        "skipped_steps": skipped,
        "train_objective": curve(trained.train_objective),
        "val_objective": curve(trained.val_objective),
    }

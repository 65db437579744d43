"""`quantamm-eqx walk-forward`: train a pool on one span after another, score each trained
pool on the span right after it, and report whether training generalises."""

import argparse

import numpy as np

from ._config import run_dtype, simulation_config
from ._fit_to_data import memory_minutes, training_prices, warn_short_history
from ._market import fees_label, market_metadata, market_series
from ._options import TRAIN_DEFAULTS
from ._outputs import run_metadata, say
from ._pool_files import build_pool
from ._result_set import result_set
from ._types import MINUTES_PER_DAY
from ._walk_forward_report import (
    Plan,
    format_summary,
    format_windows,
    walk_forward_document,
    write_json,
)

#: Every file of a walk-forward run.
WALK_FORWARD_FILES = ("walk_forward.json", "walk_forward.png")
#: The library's argument names in its errors, and the options that set them.
_OPTIONS = {
    "`train_length`": "--train-days",
    "`test_length`": "--test-days",
    "`step`": "--step-days",
}


def run_walk_forward(args: argparse.Namespace) -> int:
    """Run the `walk-forward` command; returns the exit status."""
    dtype = run_dtype(args)
    prices = training_prices(args)
    config = simulation_config(args, dtype)
    pool = build_pool(args, prices.assets, dtype)
    plan = plan_windows(args, len(prices), config.chunk_period)
    warn_short_history(memory_minutes(pool, config), plan.burn_in, "The first training span")
    market = market_series(args, prices, plan.burn_in)
    step = plan.step / MINUTES_PER_DAY
    say(
        f"Walk-forward evaluation of a {args.pool} pool on {', '.join(prices.assets)} "
        f"({np.dtype(dtype).name}, {fees_label(args, config)}): {plan.n_windows} "
        f"{args.window_mode} window(s) of {args.train_days:g} training days, then "
        f"{args.test_days:g} test days, "
        f"every {step:g} days, after {plan.burn_in / MINUTES_PER_DAY:g} days of burn-in; "
        f"each trains {args.steps} steps of {plan.batch_size} x "
        f"{plan.bout / MINUTES_PER_DAY:g}-day bouts ({args.objective})."
    )
    with result_set(args.output, WALK_FORWARD_FILES, args.overwrite) as files:
        result = _evaluate(args, pool, prices.prices.astype(dtype), config, market, plan)
        say("\n" + format_windows(result, prices) + "\n\n" + format_summary(result))
        document = run_metadata(args, prices, config, dtype) | market_metadata(args)
        document |= walk_forward_document(args, result, prices, pool, config, plan)
        write_json(files.stage / "walk_forward.json", document)
        if not args.no_plots:
            from ..reports import plot_walk_forward

            title = f"{args.pool}: walk-forward ({args.window_mode}, {plan.n_windows} windows)"
            path = files.stage / "walk_forward.png"
            plot_walk_forward(result, path, title=title, log_scale=args.log_scale)
        written = files.publish()
    say(f"\nWrote {', '.join(written)} to {args.output}/")
    return 0


def plan_windows(args: argparse.Namespace, n_minutes: int, chunk_period: int) -> Plan:
    """The windows and bouts of the options, in minutes; `ValueError` naming the options
    when no window fits in the data.

    **Example:**

    ```python
    >>> import argparse
    >>> from quantamm_eqx.cli._walk_forward import plan_windows
    >>> args = argparse.Namespace(train_days=3.0, test_days=2.0, step_days=None,
    ...     burn_in_days=1.0, bout_days=None, batch_size=None)
    >>> plan_windows(args, 10 * 1440, 60)
    Plan(train=4320, test=2880, step=2880, burn_in=1440, bout=4320, batch_size=1, n_windows=3)
    >>> plan_windows(args, 5 * 1440, 60)
    Traceback (most recent call last):
    ...
    ValueError: --train-days 3 and --test-days 2 after 1 day(s) of burn-in need 6.0 days of
    data, and the data has 5.0 days: shorten them or --burn-in-days, or use more data.
    ```
    """
    minutes = {
        name: int(round(getattr(args, name) * MINUTES_PER_DAY))
        for name in ("train_days", "test_days")
    }
    step = minutes["test_days"]
    if args.step_days is not None:
        step = int(round(args.step_days * MINUTES_PER_DAY))
    for option, value in (*minutes.items(), ("step_days", step)):
        if value < 1:
            raise ValueError(f"--{option.replace('_', '-')} must be at least a minute (1/1440).")
    train, test = minutes["train_days"], minutes["test_days"]
    room = n_minutes - train - test
    if args.burn_in_days is not None:
        burn_in = max(int(round(args.burn_in_days * MINUTES_PER_DAY)), chunk_period)
    else:
        default = int(TRAIN_DEFAULTS["burn_in_days"] * MINUTES_PER_DAY)
        burn_in = max(min(default, room), chunk_period)
        if burn_in < default and burn_in + train + test <= n_minutes:
            say(
                f"The data leaves room for {burn_in / MINUTES_PER_DAY:.3g} days of burn-in "
                f"before the first window, less than the default {default / MINUTES_PER_DAY:g} "
                "(give --burn-in-days to choose)."
            )
    if burn_in + train + test > n_minutes:
        raise ValueError(
            f"--train-days {args.train_days:g} and --test-days {args.test_days:g} after "
            f"{burn_in / MINUTES_PER_DAY:.3g} day(s) of burn-in need "
            f"{(burn_in + train + test) / MINUTES_PER_DAY:,.1f} days of data, and the data has "
            f"{n_minutes / MINUTES_PER_DAY:,.1f} days: shorten them or --burn-in-days, or use "
            "more data."
        )
    if args.bout_days is None:
        bout = min(int(TRAIN_DEFAULTS["bout_days"] * MINUTES_PER_DAY), train)
    else:
        bout = int(round(args.bout_days * MINUTES_PER_DAY))
        if not 2 <= bout <= train:
            raise ValueError(
                f"--bout-days {args.bout_days:g} must fit in the training span: at most "
                f"--train-days {args.train_days:g} (and at least 2 minutes)."
            )
    batch_size = args.batch_size or (1 if bout == train else 4)
    n_windows = (n_minutes - burn_in - train - test) // step + 1
    return Plan(train, test, step, burn_in, bout, batch_size, n_windows)


def _evaluate(args, pool, prices, config, market, plan: Plan):
    """The library's `walk_forward`, its errors in the options' names."""
    import jax

    from ..evaluation import walk_forward
    from ..training import default_optimizer

    if args.population > 1:
        from .. import initial_population

        key = jax.random.fold_in(jax.random.key(args.seed), 1)
        pool = initial_population(pool, args.population, key, method=args.init)
    try:
        return walk_forward(
            pool,
            prices,
            config,
            train_length=plan.train,
            test_length=plan.test,
            step=plan.step,
            mode=args.window_mode,
            objective=args.objective,
            progress=not args.no_progress,
            burn_in=plan.burn_in,
            market=market,
            fit_options={
                "steps": args.steps,
                "bout_length": plan.bout,
                "batch_size": plan.batch_size,
                "key": jax.random.key(args.seed),
                "optimizer": default_optimizer(args.learning_rate),
                "price_noise": args.price_noise,
                "turnover_penalty": args.turnover_penalty,
            },
        )
    except ValueError as error:
        message = str(error)
        for name, option in _OPTIONS.items():
            message = message.replace(name, option)
        raise ValueError(message) from error

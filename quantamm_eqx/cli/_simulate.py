"""`quantamm-eqx simulate`: run a pool over a bout of prices."""

import argparse

import numpy as np

from ._config import run_dtype, simulation_config
from ._data import load_prices
from ._fit_to_data import fit_chunk_period, memory_minutes, warn_short_history
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
from ._result_set import result_set
from ._types import MINUTES_PER_DAY


def run_simulate(args: argparse.Namespace) -> int:
    """Run the `simulate` command; returns the exit status."""
    import jax

    from .. import simulate

    dtype = run_dtype(args)
    prices = load_prices(args)
    fit_chunk_period(args, len(prices))
    config = simulation_config(args, dtype)
    pool = build_pool(args, prices.assets, dtype)
    memory = memory_minutes(pool, config)
    start, length = bout(args, prices, config.chunk_period, memory)
    warn_short_history(memory, start, "The bout")
    market = market_series(args, prices, start, start + length - 1)  # the simulated minutes
    say(
        f"Simulating a {args.pool} pool on {', '.join(prices.assets)}: "
        f"{span(prices, start, length - 1)}, {fees_label(args, config)}, "
        f"{np.dtype(dtype).name}."
    )
    result = jax.block_until_ready(
        simulate(
            pool,
            prices.prices.astype(dtype),
            config,
            start_index=start,
            bout_length=length,
            market=market,
        )
    )
    metadata = run_metadata(args, prices, config, dtype) | market_metadata(args)
    metadata |= {
        "bout": bout_metadata(prices, start, length),
        "pool": describe_pool(pool, config),
        "title": args.pool,
    }
    say()
    with result_set(args.output, RUN_FILES, args.overwrite) as files:
        write_outputs(args, files, result, prices, start, metadata)
    return 0


def bout(args: argparse.Namespace, prices, chunk_period: int, memory: int) -> tuple[int, int]:
    """The bout `(start_index, bout_length)` of `simulate` from --start/--end.

    The simulation covers the minutes from --start to just before --end. `simulate` reads
    one row past the minutes it reports, so the data's last minute is never simulated: an
    --end past it (or no --end) stops the bout one minute before it. Without --start, the
    bout is the last year before --end, after at least the pool's `memory` (in minutes) of
    history, or half the data if that is shorter, and one chunk period.
    """
    n_minutes = len(prices)
    end = min(n_minutes if args.end is None else prices.stop_index(args.end), n_minutes - 1)
    if n_minutes < chunk_period + 2:
        raise ValueError(
            f"The data has {n_minutes} minutes: too few for one --chunk-period "
            f"({chunk_period} minutes) of history and a bout. Use more data or a shorter "
            "--chunk-period."
        )
    if args.start is None:
        start = max(end - 365 * MINUTES_PER_DAY, min(memory, end // 2), chunk_period)
    else:
        start = prices.index(args.start)
    if start < chunk_period:
        raise ValueError(
            f"--start must leave at least one --chunk-period ({chunk_period} minutes) of "
            f"history before the bout; it is row {start}. Start later."
        )
    if end - start < 2:
        raise ValueError(
            f"--end (row {end}) must come at least 2 minutes after --start (row {start})"
            + ("." if args.end is not None else f"; the data ends at row {n_minutes}.")
        )
    return start, end - start + 1

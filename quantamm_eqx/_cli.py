"""The `quantamm-eqx` command line: `simulate`, `train` and `plot`."""

import argparse
import dataclasses
import datetime
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

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

POOLS = ("momentum", "anti_momentum", "mean_reversion_channel")
_CHANNEL_ONLY = ("width", "amplitude_per_day", "exponents", "pre_exp_scaling")
_MINUTES_PER_DAY = 1440
#: The keys of the pool.json that `train` writes beside pool.eqx.
_DESCRIPTION_KEYS = ("pool", "assets", "chunk_period", "dtype")


# ---------------------------------------------------------------------------- argument types


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not np.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = _non_negative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be a positive number, got 0")
    return value


def _fraction(text: str) -> float:
    value = _non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must lie in [0, 1), got {text}")
    return value


def _values(text: str) -> list[float]:
    """One positive number, or a comma-separated list of them (one per asset)."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a number or a comma-separated list of numbers (one per asset), got {text!r}"
        ) from None
    if not all(np.isfinite(v) and v > 0 for v in values):
        raise argparse.ArgumentTypeError(f"every value must be positive and finite, got {text}")
    return values


def _names(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError("must name at least one asset")
    return names


def _when(text: str) -> int | str:
    """A minute index (an integer) or a date/time such as 2012-03-01 or 2012-03-01T12:00."""
    try:
        return int(text)
    except ValueError:
        return text


# ---------------------------------------------------------------------------- the parser


def _data_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("price data")
    group.add_argument(
        "--data",
        nargs="+",
        default=["stocks"],
        metavar="SOURCE",
        help="'stocks' (the built-in dataset, the default), a wide CSV/parquet file (a time "
        "column and one price column per asset), a long file with --format long, or "
        "ASSET=FILE[,FILE...] pairs of Binance 1-minute kline exports with --format binance",
    )
    group.add_argument(
        "--format",
        choices=("wide", "long", "binance"),
        default="wide",
        help="layout of --data files (default: wide)",
    )
    group.add_argument(
        "--assets",
        type=_names,
        default=None,
        metavar="A,B,...",
        help="assets to use, in order (default for stocks: AAPL,IBM,MSFT,GOOG; "
        "for files: every column)",
    )
    group.add_argument(
        "--fill",
        choices=("none", "ffill", "log-linear"),
        default=None,
        help="how to fill missing minutes: none (gaps are an error; the default for files), "
        "ffill (carry the last price), log-linear (geometric interpolation; the default "
        "for stocks, which are daily closes)",
    )
    group.add_argument(
        "--duplicates",
        choices=("error", "first", "last"),
        default="error",
        help="rows with the same time: an error (default) or keep the first/last",
    )
    return parent


def _pool_options(defaults: dict[str, Any]) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group(
        "pool",
        "The rule and its parameters in human units: one number for every asset, or a "
        "comma-separated list with one per asset.",
    )
    group.add_argument(
        "--pool", choices=POOLS, default="momentum", help="the pool's rule (default: momentum)"
    )
    group.add_argument(
        "--checkpoint",
        default=None,
        metavar="FILE",
        help="start from parameters saved by `train` (pool.eqx; the pool type and assets "
        "come from the pool.json beside it) instead of the values below",
    )
    group.add_argument(
        "--memory-days",
        type=_values,
        default=[defaults["memory_days"]],
        metavar="DAYS",
        help=f"estimator memory in days (default: {defaults['memory_days']})",
    )
    group.add_argument(
        "--k-per-day",
        type=_values,
        default=[defaults["k_per_day"]],
        metavar="K",
        help="aggressiveness per day of memory, k = k_per_day * memory_days "
        f"(default: {defaults['k_per_day']})",
    )
    group.add_argument(
        "--width", type=_values, default=[1.0], help="channel half-width (channel only)"
    )
    group.add_argument(
        "--amplitude-per-day",
        type=_values,
        default=[1.0],
        metavar="A",
        help="channel reversion strength per day of memory (channel only)",
    )
    group.add_argument(
        "--exponents", type=_values, default=[1.0], help="channel trend exponent (channel only)"
    )
    group.add_argument(
        "--pre-exp-scaling",
        type=_values,
        default=[0.5],
        metavar="S",
        help="channel gradient scale before the exponent (channel only)",
    )
    group.add_argument(
        "--initial-weights",
        type=_values,
        default=None,
        metavar="W,W,...",
        help="starting weights, one per asset (default: equal)",
    )
    market = parent.add_argument_group("pool mechanics, fees and precision")
    market.add_argument(
        "--chunk-period",
        type=_positive_int,
        default=_MINUTES_PER_DAY,
        metavar="MINUTES",
        help="minutes between rule updates (default: 1440, one a day)",
    )
    market.add_argument(
        "--interpolation-period",
        type=_positive_int,
        default=None,
        metavar="MINUTES",
        help="minutes over which each new weight is reached (default: --chunk-period)",
    )
    market.add_argument(
        "--maximum-change",
        type=_positive_float,
        default=3e-4,
        help="speed limit: the largest weight change per minute (default: 3e-4)",
    )
    market.add_argument(
        "--minimum-weight",
        type=_positive_float,
        default=None,
        help="the smallest weight an asset may have (default: 0.1 / n_assets)",
    )
    market.add_argument(
        "--max-memory-days",
        type=_positive_float,
        default=365.0,
        metavar="DAYS",
        help="cap on the estimator's memory (default: 365)",
    )
    market.add_argument(
        "--mode",
        choices=("simulator", "protocol"),
        default="simulator",
        help="arithmetic of the rule and guard: the reference simulator's, or the deployed "
        "QuantAMM-V1 contracts' (default: simulator)",
    )
    market.add_argument(
        "--raw-price",
        action="store_true",
        help="divide the rule's gradient by the price, not its moving average (the "
        "contracts' raw-price option)",
    )
    market.add_argument(
        "--fees", type=_fraction, default=0.0, help="swap fee, e.g. 0.003 (default: 0)"
    )
    market.add_argument(
        "--gas-cost",
        type=_non_negative_float,
        default=0.0,
        help="an arbitrageur's fixed cost per trade, in value units (default: 0)",
    )
    market.add_argument(
        "--arb-fees",
        type=_fraction,
        default=0.0,
        help="an arbitrageur's proportional cost per trade (default: 0)",
    )
    market.add_argument(
        "--arbitrage",
        choices=("exact", "reference"),
        default="exact",
        help="with --fees: make every arbitrage trade the market calls for (exact), or "
        "reproduce quantammsim's rounding-decided rule, whose values end low (default: exact)",
    )
    market.add_argument(
        "--initial-value",
        type=_positive_float,
        default=1_000_000.0,
        help="the pool's starting value (default: 1,000,000)",
    )
    market.add_argument(
        "--float32",
        action="store_true",
        help="compute in float32 (default: float64; fee paths are only accurate in float64)",
    )
    return parent


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Appends an option's default to its help, unless the help states it or there is none."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, False):
            return text
        return super()._get_help_string(action) or text


def _output_options(default_every: int) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("output")
    group.add_argument(
        "--output",
        type=Path,
        default=Path("quantamm-eqx-results"),
        metavar="DIR",
        help="directory for results.npz, results.json and the plots "
        "(default: quantamm-eqx-results)",
    )
    group.add_argument(
        "--record-every",
        type=_positive_int,
        default=default_every,
        metavar="MINUTES",
        help=f"row stride of the saved paths (default: {default_every}); the summary "
        "always uses every minute",
    )
    group.add_argument("--no-plots", action="store_true", help="do not write the PNG plots")
    group.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parent


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `quantamm-eqx`.

    **Example:**

    ```python
    >>> from quantamm_eqx._cli import build_parser
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    data = _data_options()
    pool = _pool_options({"memory_days": 30.0, "k_per_day": 0.5})
    output = _output_options(default_every=60)

    simulate = commands.add_parser(
        "simulate",
        parents=[data, pool, output],
        help="run a pool over a bout of prices: summary, results file, plots",
        description="Run a pool over a bout of prices and compare it with holding its "
        "initial reserves (HODL) and with an equal-weight portfolio rebalanced every "
        "minute. The rule uses the prices before --start as history (burn-in).",
        formatter_class=_HelpFormatter,
    )
    bout = simulate.add_argument_group("bout")
    bout.add_argument(
        "--start",
        type=_when,
        default=None,
        metavar="DATE|INDEX",
        help="first minute of the bout: a date (2012-03-01), a time (2012-03-01T12:00) or "
        "a row index; default: one year before --end, or after one --chunk-period of "
        "history if the data is shorter",
    )
    bout.add_argument(
        "--end",
        type=_when,
        default=None,
        metavar="DATE|INDEX",
        help="the bout ends just before this minute (default: the end of the data)",
    )
    simulate.set_defaults(run=_simulate_command)

    train = commands.add_parser(
        "train",
        parents=[data, pool, output],
        help="train a pool's parameters, then compare it with the untrained pool on "
        "held-out data (the default command)",
        description="Train a pool with `quantamm_eqx.fit` on random bouts of the training "
        "span (the first 1 - --val-fraction of the data), keep the parameters with the best "
        "objective on the held-out span (the rest), and report both pools there. Saves the "
        "trained pool to pool.eqx (and pool.json) in --output.",
        formatter_class=_HelpFormatter,
    )
    span = train.add_argument_group("data span and training")
    span.add_argument(
        "--start",
        type=_when,
        default=None,
        metavar="DATE|INDEX",
        help="first minute of the data used (default: the start of the data)",
    )
    span.add_argument(
        "--end",
        type=_when,
        default=None,
        metavar="DATE|INDEX",
        help="the data used ends just before this minute (default: the end of the data)",
    )
    span.add_argument(
        "--val-fraction", type=_fraction, default=0.25, help="fraction held out at the end"
    )
    span.add_argument("--steps", type=_positive_int, default=300, help="optimisation steps")
    span.add_argument("--bout-days", type=_positive_int, default=120, help="days per training bout")
    span.add_argument("--batch-size", type=_positive_int, default=4, help="bouts per step")
    span.add_argument(
        "--burn-in-days",
        type=_positive_int,
        default=90,
        help="days of history before the first training bout may start",
    )
    span.add_argument(
        "--objective", default="daily_log_sharpe", help="objective to maximise (see fit)"
    )
    span.add_argument(
        "--learning-rate", type=_positive_float, default=0.05, help="Adam's learning rate"
    )
    span.add_argument("--seed", type=int, default=0, help="random seed of the bouts")
    train.set_defaults(run=_train_command)

    plot = commands.add_parser(
        "plot",
        help="draw the plots of a saved results file",
        description="Draw weights.png and values.png from a results.npz written by "
        "`simulate` or `train`.",
    )
    plot.add_argument("results", type=Path, help="a results.npz (with results.json beside it)")
    plot.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to write the plots (default: beside the results file)",
    )
    plot.set_defaults(run=_plot_command)
    return parser


# ---------------------------------------------------------------------------- building blocks


def _load_data(args: argparse.Namespace):
    loaded = _read_sources(args)
    if loaded.n_assets < 2:
        raise ValueError(
            f"A pool needs at least 2 assets; the data has {loaded.n_assets} "
            f"({', '.join(loaded.assets)}). Choose more with --assets, or use a file with more "
            "price columns."
        )
    return loaded


def _read_sources(args: argparse.Namespace):
    from . import data

    sources = args.data
    if sources == ["stocks"]:
        if args.fill == "none":
            raise ValueError(
                "The built-in stocks are daily closes: every minute between two closes is a "
                "gap. Use --fill log-linear (the default for stocks) or --fill ffill."
            )
        return data.load_stocks(args.assets or data.DEFAULT_STOCKS, fill=args.fill or "log-linear")
    options = {"fill": None if args.fill == "none" else args.fill, "duplicates": args.duplicates}
    if args.format == "binance":
        files: dict[str, list[str]] = {}
        for source in sources:
            asset, separator, paths = source.partition("=")
            if not separator or not asset or not paths:
                raise ValueError(
                    f"--format binance needs ASSET=FILE[,FILE...] sources; got {source!r}."
                )
            if asset in files:
                raise ValueError(
                    f"--data names {asset} twice; give each asset once, with its files "
                    f"separated by commas: {asset}=FILE,FILE,..."
                )
            files[asset] = paths.split(",")
        loaded = data.read_binance(files, **options)
        return loaded.select(args.assets) if args.assets else loaded
    if len(sources) != 1:
        raise ValueError(f"--format {args.format} takes one file; got {len(sources)}.")
    reader = data.read_long if args.format == "long" else data.read_wide
    return reader(sources[0], assets=args.assets, **options)


def _config(args: argparse.Namespace, dtype):
    from . import SimulationConfig

    largest = float(np.finfo(dtype).max)
    if args.initial_value >= largest / 1e6:  # room for the pool's value to grow
        raise ValueError(
            f"--initial-value {args.initial_value:g} is too large for {np.dtype(dtype).name} "
            f"(largest number {largest:.3g}); use a smaller value or drop --float32."
        )
    if args.arbitrage != "exact" and args.fees == 0:
        raise ValueError(
            f"--arbitrage {args.arbitrage} decides trades that pay a swap fee, and --fees is 0; "
            "set --fees or drop --arbitrage."
        )
    return SimulationConfig(
        chunk_period=args.chunk_period,
        weight_interpolation_period=args.interpolation_period or args.chunk_period,
        maximum_change=args.maximum_change,
        minimum_weight=args.minimum_weight,
        max_memory_days=args.max_memory_days,
        initial_pool_value=args.initial_value,
        fees=args.fees,
        gas_cost=args.gas_cost,
        arb_fees=args.arb_fees,
        arbitrage=args.arbitrage,
        mode=args.mode,
        use_raw_price=args.raw_price,
    )


def _pool_classes():
    from . import AntiMomentumPool, MeanReversionChannelPool, MomentumPool

    return dict(zip(POOLS, (MomentumPool, AntiMomentumPool, MeanReversionChannelPool)))


def _pool(args: argparse.Namespace, assets: tuple[str, ...], dtype):
    """The pool from a checkpoint or from human units, in the run's precision."""
    import jax

    from . import load_pool

    n_assets = len(assets)
    if args.checkpoint is not None:
        path = Path(args.checkpoint)
        described = _read_pool_description(path)
        if described["assets"] != list(assets):
            raise ValueError(
                f"--checkpoint {path} was trained on assets {described['assets']}; this run "
                f"has {list(assets)}. Select them with --assets."
            )
        if described["chunk_period"] != args.chunk_period:
            raise ValueError(
                f"--checkpoint {path} was trained with --chunk-period "
                f"{described['chunk_period']}; its memory is in those steps. Pass "
                f"--chunk-period {described['chunk_period']}."
            )
        args.pool = described["pool"]
        like = _pool_classes()[args.pool].from_memory_days(
            n_assets=n_assets, chunk_period=described["chunk_period"]
        )
        like = jax.tree_util.tree_map(lambda x: x.astype(described["dtype"]), like)
        pool = load_pool(path, like=like)
    else:
        human: dict[str, Any] = {
            "memory_days": args.memory_days,
            "k_per_day": args.k_per_day,
        }
        if args.pool == "mean_reversion_channel":
            human |= {name: getattr(args, name) for name in _CHANNEL_ONLY}
        for name, values in human.items():
            if len(values) not in (1, n_assets):
                raise ValueError(
                    f"--{name.replace('_', '-')} has {len(values)} values; give one, or one "
                    f"per asset ({n_assets}: {', '.join(assets)})."
                )
        human = {name: v[0] if len(v) == 1 else v for name, v in human.items()}
        if args.initial_weights is not None and len(args.initial_weights) != n_assets:
            raise ValueError(
                f"--initial-weights has {len(args.initial_weights)} values; give one per "
                f"asset ({n_assets}: {', '.join(assets)})."
            )
        pool = _pool_classes()[args.pool].from_memory_days(
            n_assets=n_assets,
            initial_weights=args.initial_weights,
            chunk_period=args.chunk_period,
            **human,
        )
    return jax.tree_util.tree_map(lambda x: x.astype(dtype), pool)


def _read_pool_description(path: Path) -> dict[str, Any]:
    description = path.with_suffix(".json")
    if not path.exists():
        raise ValueError(f"--checkpoint {path} does not exist.")
    if not description.exists():
        raise ValueError(
            f"--checkpoint {path} has no {description.name} beside it (written by `train`), "
            "so its pool type and assets are unknown."
        )
    try:
        described = json.loads(description.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{description} is not valid JSON ({error}).") from error
    missing = [
        key for key in _DESCRIPTION_KEYS if not isinstance(described, dict) or key not in described
    ]
    if missing or described["pool"] not in POOLS:
        lacks = (
            f"it lacks {', '.join(missing)}" if missing else f"its pool is {described['pool']!r}"
        )
        raise ValueError(
            f"--checkpoint {path}: {description} does not describe a pool ({lacks}); pass the "
            "pool.eqx that `train` wrote."
        )
    return described


def _describe_pool(pool, name: str, config) -> dict[str, Any]:
    import jax

    fields = {
        field.name: np.asarray(getattr(pool, field.name)).tolist()
        for field in dataclasses.fields(pool)
        if isinstance(getattr(pool, field.name), jax.Array | np.ndarray)
    }
    return {
        "pool": name,
        "memory_days": np.asarray(pool.memory_days(config)).tolist(),
        "parameters": fields,
    }


def _bout(args: argparse.Namespace, prices, chunk_period: int) -> tuple[int, int]:
    """The bout `(start_index, bout_length)` of `simulate` from --start/--end.

    The simulation covers the minutes from --start to just before --end. `simulate` reads
    one row past the minutes it reports, so the data's last minute is never simulated: an
    --end past it (or no --end) stops the bout one minute before it.
    """
    n_minutes = len(prices)
    end = min(n_minutes if args.end is None else prices._stop(args.end), n_minutes - 1)
    if n_minutes < chunk_period + 2:
        raise ValueError(
            f"The data has {n_minutes} minutes: too few for one --chunk-period "
            f"({chunk_period} minutes) of history and a bout. Use more data or a shorter "
            "--chunk-period."
        )
    if args.start is None:
        start = max(end - 365 * _MINUTES_PER_DAY, chunk_period)
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


def _write_outputs(
    args, result, prices, start_index: int, metadata: dict, title: str, label: str = "pool"
) -> None:
    """Print the summary table; write the results file and the plots to `args.output`."""
    from .reports import format_summary, plot_values, plot_weights, record_run, save_run

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
    )
    extra_rows = record.metadata.pop("extra_rows", {})
    summary = record.metadata["summary"]
    summary |= extra_rows  # saved too
    rows = extra_rows | {label: summary["pool"], "HODL": summary["hodl"]}
    rows["equal-weight rebalanced"] = summary["equal-weight rebalanced"]
    _say(format_summary(rows))
    args.output.mkdir(parents=True, exist_ok=True)
    save_run(args.output / "results.npz", record)
    written = ["results.npz", "results.json"]
    if not args.no_plots:
        plot_weights(record, args.output / "weights.png", title=f"{title}: weights")
        plot_values(record, args.output / "values.png", title=f"{title}: value")
        written += ["weights.png", "values.png"]
    _say(f"\nWrote {', '.join(written)} to {args.output}/")


def _run_metadata(args, prices, config, dtype) -> dict[str, Any]:
    from . import __version__

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


def _bout_metadata(prices, start_index: int, length: int) -> dict[str, Any]:
    """The bout's simulated minutes as times (`end` exclusive) and as `simulate`'s arguments."""
    minute = np.timedelta64(1, "m")
    return {
        "start": str(prices.start + start_index * minute),
        "end": str(prices.start + (start_index + length - 1) * minute),
        "start_index": start_index,
        "bout_length": length,
    }


def _span(prices, start_index: int, length: int) -> str:
    """The minutes `[start_index, start_index + length)` as dates and days."""
    first = prices.start + start_index * np.timedelta64(1, "m")
    last = first + (length - 1) * np.timedelta64(1, "m")
    return f"{first} to {last} ({length / _MINUTES_PER_DAY:,.1f} days)"


# ---------------------------------------------------------------------------- commands


def _simulate_command(args: argparse.Namespace) -> int:
    import jax

    from . import simulate

    dtype = np.float32 if args.float32 else np.float64
    prices = _load_data(args)
    config = _config(args, dtype)
    pool = _pool(args, prices.assets, dtype)
    start, length = _bout(args, prices, config.chunk_period)
    _say(
        f"Simulating a {args.pool} pool on {', '.join(prices.assets)}: "
        f"{_span(prices, start, length - 1)}, fees={config.fees}, {np.dtype(dtype).name}."
    )
    result = jax.block_until_ready(
        simulate(pool, prices.prices.astype(dtype), config, start_index=start, bout_length=length)
    )
    metadata = _run_metadata(args, prices, config, dtype)
    metadata |= {
        "bout": _bout_metadata(prices, start, length),
        "pool": _describe_pool(pool, args.pool, config),
    }
    _say()
    _write_outputs(args, result, prices, start, metadata, title=args.pool)
    return 0


def _train_command(args: argparse.Namespace) -> int:
    import jax
    import optax

    from . import fit, hodl_values, reports, save_pool, simulate
    from ._training.fit import OBJECTIVES

    if args.objective not in OBJECTIVES:
        raise ValueError(f"--objective must be one of {sorted(OBJECTIVES)}; got {args.objective}.")
    dtype = np.float32 if args.float32 else np.float64
    prices = _load_data(args)
    if args.start is not None or args.end is not None:
        prices = prices.between(args.start, args.end)
    config = _config(args, dtype)
    pool = _pool(args, prices.assets, dtype)
    n_minutes = len(prices)
    n_train = int(round(n_minutes * (1 - args.val_fraction)))
    if args.val_fraction == 0:
        raise ValueError("--val-fraction must be positive: `train` reports held-out results.")
    _say(
        f"Training a {args.pool} pool on {', '.join(prices.assets)} "
        f"({np.dtype(dtype).name}, fees={config.fees}): {args.steps} steps of "
        f"{args.batch_size} x {args.bout_days}-day bouts from {_span(prices, 0, n_train)}; "
        f"held out: {_span(prices, n_train, n_minutes - n_train - 1)}."
    )
    args.output.mkdir(parents=True, exist_ok=True)
    checkpoint = args.output / "pool.eqx"
    description = {
        "pool": args.pool,
        "assets": list(prices.assets),
        "chunk_period": config.chunk_period,
        "dtype": np.dtype(dtype).name,
    }
    optimizer = optax.chain(optax.clip_by_global_norm(10.0), optax.adam(args.learning_rate))
    try:
        trained = fit(
            pool,
            prices.prices.astype(dtype),
            config,
            bout_length=args.bout_days * _MINUTES_PER_DAY,
            steps=args.steps,
            key=jax.random.key(args.seed),
            objective=args.objective,
            optimizer=optimizer,
            batch_size=args.batch_size,
            val_fraction=args.val_fraction,
            burn_in=args.burn_in_days * _MINUTES_PER_DAY,
            progress=not args.no_progress,
        )
    except ValueError as error:  # name the command's options, not `fit`'s arguments
        raise ValueError(
            f"{error} (On the command line, `bout_length` is --bout-days and `burn_in` is "
            "--burn-in-days, in minutes (days x 1440); `val_fraction` is --val-fraction.)"
        ) from error
    save_pool(checkpoint, trained.pool)
    _write_json(checkpoint.with_suffix(".json"), description)

    def held_out(candidate):
        return simulate(
            candidate,
            prices.prices.astype(dtype),
            config,
            start_index=n_train,
            bout_length=n_minutes - n_train,
        )

    initial = held_out(pool)
    initial_values = np.asarray(initial.values, dtype=np.float64)
    hodl = np.asarray(hodl_values(initial), dtype=np.float64)
    result = held_out(trained.pool)
    skipped = int(np.asarray(trained.skipped).sum())
    if trained.best_step >= 0:
        best = f"Best step {trained.best_step} of {args.steps}"
    else:
        best = f"None of the {args.steps} steps improved on the starting pool"
    _say(
        f"\n{best}"
        f"{f'; {skipped} step(s) skipped for non-finite gradients' if skipped else ''}. "
        f"Held-out results ({_span(prices, n_train, n_minutes - n_train - 1)}):\n"
    )
    metadata = _run_metadata(args, prices, config, dtype)
    metadata |= {
        "bout": _bout_metadata(prices, n_train, n_minutes - n_train),
        "pool": _describe_pool(trained.pool, args.pool, config),
        "initial_pool": _describe_pool(pool, args.pool, config),
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
        "extra_rows": {"untrained pool": reports.summarise(initial_values, hodl)},
    }
    _write_outputs(
        args, result, prices, n_train, metadata, f"trained {args.pool}", label="trained pool"
    )
    _say(f"Trained pool: {checkpoint} (reload with --checkpoint {checkpoint}).")
    return 0


def _write_json(path: Path, document: dict) -> None:
    from ._atomic import atomic_path

    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(document, indent=2) + "\n")


def _plot_command(args: argparse.Namespace) -> int:
    from .reports import format_summary, load_run, plot_values, plot_weights

    record = load_run(args.results)
    output = args.output or args.results.parent
    output.mkdir(parents=True, exist_ok=True)
    title = record.metadata.get("pool", {}).get("pool", "pool")
    plot_weights(record, output / "weights.png", title=f"{title}: weights")
    plot_values(record, output / "values.png", title=f"{title}: value")
    _say(format_summary(record.metadata.get("summary", {})))
    _say(f"\nWrote weights.png, values.png to {output}/")
    return 0


# ---------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `quantamm-eqx` console script; returns the exit status.

    Invalid settings or data exit with status 2 and the library's message; Ctrl-C exits
    with status 130 (every file is written atomically, so none is left half-written).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["train", *argv]
    args = parser.parse_args(argv)
    import jax

    try:
        output = getattr(args, "output", None)
        if output is not None and output.exists() and not output.is_dir():
            raise ValueError(f"--output {output} is a file; give a directory (new or existing).")
        # The command's precision (float64 unless --float32), scoped to this run.
        with jax.enable_x64(not getattr(args, "float32", False)):
            return args.run(args)
    except (ValueError, OSError, ImportError) as error:
        print(f"quantamm-eqx: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nquantamm-eqx: interrupted; no file was left half-written.", file=sys.stderr)
        return 130


def _say(*parts: object) -> None:
    """`print` to standard output; if its reader has gone (`| head`), the run goes on silently.

    The results and plots are still written: the rest of the output goes to `os.devnull`.
    """
    try:
        print(*parts, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    raise SystemExit(main())

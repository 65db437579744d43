"""The `quantamm-eqx` command line."""

import argparse
import os
import sys
from collections.abc import Sequence

import numpy as np

_DESCRIPTION = """\
Differentiable TFMM pools in JAX/Equinox.

Without a subcommand, runs `train`: trains a pool on a seeded synthetic series of minute
prices and prints its performance on held-out data before and after training.
"""


def sample_prices(n_days: int, n_assets: int, seed: int, volatility: float = 0.6) -> np.ndarray:
    """A seeded geometric Brownian motion of minute prices, shape `(n_days * 1440 + 1, n_assets)`.

    **Arguments:**

    - `n_days`: length of the series in days.
    - `n_assets`: number of assets.
    - `seed`: NumPy random seed.
    - `volatility`: annualised volatility of each asset.

    **Returns:**

    Minute prices starting at 100 for every asset.

    **Example:**

    ```python
    >>> from quantamm_eqx._cli import sample_prices
    >>> sample_prices(n_days=1, n_assets=2, seed=0).shape
    (1441, 2)
    ```
    """
    rng = np.random.default_rng(seed)
    minutes_per_year = 365 * 1440
    sigma = volatility / np.sqrt(minutes_per_year)
    drifts = rng.normal(0.0, 0.5, size=n_assets) / minutes_per_year
    steps = drifts - 0.5 * sigma**2 + sigma * rng.standard_normal((n_days * 1440, n_assets))
    log_prices = np.vstack([np.zeros((1, n_assets)), np.cumsum(steps, axis=0)])
    return 100.0 * np.exp(log_prices)


def _demo(args: argparse.Namespace) -> int:

    from .estimators import ewma_gradients
    from .transforms import memory_days_to_lamb

    prices = sample_prices(args.days, args.assets, args.seed)
    coarse = prices[:: args.chunk_period]
    dtype = np.float32 if args.float32 else np.float64
    lamb = memory_days_to_lamb(args.memory_days, args.chunk_period)
    gradients = np.asarray(ewma_gradients(coarse.astype(dtype), lamb))
    per_day = 1440 / args.chunk_period

    names = [f"asset{i}" for i in range(args.assets)]
    print(
        f"EWMA price gradients of {args.assets} sample assets over {args.days} days "
        f"(chunk_period={args.chunk_period} min, memory={args.memory_days} days, "
        f"lambda={float(lamb):.6f}, {np.dtype(dtype).name})."
    )
    print("Gradient = estimated proportional price trend, per day.\n")
    header = f"{'day':>7} " + " ".join(f"{n + ' price':>13} {n + ' grad/d':>13}" for n in names)
    print(header)
    for row, gradient in enumerate(gradients):
        day = (row + 1) * args.chunk_period / 1440
        cells = " ".join(
            f"{coarse[row + 1, i]:13.4f} {gradient[i] * per_day:+13.6f}" for i in range(args.assets)
        )
        print(f"{day:7.2f} {cells}")
    return 0


_POOLS = ("momentum", "anti_momentum", "mean_reversion_channel")


def _summary_row(label: str, result) -> str:
    from . import metrics

    cells = [
        float(result.values[-1]),
        100 * float(metrics.returns(result)),
        100 * float(metrics.returns_over_hodl(result)),
        float(metrics.daily_log_sharpe(result)),
        100 * float(metrics.max_drawdown(result)),
    ]
    value, total, over_hodl, sharpe, drawdown = cells
    return (
        f"{label:<10} {value:>14,.0f} {total:>9.2f}% {over_hodl:>9.2f}% "
        f"{sharpe:>10.3f} {drawdown:>9.2f}%"
    )


def _train(args: argparse.Namespace) -> int:
    import jax

    from . import (
        AntiMomentumPool,
        MeanReversionChannelPool,
        MomentumPool,
        SimulationConfig,
        fit,
        simulate,
    )

    pools = {
        "momentum": MomentumPool,
        "anti_momentum": AntiMomentumPool,
        "mean_reversion_channel": MeanReversionChannelPool,
    }

    dtype = np.float32 if args.float32 else np.float64
    prices = sample_prices(args.days, args.assets, args.seed).astype(dtype)
    chunk = args.chunk_period
    config = SimulationConfig(
        chunk_period=chunk, weight_interpolation_period=chunk, max_memory_days=30.0, fees=args.fees
    )
    pool = pools[args.pool].from_memory_days(
        n_assets=args.assets, memory_days=2.0, k_per_day=2.0, chunk_period=chunk
    )
    pool = jax.tree_util.tree_map(lambda x: x.astype(dtype), pool)
    bout = args.bout_days * 1440
    print(
        f"Training a {args.pool} pool of {args.assets} sample assets: {args.days} days of "
        f"minute prices (seed {args.seed}), the last {int(100 * args.val_fraction)}% held "
        f"out; {args.steps} steps on {args.bout_days}-day bouts, fees={args.fees}."
    )
    result = fit(
        pool,
        prices,
        config,
        bout_length=bout,
        steps=args.steps,
        key=jax.random.key(args.seed),
        batch_size=args.batch_size,
        val_fraction=args.val_fraction,
        burn_in=2 * 1440,
        progress=not args.no_progress,
        checkpoint=args.checkpoint,
    )
    n_train = int(round(prices.shape[0] * (1 - args.val_fraction)))
    n_val = prices.shape[0] - n_train

    def held_out(candidate):
        return simulate(candidate, prices, config, start_index=n_train, bout_length=n_val)

    print(f"\nHeld-out performance ({n_val // 1440} days):")
    names = ("final value", "return", "over HODL", "log-Sharpe", "max DD")
    widths = (14, 10, 10, 10, 10)
    print(f"{'pool':<10} " + " ".join(f"{n:>{w}}" for n, w in zip(names, widths)))
    print(_summary_row("initial", held_out(pool)))
    print(_summary_row("trained", held_out(result.pool)))
    skipped = int(result.skipped.sum())
    print(f"\nBest step {result.best_step}; {skipped} step(s) skipped for non-finite gradients.")
    if args.checkpoint is not None:
        print(f"Best pool saved to {args.checkpoint}.")
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `quantamm-eqx`."""
    parser = argparse.ArgumentParser(
        prog="quantamm-eqx",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    train = commands.add_parser(
        "train",
        help="train a pool on sample prices and report held-out performance (the default)",
        description="Train a pool with `quantamm_eqx.fit` on a seeded synthetic price series "
        "and compare it with its starting parameters on held-out data.",
    )
    train.add_argument("--pool", choices=_POOLS, default="momentum", help="the pool's rule")
    train.add_argument("--days", type=_positive_int, default=40, help="days of sample prices")
    train.add_argument("--assets", type=_positive_int, default=3, help="number of assets")
    train.add_argument("--seed", type=int, default=0, help="random seed (prices and training)")
    train.add_argument("--steps", type=_positive_int, default=60, help="optimisation steps")
    train.add_argument("--bout-days", type=_positive_int, default=5, help="days per bout")
    train.add_argument("--batch-size", type=_positive_int, default=4, help="bouts per step")
    train.add_argument(
        "--val-fraction", type=float, default=0.25, help="fraction of the data held out"
    )
    train.add_argument(
        "--chunk-period", type=_positive_int, default=60, help="minutes per rule update"
    )
    train.add_argument("--fees", type=float, default=0.0, help="swap fee, e.g. 0.003")
    train.add_argument("--checkpoint", default=None, help="save the best pool to this file")
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    train.add_argument(
        "--float32", action="store_true", help="compute in float32 (default: float64)"
    )
    train.set_defaults(run=_train)
    demo = commands.add_parser(
        "demo",
        help="print EWMA price gradients of a sample price series",
        description="Run the EWMA price-gradient estimator over a seeded synthetic series.",
    )
    demo.add_argument("--days", type=_positive_int, default=20, help="series length (days)")
    demo.add_argument("--assets", type=_positive_int, default=3, help="number of assets")
    demo.add_argument("--seed", type=int, default=0, help="random seed of the sample prices")
    demo.add_argument(
        "--chunk-period", type=_positive_int, default=1440, help="minutes per estimator update"
    )
    demo.add_argument(
        "--memory-days", type=_positive_float, default=5.0, help="estimator memory in days"
    )
    demo.add_argument(
        "--float32", action="store_true", help="compute in float32 (default: float64)"
    )
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `quantamm-eqx` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["train", *argv]
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    import jax

    try:
        # The command's precision (float64 unless --float32), scoped to this run.
        with jax.enable_x64(not args.float32):
            return args.run(args)
    except ValueError as error:  # invalid settings: the library's message is the fix
        print(f"quantamm-eqx: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into a command that stopped reading (`| head`)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0


if __name__ == "__main__":
    raise SystemExit(main())

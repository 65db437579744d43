"""A run's precision and `SimulationConfig`, from the pool-mechanics options."""

import argparse

import numpy as np

from ._series_options import SERIES_FILE_OPTIONS


def run_dtype(args: argparse.Namespace) -> type[np.floating]:
    """The run's float type: float64 unless --float32."""
    return np.float32 if args.float32 else np.float64


def simulation_config(args: argparse.Namespace, dtype):
    """The `SimulationConfig` of the options, checked against the run's precision."""
    from .. import SimulationConfig

    largest = float(np.finfo(dtype).max)
    if args.initial_value >= largest / 1e6:  # room for the pool's value to grow
        raise ValueError(
            f"--initial-value {args.initial_value:g} is too large for {np.dtype(dtype).name} "
            f"(largest number {largest:.3g}); use a smaller value or drop --float32."
        )
    if args.weight_clip != "iterative" and args.mode == "protocol":
        raise ValueError(
            f"--weight-clip {args.weight_clip} chooses the simulator's clip, and --mode "
            "protocol clamps as the contracts do (always iteratively); drop one of them."
        )
    _check_series_files(args)
    no_fees = args.fees == 0 and args.fees_file is None
    if args.arbitrage != "exact" and no_fees:
        raise ValueError(
            f"--arbitrage {args.arbitrage} decides trades that pay a swap fee, and --fees is 0; "
            "set --fees or drop --arbitrage (or give per-minute fees with --fees-file)."
        )
    for option, value in (
        ("--noise-trader-ratio", args.noise_trader_ratio),
        ("--protocol-fee-split", args.protocol_fee_split),
    ):
        if value > 0 and no_fees:
            raise ValueError(
                f"{option} {value:g} shares out swap fees, and --fees is 0; set --fees or "
                f"drop {option} (or give per-minute fees with --fees-file)."
            )
    if args.retail_volume_file is not None and no_fees:
        raise ValueError(
            f"--retail-volume-file {args.retail_volume_file} brings swap fees to the pool, and "
            "--fees is 0; set --fees or --fees-file, or drop --retail-volume-file."
        )
    _check_no_arb(args)
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
        noise_trader_ratio=args.noise_trader_ratio,
        protocol_fee_split=args.protocol_fee_split,
        arb_frequency=args.arb_frequency,
        do_arb=not args.no_arb,
        arbitrage=args.arbitrage,
        weight_clip=args.weight_clip,
        mode=args.mode,
        use_raw_price=args.raw_price,
    )


def _check_series_files(args: argparse.Namespace) -> None:
    """Refuse a series file given with the option it replaces, and --series-fill alone."""
    scalars = {
        "fees": ("--fees", args.fees),
        "gas_cost": ("--gas-cost", args.gas_cost),
        "arb_fees": ("--arb-fees", args.arb_fees),
    }
    for name, (scalar, value) in scalars.items():
        path = getattr(args, f"{name}_file")
        if path is not None and value != 0:
            option, what = SERIES_FILE_OPTIONS[name], name.replace("_", " ")
            raise ValueError(
                f"{option} {path} gives the {what} of every minute, and {scalar} {value:g} "
                f"gives one for all of them: give one. Drop {scalar} to use the file, or "
                f"{option} to use {scalar}."
            )
    if args.retail_volume_file is not None and args.noise_trader_ratio != 0:
        raise ValueError(
            f"--retail-volume-file {args.retail_volume_file} and --noise-trader-ratio "
            f"{args.noise_trader_ratio:g} are two models of retail flow: drop one of them."
        )
    if args.series_fill != "none" and all(
        getattr(args, f"{name}_file") is None for name in SERIES_FILE_OPTIONS
    ):
        raise ValueError(
            f"--series-fill {args.series_fill} fills the minutes missing from a series file, "
            "and none is given; add --fees-file, --gas-cost-file, --arb-fees-file or "
            "--retail-volume-file, or drop --series-fill."
        )


def _check_no_arb(args: argparse.Namespace) -> None:
    """Refuse the arbitrageurs' options with --no-arb, which turns them off."""
    if not args.no_arb:
        return
    given = {
        "--arb-frequency": args.arb_frequency != 1,
        "--gas-cost": args.gas_cost != 0,
        "--arb-fees": args.arb_fees != 0,
        "--gas-cost-file": args.gas_cost_file is not None,
        "--arb-fees-file": args.arb_fees_file is not None,
        "--arbitrage": args.arbitrage != "exact",
        "--noise-trader-ratio": args.noise_trader_ratio != 0,  # a ratio to arbitrage volume
    }
    for option, is_given in given.items():
        if is_given:
            raise ValueError(
                f"--no-arb turns arbitrage off, so {option} has nothing to set; drop one."
            )

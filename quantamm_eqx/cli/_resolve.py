"""The run's settings from the options given: an option that does not apply is refused, a
--checkpoint supplies its pool's settings (from the pool.json beside it), and options left
out take their defaults.

Options whose use depends on others default to None in the parser, so that an option given
can be told from one left out; `resolve` runs after parsing and before any work."""

import argparse
from pathlib import Path

from ._pool_files import read_pool_description
from ._pool_options import CHANNEL_ONLY, POOL_DEFAULTS, RULE_OPTIONS


def option(name: str) -> str:
    """The command-line spelling of the parsed argument `name`.

    **Example:**

    ```python
    >>> from quantamm_eqx.cli._resolve import option
    >>> option("memory_days")
    '--memory-days'
    ```
    """
    return "--" + name.replace("_", "-")


def resolve(args: argparse.Namespace) -> None:
    """Check the parsed options of `simulate` and `train` and fill in what was left out."""
    _check_data_options(args)
    if args.checkpoint is not None:
        _from_checkpoint(args)
    else:
        _check_rule_options(args)
    for name, value in POOL_DEFAULTS.items():
        if name != "chunk_period" and getattr(args, name) is None:
            setattr(args, name, value)
    if args.no_plots and args.log_scale:
        raise ValueError("--log-scale draws values.png, and --no-plots draws nothing: drop one.")


def _check_data_options(args: argparse.Namespace) -> None:
    """--format and --duplicates describe --data files: refused with the built-in stocks."""
    if args.data == ["stocks"]:
        for name in ("format", "duplicates"):
            if getattr(args, name) is not None:
                raise ValueError(
                    f"{option(name)} {getattr(args, name)} describes --data files, and this "
                    f"run uses the built-in stocks: drop {option(name)}, or give --data FILE."
                )
    args.format = args.format or "wide"
    args.duplicates = args.duplicates or "error"


def _check_rule_options(args: argparse.Namespace) -> None:
    """The channel's options are refused for another rule."""
    pool = args.pool or POOL_DEFAULTS["pool"]
    given = [option(name) for name in CHANNEL_ONLY if getattr(args, name) is not None]
    if given and pool != "mean_reversion_channel":
        raise ValueError(
            f"{', '.join(given)} set the mean-reversion channel's parameters, and this run's "
            f"pool is {pool}: add --pool mean_reversion_channel, or drop {', '.join(given)}."
        )


def _from_checkpoint(args: argparse.Namespace) -> None:
    """The pool's rule, assets, chunk period and precision from the checkpoint's pool.json.

    The rule's options are refused (the checkpoint holds the rule and its parameters); an
    option that contradicts the checkpoint is refused; one left out is taken from it.
    """
    path = Path(args.checkpoint)
    given = [option(name) for name in RULE_OPTIONS if getattr(args, name) is not None]
    if given:
        raise ValueError(
            f"--checkpoint {path} holds the pool's rule and parameters, so {', '.join(given)} "
            f"would be ignored: drop {', '.join(given)}, or drop --checkpoint to build the "
            "pool from them."
        )
    described = read_pool_description(path)
    args.pool = described["pool"]
    saved_chunk = described.get("chunk_period")
    if saved_chunk is None and args.chunk_period is None:
        raise ValueError(
            f"--checkpoint {path}: its {path.with_suffix('.json').name} does not record the "
            "chunk period the pool's memory is counted in (save_pool(..., metadata="
            "{'chunk_period': ...}) records it); pass --chunk-period."
        )
    if saved_chunk is not None and args.chunk_period not in (None, saved_chunk):
        raise ValueError(
            f"--checkpoint {path} was trained with --chunk-period {saved_chunk}; its memory is "
            f"in those steps. Drop --chunk-period {args.chunk_period} (or pass {saved_chunk})."
        )
    args.chunk_period = args.chunk_period or saved_chunk
    saved_assets = described.get("assets")
    if saved_assets is not None and args.assets not in (None, saved_assets):
        raise ValueError(
            f"--checkpoint {path} was trained on assets {saved_assets}; this run has "
            f"{args.assets}. Drop --assets (the checkpoint's are used), or pass --assets "
            f"{','.join(saved_assets)}."
        )
    args.assets = args.assets or saved_assets
    if described["dtype"] == "float32":  # the checkpoint's precision unless --float32
        args.float32 = True

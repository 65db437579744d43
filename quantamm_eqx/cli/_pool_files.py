"""The run's pool, from the pool options or from a checkpoint (pool.eqx, with the sidecar
pool.json that `save_pool` writes: the pool, its layout, and the run's assets and chunk
period)."""

import argparse
import json
from pathlib import Path
from typing import Any

#: The options of the channel's own parameters (attribute names of the parsed arguments).
_CHANNEL_ONLY = ("width", "amplitude_per_day", "exponents", "pre_exp_scaling")
#: The keys the command line needs in the checkpoint's sidecar (pool.json).
_DESCRIPTION_KEYS = ("pool", "assets", "chunk_period", "dtype")


def build_pool(args: argparse.Namespace, assets: tuple[str, ...], dtype):
    """The pool from a checkpoint or from human units, in the run's precision.

    With --checkpoint, sets `args.pool` to the checkpoint's pool type.
    """
    import jax

    from .. import load_pool
    from ..pools import pool_class

    n_assets = len(assets)
    if args.checkpoint is not None:
        path = Path(args.checkpoint)
        described = read_pool_description(path)
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
        pool = load_pool(path)  # the sidecar names the pool and its layout
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
        pool = pool_class(args.pool).from_memory_days(
            n_assets=n_assets,
            initial_weights=args.initial_weights,
            chunk_period=args.chunk_period,
            **human,
        )
    return jax.tree_util.tree_map(lambda x: x.astype(dtype), pool)


def read_pool_description(path: Path) -> dict[str, Any]:
    """The pool.json beside the checkpoint `path`, checked to describe a built-in pool."""
    from ..pools import POOLS

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

"""The run's pool, from the pool options or from a checkpoint (pool.eqx, with the sidecar
pool.json that `save_pool` writes: the pool, its layout and, when saved with them, the
run's assets and chunk period)."""

import argparse
import json
from pathlib import Path
from typing import Any

from ._pool_options import CHANNEL_ONLY

#: The keys the command line needs in the checkpoint's sidecar (pool.json); `assets` and
#: `chunk_period` are read too when present.
_DESCRIPTION_KEYS = ("pool", "dtype")


def build_pool(args: argparse.Namespace, assets: tuple[str, ...], dtype):
    """The pool from a checkpoint or from human units, in the run's precision.

    The options are resolved (`_resolve.resolve`): with --checkpoint, `args.pool`,
    `args.assets` and `args.chunk_period` are the checkpoint's.
    """
    import jax

    from .. import load_pool
    from ..pools import pool_class

    n_assets = len(assets)
    if args.checkpoint is not None:
        path = Path(args.checkpoint)
        pool = load_pool(path)  # the sidecar names the pool and its layout
        if pool.n_assets != n_assets:
            raise ValueError(
                f"--checkpoint {path} holds a pool of {pool.n_assets} assets; this run has "
                f"{n_assets} ({', '.join(assets)}). Select its assets with --assets."
            )
    else:
        human: dict[str, Any] = {
            "memory_days": args.memory_days,
            "k_per_day": args.k_per_day,
        }
        if args.pool == "mean_reversion_channel":
            human |= {name: getattr(args, name) for name in CHANNEL_ONLY}
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
            f"--checkpoint {path} has no {description.name} beside it (written by `train` and "
            "`save_pool`), so its pool type is unknown."
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
            f"--checkpoint {path}: {description} does not describe a built-in pool ({lacks}); "
            "pass a pool.eqx that `train` or `save_pool` wrote for a pool in "
            f"{sorted(POOLS)}."
        )
    return described

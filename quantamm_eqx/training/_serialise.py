"""`save_pool` and `load_pool`: a pool's parameters on disk, with a JSON sidecar."""

import dataclasses
import io
import os
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import numpy as np
from jaxtyping import PyTree

from .._atomic import atomic_path
from ..pools import AbstractTFMMPool, parameter_specs
from ._sidecar import described_pool, read_sidecar, sidecar_path, sidecar_text


def save_pool(
    path: str | os.PathLike, pool: AbstractTFMMPool, *, metadata: dict | None = None
) -> None:
    """Save a pool's parameters with `eqx.tree_serialise_leaves`, and a JSON sidecar.

    Both files are written atomically: `path`, then its sidecar `path.with_suffix(".json")`,
    which holds `pool` (the registered name, see [`POOLS`][quantamm_eqx.pools.POOLS], or
    null), `class`, `n_assets`, `dtype` (e.g. `"float64"`), `fields` (each array field's
    `shape` and `dtype`), `static` (static fields), and the keys of `metadata`. With it
    [`load_pool`][quantamm_eqx.load_pool] needs no `like` for a registered pool, and the
    command line loads it (`quantamm-eqx simulate --checkpoint PATH`): saved with
    `metadata={"assets": [...], "chunk_period": ...}`, it needs neither `--assets` nor
    `--chunk-period`.

    **Arguments:**

    - `path`: the file to write (not ending in `.json`); its folder must exist.
    - `pool`: the pool (or stacked population) to save.
    - `metadata`: anything else for the sidecar (JSON-serialisable, string keys), e.g.
      `{"assets": ["BTC", "ETH"], "chunk_period": 1440}`; read it back with
      [`load_pool_metadata`][quantamm_eqx.training.load_pool_metadata].

    **Raises:**

    `ValueError` for a `path` ending in `.json`, or `metadata` that JSON cannot hold or that
    gives a key of the description another value than the pool's.

    **Example:**

    ```python
    >>> import tempfile, pathlib
    >>> from quantamm_eqx import MomentumPool, load_pool, save_pool
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=3.0)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pool.eqx"
    >>> save_pool(path, pool, metadata={"assets": ["BTC", "ETH"]})
    >>> sorted(file.name for file in path.parent.iterdir())
    ['pool.eqx', 'pool.json']
    >>> bool((load_pool(path).logit_lamb == pool.logit_lamb).all())
    True
    ```
    """
    if not isinstance(pool, AbstractTFMMPool):
        raise ValueError(f"`pool` must be a pool; got {type(pool).__name__}.")
    sidecar = sidecar_path(path)
    text = sidecar_text(pool, metadata)
    with atomic_path(path) as temporary, open(temporary, "wb") as file:
        eqx.tree_serialise_leaves(file, pool)
    with atomic_path(sidecar) as temporary:
        temporary.write_text(text)


def check_checkpoint(
    path: str | os.PathLike, pool: AbstractTFMMPool, metadata: dict | None
) -> None:
    """Refuse, before any work, a checkpoint `save_pool` could not write: a path ending in
    `.json`, a folder that does not exist, or metadata the sidecar cannot hold."""
    sidecar_path(path)  # refuses a path ending in .json
    if not Path(path).parent.is_dir():
        raise ValueError(
            f"`checkpoint`: the folder {os.fspath(Path(path).parent)!r} does not exist; create "
            "it first."
        )
    sidecar_text(pool, metadata)


def load_pool_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The sidecar of a pool saved by [`save_pool`][quantamm_eqx.save_pool], as a dict.

    It holds the pool's description (`pool`, `class`, `n_assets`, `dtype`, `fields`,
    `static`) and the keys of the `metadata` it was saved with.

    **Raises:**

    `ValueError` naming the file when there is no sidecar, or it is not a JSON object.

    **Example:**

    ```python
    >>> import tempfile, pathlib
    >>> from quantamm_eqx import AntiMomentumPool, save_pool
    >>> from quantamm_eqx.training import load_pool_metadata
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pool.eqx"
    >>> save_pool(path, AntiMomentumPool.from_memory_days(n_assets=3), metadata={"seed": 7})
    >>> sidecar = load_pool_metadata(path)
    >>> sidecar["pool"], sidecar["n_assets"], sidecar["seed"]
    ('anti_momentum', 3, 7)
    ```
    """
    return read_sidecar(path)


def load_pool(path: str | os.PathLike, like: AbstractTFMMPool | None = None) -> AbstractTFMMPool:
    """Load a pool saved by [`save_pool`][quantamm_eqx.save_pool].

    Without `like`, the sidecar beside the file names the pool's registered class and its
    parameter shapes and dtypes (a sidecar of the command line, with `pool`, `assets` and
    `dtype`, means per-asset parameters). With `like`, a pool of the same type, shapes and
    dtype (e.g. built with `from_memory_days`), the sidecar only has to agree on the class;
    this loads files saved without one, and any pool (a `BoundedPool`, an `Ensemble`).
    Either way the file must hold exactly the pool's parameters; a pool saved before one of
    its parameters with a default existed (the channel's `inverse_scaling`) loads with the
    default's value in `like` (or in `from_memory_days`' layout).

    **Arguments:**

    - `path`: the file written by `save_pool`.
    - `like`: a pool to fill, or None to rebuild it from the sidecar.

    **Returns:**

    The pool.

    **Raises:**

    `ValueError` naming the file when there is no sidecar (and no `like`), the sidecar names
    a pool that is not registered or a layout its class does not have, `like` is of another
    class than the sidecar names, the file's contents do not fit the pool, or a parameter is
    not finite.

    **Example:**

    ```python
    >>> import tempfile, pathlib
    >>> from quantamm_eqx import MeanReversionChannelPool, load_pool, save_pool
    >>> pool = MeanReversionChannelPool.from_memory_days(n_assets=2, width=0.5)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pool.eqx"
    >>> save_pool(path, pool)
    >>> loaded = load_pool(path)
    >>> type(loaded).__name__, bool((loaded.sp_width == pool.sp_width).all())
    ('MeanReversionChannelPool', True)
    ```
    """
    sidecar = sidecar_path(path)  # refuses what is not a pool file's path
    source = ""
    if like is None:
        like = described_pool(read_sidecar(path), repr(os.fspath(sidecar)))
        source = (
            f" that its sidecar {sidecar.name!r} describes (save the pool again, or pass `like=`)"
        )
    elif not isinstance(like, AbstractTFMMPool):
        raise ValueError(
            f"`like` must be a pool instance to fill (e.g. MomentumPool.from_memory_days(...)); "
            f"got {like!r}."
        )
    else:
        _check_saved_type(path, like)
    data = Path(path).read_bytes()
    try:
        loaded = _deserialise_exactly(data, like)
    except (ValueError, RuntimeError, EOFError) as error:  # equinox: structure mismatch
        loaded = _without_later_fields(data, like)
        if loaded is None:
            raise ValueError(
                f"{os.fspath(path)!r} does not hold the parameters of a {type(like).__name__} "
                f"with n_assets={like.n_assets} and these parameter shapes and dtypes{source}: "
                f"{error}"
            ) from error
    return _checked_finite(path, loaded)


def _check_saved_type(path: str | os.PathLike, like: AbstractTFMMPool) -> None:
    """Refuse a `like` of another class than the one the sidecar (if any) says was saved:
    the leaves of a momentum pool fit an anti-momentum pool exactly, with the opposite rule."""
    if not sidecar_path(path).exists():
        return
    saved = read_sidecar(path).get("class")
    if isinstance(saved, str) and saved != type(like).__name__:
        raise ValueError(
            f"{os.fspath(path)!r} holds a {saved} (its sidecar says so) but `like` is a "
            f"{type(like).__name__}: pass a {saved} as `like`, or no `like` to rebuild it from "
            "the sidecar."
        )


def _checked_finite(path: str | os.PathLike, pool: AbstractTFMMPool) -> AbstractTFMMPool:
    """`pool` if every parameter is finite, else a `ValueError` naming the file and fields."""
    leaves = jax.tree_util.tree_leaves_with_path(eqx.filter(pool, eqx.is_inexact_array))
    bad = [jax.tree_util.keystr(key) for key, leaf in leaves if not np.isfinite(leaf).all()]
    if bad:
        raise ValueError(
            f"{os.fspath(path)!r} holds non-finite parameters ({', '.join(bad)}): it does not "
            "describe a usable pool (a training run that diverged?). Load an earlier checkpoint."
        )
    return pool


def _deserialise_exactly(data: bytes, like: PyTree) -> PyTree:
    """`like`'s leaves read from `data`, which must hold them and nothing more."""
    file = io.BytesIO(data)
    loaded = eqx.tree_deserialise_leaves(file, like)
    if file.read(1):
        raise ValueError("the file holds more data than the pool has parameters")
    return loaded


def _without_later_fields(data: bytes, like: AbstractTFMMPool) -> AbstractTFMMPool | None:
    """`like` read from the layout before its parameters with defaults were added, or None.

    That layout holds every other leaf, in order, and no more; the parameters with defaults
    (declared `parameter(spec, default=...)`, such as the channel's `inverse_scaling`) keep
    `like`'s values.
    """
    specs = parameter_specs(like)
    later = [
        field.name
        for field in dataclasses.fields(like)
        if field.name in specs and field.default is not dataclasses.MISSING
    ]
    if not later:
        return None

    def where(pool):
        return [getattr(pool, name) for name in later]

    without = eqx.tree_at(where, like, [None] * len(later))
    try:
        loaded = _deserialise_exactly(data, without)
    except (ValueError, RuntimeError, EOFError):
        return None
    return eqx.tree_at(where, loaded, where(like), is_leaf=lambda leaf: leaf is None)

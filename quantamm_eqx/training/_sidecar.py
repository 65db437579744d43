"""The JSON sidecar beside a saved pool: what it is, so that it loads without `like`."""

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import jax
import numpy as np

from .._validation import checked_instance
from ..pools import POOLS, AbstractTFMMPool, pool_class, pool_name, pool_skeleton

#: The keys `save_pool` writes to describe the pool; the caller's metadata joins them.
DESCRIPTION_KEYS = ("pool", "class", "n_assets", "dtype", "fields", "static")


def sidecar_path(path: str | os.PathLike) -> Path:
    """The sidecar of the pool file `path`: `path` with the suffix `.json`.

    **Raises:**

    `ValueError` when `path` itself ends in `.json` or is not a path.
    """
    checked_instance(path, str | os.PathLike, "path", "a file path (str or pathlib.Path)")
    path = Path(path)
    if path.suffix == ".json":
        raise ValueError(
            f"{os.fspath(path)!r}: a pool file cannot end in .json, the suffix of its JSON "
            "sidecar; use another, e.g. .eqx."
        )
    return path.with_suffix(".json")


def describe_pool(pool: AbstractTFMMPool) -> dict[str, Any]:
    """What the sidecar says about `pool`.

    `pool` is its registered name ([`pool_name`][quantamm_eqx.pools.pool_name]; `None` for
    other classes, such as `BoundedPool` and `Ensemble`), `class` its class name, `dtype` the
    dtype of its initial weights' logits, `fields` every array field's shape and dtype,
    `static` its static fields that JSON can hold.
    """
    fields, static = {}, {}
    for field in dataclasses.fields(pool):
        value = getattr(pool, field.name)
        if field.metadata.get("static", False):
            if value is None or isinstance(value, bool | int | float | str):
                static[field.name] = value
        elif isinstance(value, jax.Array | np.ndarray):
            fields[field.name] = {"shape": list(value.shape), "dtype": value.dtype.name}
    return {
        "pool": pool_name(pool),
        "class": type(pool).__name__,
        "n_assets": int(pool.n_assets),
        "dtype": np.dtype(pool.initial_weights_logits.dtype).name,
        "fields": fields,
        "static": static,
    }


def sidecar_text(pool: AbstractTFMMPool, metadata: dict | None) -> str:
    """The sidecar's JSON: `describe_pool` joined by the caller's `metadata`.

    **Raises:**

    `ValueError` for metadata that JSON cannot hold, keys that are not strings, or a key of
    the description given another value than the pool's.
    """
    description = describe_pool(pool)
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict) or not all(isinstance(key, str) for key in metadata):
        raise ValueError(f"`metadata` must be a dict with string keys; got {metadata!r}.")
    for key in DESCRIPTION_KEYS:
        if key in metadata and metadata[key] != description[key]:
            raise ValueError(
                f"`metadata[{key!r}]` is {metadata[key]!r} but the pool's is "
                f"{description[key]!r}: the keys {list(DESCRIPTION_KEYS)} describe the pool; "
                "store yours under another key."
            )
    try:
        return json.dumps({**metadata, **description}, indent=2, allow_nan=False) + "\n"
    except (TypeError, ValueError) as error:
        raise ValueError(f"`metadata` must hold only what JSON can: {error}.") from error


def read_sidecar(path: str | os.PathLike) -> dict[str, Any]:
    """The sidecar of the pool file `path`, as a dict.

    **Raises:**

    `ValueError` naming the file when there is no sidecar or it is not a JSON object.
    """
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        raise ValueError(
            f"{os.fspath(path)!r} has no sidecar {sidecar.name!r} beside it (save_pool writes "
            "one), so what it holds is unknown: load it with `like=`, a pool of the saved type, "
            "shapes and dtype (e.g. MomentumPool.from_memory_days(...)), or save it again."
        )
    try:
        document = json.loads(sidecar.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{os.fspath(sidecar)!r} is not valid JSON ({error}).") from error
    if not isinstance(document, dict):
        raise ValueError(f"{os.fspath(sidecar)!r} does not hold a JSON object.")
    return document


def described_pool(document: dict[str, Any], sidecar: str) -> AbstractTFMMPool:
    """A pool of the class, shapes and dtypes a sidecar describes (ones for every array).

    A sidecar without `fields` (the command line's `pool.json`, with `pool`, `assets`,
    `chunk_period` and `dtype`) describes the per-asset layout of `from_memory_days`.

    **Raises:**

    `ValueError` naming `sidecar` when it names no registered pool or a layout the pool's
    class does not have.
    """
    name = document.get("pool")
    if not isinstance(name, str) or name not in POOLS:
        kind = f" (a {document['class']})" if isinstance(document.get("class"), str) else ""
        raise ValueError(
            f"{sidecar} names the pool {name!r}{kind}, not one of the registered "
            f"{sorted(POOLS)}: load it with `like=`, a pool of the saved type, shapes and dtype "
            "(a BoundedPool or an Ensemble always needs `like`)."
        )
    try:
        if "fields" in document:
            described = document["fields"].items()
            fields = {key: (spec["shape"], spec["dtype"]) for key, spec in described}
            return pool_skeleton(name, fields, document.get("static") or None)
        n_assets = document["n_assets"] if "n_assets" in document else len(document["assets"])
        template = pool_class(name).from_memory_days(n_assets=n_assets)
        fields = {
            field.name: (getattr(template, field.name).shape, document["dtype"])
            for field in dataclasses.fields(template)
        }
        return pool_skeleton(name, fields)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        detail = f"lacks {error}" if isinstance(error, KeyError) else str(error)
        raise ValueError(
            f"{sidecar} does not describe a {name!r} pool that can be rebuilt: {detail} Save "
            "the pool again with save_pool, or load it with `like=`."
        ) from error

"""A training run's state on disk, so that `fit(resume=path)` continues it exactly."""

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any, NamedTuple

import equinox as eqx
import jax
import numpy as np
from jaxtyping import PyTree

from .._atomic import atomic_path
from ._result import Best
from ._step import StepRecord

#: The layout of the run-state file; a file of another version is refused.
VERSION = 1


class RunState(NamedTuple):
    """Everything `fit` carries from one chunk to the next.

    - `done`: steps run;
    - `params`, `opt_state`: the trainable parameters and the optimiser's state;
    - `best`: the best pool so far ([`Best`][quantamm_eqx.training._result.Best]);
    - `average`, `averaged`: the sum of the parameters over the averaged steps and their
      count (`None`, 0 without averaging);
    - `records`: the steps' records, host arrays, in order;
    - `reinitialised`: `(step, member)` of each member re-drawn;
    - `stopped`: whether early stopping ended the run.
    """

    done: int
    params: PyTree
    opt_state: PyTree
    best: Best
    average: PyTree | None
    averaged: int
    records: tuple[StepRecord, ...]
    reinitialised: tuple[tuple[int, int], ...]
    stopped: bool


def run_state_path(checkpoint: str | os.PathLike) -> Path:
    """The run-state file beside the pool checkpoint `checkpoint`: suffix `.run.npz`.

    **Example:**

    ```python
    >>> from quantamm_eqx.training._run_state import run_state_path
    >>> run_state_path("runs/pool.eqx").name
    'pool.run.npz'
    ```
    """
    return Path(checkpoint).with_suffix(".run.npz")


def fingerprint(array: Any) -> str:
    """A digest of an array's shape, dtype and values (`None` for `None`)."""
    if array is None:
        return "none"
    array = np.ascontiguousarray(np.asarray(array))
    digest = hashlib.sha256(f"{array.shape}{array.dtype}".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()[:32]


def run_settings(arguments: dict[str, Any]) -> dict[str, str]:
    """What identifies a run: each argument as a string (arrays and pytrees of arrays by a
    digest of their values, functions by their qualified name, the rest by `repr`)."""

    def describe(value: Any) -> str:
        if value is None or isinstance(value, bool | int | float | str):
            return repr(value)
        if isinstance(value, np.ndarray | jax.Array):
            return fingerprint(value)
        if callable(value) and not isinstance(value, eqx.Module):
            return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', value)}"
        arrays, rest = eqx.partition(value, eqx.is_array)
        digest = hashlib.sha256()
        for leaf in jax.tree_util.tree_leaves(arrays):
            digest.update(fingerprint(leaf).encode())
        return f"{type(value).__name__}:{digest.hexdigest()[:32]}:{rest!r}"

    return {name: describe(value) for name, value in arguments.items()}


def save_run_state(
    path: Path, state: RunState, best_params: PyTree, settings: dict[str, str]
) -> None:
    """Write `state` to `path` atomically: its arrays (`eqx.tree_serialise_leaves`), its
    history, and `settings` (what the run was started with, checked on resume)."""
    buffer = io.BytesIO()
    eqx.tree_serialise_leaves(buffer, (state.params, state.opt_state, best_params, state.average))
    meta = {
        "version": VERSION,
        "settings": settings,
        "done": state.done,
        "best": [state.best.step, state.best.member, state.best.score],
        "averaged": state.averaged,
        "reinitialised": [list(pair) for pair in state.reinitialised],
        "stopped": state.stopped,
    }
    history = {
        name: np.concatenate([getattr(record, name) for record in state.records])
        for name in StepRecord._fields
    }
    with atomic_path(path) as temporary, open(temporary, "wb") as file:
        state_bytes = np.frombuffer(buffer.getvalue(), np.uint8)
        np.savez(file, state=state_bytes, meta=np.array(json.dumps(meta)), **history)


def check_run_state(path: str | os.PathLike, settings: dict[str, str]) -> None:
    """Refuse, before any work, a run state that is missing, unreadable, or of a run started
    with other `settings` (`ValueError` naming `resume` and the arguments that differ)."""
    _read(path, settings)


def load_run_state(
    path: str | os.PathLike, like: RunState, settings: dict[str, str], frozen: PyTree
) -> RunState:
    """The state saved at `path` by a run started with `settings`; `like` is a fresh run's
    state (its arrays give the shapes and dtypes to read).

    **Raises:**

    `ValueError` naming `resume` for a missing or unreadable file, the argument that
    differs from the saved run's, or `optimizer` when its state does not match.
    """
    meta, data, history = _read(path, settings)
    try:
        file = io.BytesIO(data)
        # The best pool's trainable half has the parameters' structure.
        parts = (like.params, like.opt_state, like.params, like.average)
        params, opt_state, best_params, average = eqx.tree_deserialise_leaves(file, parts)
        if file.read(1):
            raise ValueError("more data than the optimiser's state holds")
    except (ValueError, RuntimeError, EOFError) as error:
        raise ValueError(
            f"`optimizer`: its state does not match the one saved in {os.fspath(path)!r} "
            f"({error}). Pass the optimizer the run was started with."
        ) from error
    step, member, score = meta["best"]
    return RunState(
        done=meta["done"],
        params=params,
        opt_state=opt_state,
        best=Best(step, member, float(score), eqx.combine(best_params, frozen)),
        average=average,
        averaged=meta["averaged"],
        records=(history,),
        reinitialised=tuple(tuple(pair) for pair in meta["reinitialised"]),
        stopped=meta["stopped"],
    )


def _read(path: str | os.PathLike, settings: dict[str, str]) -> tuple[dict, bytes, StepRecord]:
    """The run state's metadata, serialised arrays and history, once its run is checked."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(
            f"`resume`: there is no run state at {os.fspath(path)!r}; `fit(checkpoint=...)` "
            "writes it beside the checkpoint. Start the run without `resume`."
        )
    try:
        with np.load(path) as saved:
            meta = json.loads(str(saved["meta"]))
            data = saved["state"].tobytes()
            history = StepRecord(*(saved[name] for name in StepRecord._fields))
    except (OSError, ValueError, KeyError) as error:
        raise ValueError(f"`resume`: {os.fspath(path)!r} is not a run state ({error}).") from error
    if meta.get("version") != VERSION:
        raise ValueError(f"`resume`: {os.fspath(path)!r} has layout {meta.get('version')!r}.")
    differ = [name for name in settings if meta["settings"].get(name) != settings[name]]
    if differ:
        raise ValueError(
            f"`resume`: {os.fspath(path)!r} is another run: its "
            f"{', '.join(f'`{name}`' for name in differ)} differ(s) from this call's. Pass the "
            "arguments the run was started with, or start a new run without `resume`."
        )
    return meta, data, history

"""Run records: what a run produced, saved atomically as `.npz` arrays plus `.json` metadata."""

import dataclasses
import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import atomic_path
from .._validation import checked_int
from ..simulation._attribution import attribution
from ..simulation._hodl import hodl_values, rebalanced_values
from ..simulation._simulate import Simulation
from ._summary import summarise


@dataclasses.dataclass(frozen=True, eq=False)
class RunRecord:
    """What a run produced, every `every` minutes, and its metadata.

    **Fields:**

    - `timestamps`: the time of each row, `numpy.datetime64[m]` (UTC), `(rows,)`.
    - `assets`: the asset names.
    - `prices`, `weights`, `reserves`: `(rows, n_assets)`.
    - `values`: the pool's value; `hodl_values`: the initial reserves held;
      `rebalanced_values`: an equal-weight portfolio rebalanced every minute; `(rows,)`.
    - `metadata`: JSON-serialisable settings and results (pool, configuration, data,
      summary, ...).
    - `attribution`: the return's parts, cumulative, as fractions of the starting value,
      `(rows, 4)`: columns `ATTRIBUTION_PARTS` (HODL, strategy, arbitrage, fees; see
      [`attribution`][quantamm_eqx.attribution]); `None` in records without it.
    """

    timestamps: np.ndarray
    assets: tuple[str, ...]
    prices: np.ndarray
    weights: np.ndarray
    reserves: np.ndarray
    values: np.ndarray
    hodl_values: np.ndarray
    rebalanced_values: np.ndarray
    metadata: dict[str, Any]
    attribution: np.ndarray | None = None


#: The columns of `RunRecord.attribution`.
ATTRIBUTION_PARTS = ("hodl", "strategy", "arbitrage", "fees")
_ARRAYS = ("prices", "weights", "reserves", "values", "hodl_values", "rebalanced_values")


def record_run(
    result: Simulation,
    *,
    start: np.datetime64 | str,
    assets: tuple[str, ...],
    every: int = 1,
    metadata: Mapping[str, Any] | None = None,
) -> RunRecord:
    """Record a simulation, keeping every `every`-th minute and the last one.

    The metadata gets a `summary` of the pool (with its return's
    [`attribution`][quantamm_eqx.attribution]) and of both benchmarks, computed at full
    (minute) resolution, and `record_every`.

    **Arguments:**

    - `result`: a [`Simulation`][quantamm_eqx.Simulation].
    - `start`: the time of the simulation's first row (the bout's first minute).
    - `assets`: the asset names.
    - `every`: the row stride kept in the record (e.g. 60 for hourly rows).
    - `metadata`: anything else to keep (JSON-serialisable).

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, simulate
    >>> from quantamm_eqx.reports import record_run
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.linspace([1.0, 2.0], [2.0, 1.0], 4 * 1440)
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=3 * 1440)
    >>> record = record_run(result, start="2024-01-02", assets=("A", "B"), every=60)
    >>> record.values.shape, str(record.timestamps[1])
    ((73,), '2024-01-02T01:00')
    >>> sorted(record.metadata["summary"])
    ['equal-weight rebalanced', 'hodl', 'pool']
    ```
    """
    every = checked_int(every, "every", 1)
    if len(assets) != result.prices.shape[1]:
        raise ValueError(
            f"`assets` names {len(assets)} assets; the simulation has {result.prices.shape[1]}."
        )
    arrays = {
        "prices": result.prices,
        "weights": result.weights,
        "reserves": result.reserves,
        "values": result.values,
        "hodl_values": hodl_values(result),
        "rebalanced_values": rebalanced_values(result),
    }
    arrays = {name: np.asarray(array, dtype=np.float64) for name, array in arrays.items()}
    parts_array = attribution_table(result)
    hodl = arrays["hodl_values"]
    summary = {
        "pool": summarise(arrays["values"], hodl, parts_array[-1]),
        "hodl": summarise(hodl, hodl),
        "equal-weight rebalanced": summarise(arrays["rebalanced_values"], hodl),
    }
    rows = np.arange(0, arrays["values"].shape[0], every)
    if rows[-1] != arrays["values"].shape[0] - 1:
        rows = np.append(rows, arrays["values"].shape[0] - 1)
    first = np.datetime64(start).astype("datetime64[m]")
    return RunRecord(
        timestamps=first + rows * np.timedelta64(1, "m"),
        assets=tuple(assets),
        **{name: array[rows] for name, array in arrays.items()},
        metadata={**(metadata or {}), "summary": summary, "record_every": every},
        attribution=parts_array[rows],
    )


def attribution_table(result: Simulation) -> np.ndarray:
    """The return's [`attribution`][quantamm_eqx.attribution] as a float64 `(rows, 4)`
    array, columns `ATTRIBUTION_PARTS`: what `RunRecord.attribution` holds.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, simulate
    >>> from quantamm_eqx.reports import attribution_table
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.linspace([1.0, 2.0], [2.0, 1.0], 3000)
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=1440)
    >>> table = attribution_table(result)
    >>> table.shape, bool(np.allclose(table.sum(1), result.values / 1e6 - 1, atol=1e-12))
    ((1439, 4), True)
    ```
    """
    parts = attribution(result)
    columns = [np.asarray(getattr(parts, name), dtype=np.float64) for name in ATTRIBUTION_PARTS]
    return np.stack(columns, axis=1)


def _paths(path: str | os.PathLike) -> tuple[Path, Path]:
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"`path` must end in .npz; got {path.name!r}.")
    return path, path.with_suffix(".json")


def save_run(path: str | os.PathLike, record: RunRecord) -> None:
    """Write a record as `path` (`.npz`: the arrays) and `path` with suffix `.json` (the
    metadata, asset names and times), each atomically.

    **Example:**

    ```python
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from quantamm_eqx.reports import RunRecord, load_run, save_run
    >>> ones = np.ones((2, 1))
    >>> record = RunRecord(
    ...     np.array(["2024-01-01T00:00", "2024-01-01T00:01"], "datetime64[m]"), ("A",),
    ...     ones, ones, ones, ones[:, 0], ones[:, 0], ones[:, 0], {"note": "example"})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "results.npz"
    >>> save_run(path, record)
    >>> load_run(path).metadata["note"], sorted(p.name for p in path.parent.iterdir())
    ('example', ['results.json', 'results.npz'])
    ```
    """
    arrays_path, metadata_path = _paths(path)
    times = record.timestamps.astype("datetime64[m]")
    document = {
        "assets": list(record.assets),
        "start": str(times[0]),
        "end": str(times[-1]),
        "rows": int(times.shape[0]),
        **record.metadata,
    }
    text = json.dumps(document, indent=2, allow_nan=False)
    with atomic_path(arrays_path) as temporary, open(temporary, "wb") as file:
        np.savez(
            file,
            timestamps=times.astype(np.int64),
            **{name: getattr(record, name) for name in _ARRAYS},
            **({} if record.attribution is None else {"attribution": record.attribution}),
        )
    with atomic_path(metadata_path) as temporary:
        temporary.write_text(text + "\n")


def load_run(path: str | os.PathLike) -> RunRecord:
    """Read a record written by [`save_run`][quantamm_eqx.reports.save_run].

    **Raises:**

    `FileNotFoundError` when either file is missing; `ValueError` when they are not a record
    (another NumPy archive or JSON file, or a damaged one) or do not belong together.
    """
    arrays_path, metadata_path = _paths(path)
    for required in (arrays_path, metadata_path):
        if not required.exists():
            raise FileNotFoundError(f"{required} does not exist; `save_run` writes both files.")
    not_a_record = f"{arrays_path} and {metadata_path} are not a record written by `save_run`"
    try:
        metadata = json.loads(metadata_path.read_text())
        with np.load(arrays_path) as archive:
            arrays = {name: archive[name] for name in ("timestamps", *_ARRAYS)}
            # Records written before the attribution was recorded have none.
            arrays["attribution"] = archive.get("attribution")
        assets = tuple(metadata.pop("assets"))
    except (KeyError, TypeError, ValueError, OSError, zipfile.BadZipFile) as error:
        raise ValueError(f"{not_a_record} ({type(error).__name__}: {error}).") from error
    for key in ("start", "end", "rows"):
        metadata.pop(key, None)
    if arrays["prices"].ndim != 2 or arrays["prices"].shape[1] != len(assets):
        raise ValueError(f"{arrays_path} and {metadata_path} do not belong together.")
    return RunRecord(
        timestamps=arrays.pop("timestamps").astype("datetime64[m]"),
        assets=assets,
        metadata=metadata,
        **arrays,
    )

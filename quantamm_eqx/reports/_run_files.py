"""Run records as files: `.npz` arrays plus `.json` metadata, each written atomically."""

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from .._atomic import atomic_path
from ._runs import ARRAYS, RunRecord


def _paths(path: str | os.PathLike) -> tuple[Path, Path]:
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"`path` must end in .npz; got {path.name!r}.")
    return path, path.with_suffix(".json")


def save_run(path: str | os.PathLike, record: RunRecord) -> None:
    """Write a record as `path` (`.npz`: the arrays) and `path` with suffix `.json` (the
    metadata, asset names and times), each atomically.

    The comparisons are arrays `comparison_0`, `comparison_1`, ... of the `.npz` file, their
    labels (in the same order) its array `comparison_labels`; there are none of these
    without comparisons.

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
    arrays = {name: getattr(record, name) for name in ARRAYS}
    if record.attribution is not None:
        arrays["attribution"] = record.attribution
    if record.comparisons:
        arrays["comparison_labels"] = np.array(list(record.comparisons), dtype=str)
        for number, values in enumerate(record.comparisons.values()):
            arrays[f"comparison_{number}"] = np.asarray(values)
    with atomic_path(arrays_path) as temporary, open(temporary, "wb") as file:
        np.savez(file, timestamps=times.astype(np.int64), **arrays)
    with atomic_path(metadata_path) as temporary:
        temporary.write_text(text + "\n")


def load_run(path: str | os.PathLike) -> RunRecord:
    """Read a record written by [`save_run`][quantamm_eqx.reports.save_run]. Records written
    by older versions load too: without comparisons (`{}`), or attribution (`None`).

    **Raises:**

    `FileNotFoundError` when either file is missing; `ValueError` when they are not a record
    (another NumPy archive or JSON file, or a damaged one) or do not belong together.

    **Example:**

    ```python
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from quantamm_eqx.reports import RunRecord, load_run, save_run
    >>> times = np.array(["2024-01-01T00:00", "2024-01-01T01:00"], "datetime64[m]")
    >>> ones = np.ones((2, 1))
    >>> record = RunRecord(times, ("A",), ones, ones, ones, *np.ones((3, 2)), {},
    ...                    comparisons={"untrained pool": np.array([1.0, 0.9])})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "results.npz"
    >>> save_run(path, record)
    >>> load_run(path).comparisons
    {'untrained pool': array([1. , 0.9])}
    ```
    """
    arrays_path, metadata_path = _paths(path)
    for required in (arrays_path, metadata_path):
        if not required.exists():
            raise FileNotFoundError(f"{required} does not exist; `save_run` writes both files.")
    not_a_record = f"{arrays_path} and {metadata_path} are not a record written by `save_run`"
    try:
        metadata = json.loads(metadata_path.read_text())
        with np.load(arrays_path) as archive:
            arrays = {name: archive[name] for name in ("timestamps", *ARRAYS)}
            # Records written before the attribution (or comparisons) were recorded have none.
            arrays["attribution"] = archive.get("attribution")
            labels = [str(label) for label in archive.get("comparison_labels", [])]
            comparisons = {label: archive[f"comparison_{n}"] for n, label in enumerate(labels)}
        assets = tuple(metadata.pop("assets"))
    except (KeyError, TypeError, ValueError, OSError, zipfile.BadZipFile) as error:
        raise ValueError(f"{not_a_record} ({type(error).__name__}: {error}).") from error
    for key in ("start", "end", "rows"):
        metadata.pop(key, None)
    if arrays["prices"].ndim != 2 or arrays["prices"].shape[1] != len(assets):
        raise ValueError(f"{arrays_path} and {metadata_path} do not belong together.")
    if any(values.shape != arrays["values"].shape for values in comparisons.values()):
        raise ValueError(f"{not_a_record} (a comparison's shape is not the values').")
    return RunRecord(
        timestamps=arrays.pop("timestamps").astype("datetime64[m]"),
        assets=assets,
        metadata=metadata,
        comparisons=comparisons,
        **arrays,
    )

"""`read_series`: one per-minute series (fees, gas, retail volume, ...) from a file, aligned
on the minutes of the prices."""

import os
from pathlib import Path

import numpy as np

from ._constants import _TIME_COLUMNS
from ._grid import _require
from ._parsing import _parse_times, _read_table


def read_series(
    path: str | os.PathLike,
    timestamps: np.ndarray,
    *,
    column: str | None = None,
    time_column: str | None = None,
    fill: str | None = None,
    name: str = "series",
) -> np.ndarray:
    """Read a series of non-negative values (a swap fee, a gas cost, a retail volume) from
    a file, aligned on the minutes `timestamps`: one row of a
    [`MarketSeries`][quantamm_eqx.MarketSeries] per minute of the prices.

    The file holds a time column and one or more value columns. Times are read as by
    [`read_wide`][quantamm_eqx.data.read_wide] (UTC; ISO 8601 or other date strings, parquet
    timestamps, Unix times) and must fall on whole minutes, each at most once. Every value
    in the file must be a finite number >= 0. Rows outside the requested minutes are
    otherwise ignored.

    **Arguments:**

    - `path`: a `.csv` file, optionally compressed (`.csv.gz`, `.csv.bz2`, `.csv.xz`,
      `.csv.zip`, `.zip`), or a `.parquet` file (needs `pyarrow`).
    - `timestamps`: the minutes to return values for, a 1-dimensional `numpy.datetime64`
      array in increasing order, such as `PriceData.timestamps` (or a slice of it).
    - `column`: the value column. By default the file's only column besides the time
      column, else the column named `name`.
    - `time_column`: the time column, chosen by default as in
      [`read_wide`][quantamm_eqx.data.read_wide].
    - `fill`: `None` (the default): the file has a row for every requested minute.
      `"ffill"`: the file lists changes; each value holds from its row's time until the
      next row's, so the file's first time must be at or before the first requested minute.
    - `name`: what the series is (`"fees"`, `"gas_cost"`, ...), used to choose the column
      and in messages.

    **Returns:**

    A float64 array with one value per entry of `timestamps`.

    **Raises:**

    `FileNotFoundError` if there is no such file; `ValueError` for an unsupported suffix,
    an empty file, an unknown or ambiguous column (the message lists the columns), a
    time that cannot be parsed, is not on a whole minute or is repeated, a value that is
    not a finite number >= 0 (naming its time), a requested minute the file does not
    cover (naming the first), or a `fill` other than `None` and `"ffill"`.

    **Example:**

    ```python
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from quantamm_eqx.data import read_series
    >>> minutes = np.datetime64("2024-01-01T00:00") + np.arange(4) * np.timedelta64(1, "m")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "fees.csv"
    ...     _ = path.write_text(
    ...         "timestamp,fees\\n2023-12-31 23:00,0.003\\n2024-01-01 00:02,0.01\\n"
    ...     )
    ...     fees = read_series(path, minutes, fill="ffill", name="fees")
    >>> fees.tolist()
    [0.003, 0.003, 0.01, 0.01]
    ```
    """
    pandas = _require("pandas")
    if fill not in (None, "ffill"):
        raise ValueError(
            f"`fill` must be None (every minute in the file) or 'ffill' (a file of changes); "
            f"got {fill!r}."
        )
    wanted = _requested_minutes(timestamps)
    path = Path(path)
    frame = _read_table(pandas, path)
    time_column, column = _columns(path, list(frame.columns), time_column, column, name)
    nanoseconds = _parse_times(frame[time_column], time_column)
    times = nanoseconds.astype("datetime64[m]")
    off = times.astype(nanoseconds.dtype) != nanoseconds
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise ValueError(
            f"{path}: column {time_column!r} has a time that is not on a whole minute, "
            f"{nanoseconds[row]} at row {row} ({int(off.sum())} in all); give one row per "
            "minute at most, at the minute's start."
        )
    values = _values(pandas, frame[column])
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{path}: column {column!r} must hold finite numbers >= 0; at {times[row]} (row "
            f"{row}) it has {frame[column].iloc[row]!r} ({int(bad.sum())} such rows)."
        )
    order = np.argsort(times, kind="stable")
    times, values = times[order], values[order]
    repeated = times[1:] == times[:-1]
    if repeated.any():
        raise ValueError(
            f"{path}: {int(repeated.sum())} repeated time(s) in column {time_column!r}, the "
            f"first {times[1:][repeated][0]}; give each minute one row."
        )
    if fill is None:
        rows = np.minimum(np.searchsorted(times, wanted), len(times) - 1)
        missing = times[rows] != wanted
        if missing.any():
            raise ValueError(
                f"{path} has no row for {wanted[missing][0]}, the first of {int(missing.sum())} "
                f"missing minute(s) of the {len(wanted)} requested ({wanted[0]} to "
                f"{wanted[-1]}). If the file lists changes (each value holding until the next "
                "row), pass `fill='ffill'` (`--series-fill ffill` on the command line)."
            )
        return values[rows]
    rows = np.searchsorted(times, wanted, side="right") - 1
    if rows[0] < 0:
        raise ValueError(
            f"{path} starts at {times[0]}, after the first requested minute {wanted[0]}: "
            "with `fill='ffill'` each value holds from its own time on, so nothing gives the "
            f"value before. Add a row at or before {wanted[0]}."
        )
    return values[rows]


def _requested_minutes(timestamps: np.ndarray) -> np.ndarray:
    """`timestamps` as `datetime64[m]`, checked: 1-dimensional, non-empty, increasing."""
    if timestamps.dtype.kind != "M" or timestamps.ndim != 1 or timestamps.shape[0] == 0:
        raise ValueError(
            "`timestamps` must be a non-empty 1-dimensional numpy.datetime64 array, such as "
            f"`PriceData.timestamps`; got dtype {timestamps.dtype} and shape {timestamps.shape}."
        )
    minutes = timestamps.astype("datetime64[m]")
    if (minutes != timestamps).any() or np.isnat(minutes).any():
        raise ValueError("`timestamps` must all fall on whole minutes (UTC).")
    if (np.diff(minutes) <= np.timedelta64(0, "m")).any():
        raise ValueError("`timestamps` must be strictly increasing.")
    return minutes


def _columns(path: Path, columns: list[str], time_column, column, name: str) -> tuple[str, str]:
    """The time column and the value column, by the rules of `read_series`."""
    if time_column is None:
        time_column = next((c for c in columns if c.lower() in _TIME_COLUMNS), columns[0])
    elif time_column not in columns:
        raise ValueError(
            f"{path} has no column {time_column!r}; its columns are {columns}. Pass the name "
            "of its time column as `time_column`."
        )
    others = [c for c in columns if c != time_column]
    if column is not None:
        if column not in others:
            raise ValueError(
                f"{path} has no value column {column!r}; its columns are {columns} (time "
                f"column {time_column!r})."
            )
        return time_column, column
    if len(others) == 1:
        return time_column, others[0]
    if name in others:
        return time_column, name
    raise ValueError(
        f"{path} has {'no value column' if not others else f'value columns {others}'} beside "
        f"its time column {time_column!r}, so the {name} column is unclear: name the wanted "
        f"column {name!r}, keep only it, or pass `column`."
    )


def _values(pandas, column) -> np.ndarray:
    """A column as float64; cells that are empty or not numbers become NaN (refused)."""
    if pandas.api.types.is_bool_dtype(column.dtype):
        return np.full(len(column), np.nan)
    numbers = pandas.to_numeric(column, errors="coerce")
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)

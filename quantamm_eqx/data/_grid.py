"""`PriceData` (minute prices on a regular grid) and `to_minute_grid`, the one place where
observations become a grid: sorting, duplicate handling, gap checks and opt-in fills."""

import dataclasses
import datetime
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from .._atomic import atomic_path

Fill = Literal["ffill", "log-linear"]
Duplicates = Literal["error", "first", "last"]
TimeLike = str | datetime.datetime | datetime.date | np.datetime64 | int

_MINUTE = np.timedelta64(1, "m")


def _as_minute(when: str | datetime.datetime | datetime.date | np.datetime64, name: str):
    """A UTC time as `numpy.datetime64[m]`, refusing times that are not on a whole minute."""
    try:
        if isinstance(when, datetime.datetime) and when.tzinfo is not None:
            when = when.astimezone(datetime.UTC).replace(tzinfo=None)
        stamp = np.datetime64(when)
    except ValueError as error:
        raise ValueError(
            f"`{name}` must be a date or time such as '2012-03-01' or '2012-03-01T12:30'; "
            f"got {when!r}."
        ) from error
    minute = stamp.astype("datetime64[m]")
    if minute != stamp:
        raise ValueError(f"`{name}` must fall on a whole minute; got {stamp}.")
    return minute


@dataclasses.dataclass(frozen=True, eq=False)
class PriceData:
    """Minute prices of named assets on a regular, gap-free UTC minute grid.

    Row `t` holds the prices at `start + t` minutes. This is the layout `simulate`, `fit`
    and the command line expect; build one with a loader
    ([`load_stocks`][quantamm_eqx.data.load_stocks],
    [`read_wide`][quantamm_eqx.data.read_wide], [`read_long`][quantamm_eqx.data.read_long],
    [`read_binance`][quantamm_eqx.data.read_binance]) or from raw observations with
    [`to_minute_grid`][quantamm_eqx.data.to_minute_grid].

    **Fields:**

    - `prices`: float64 array `(minutes, n_assets)`, finite and strictly positive.
    - `assets`: the asset names, one per column, unique.
    - `start`: the time of row 0, a `numpy.datetime64` in minutes (UTC).

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx.data import PriceData
    >>> data = PriceData(np.full((3, 2), 5.0), ("ETH", "BTC"), np.datetime64("2024-01-01"))
    >>> data.timestamps[-1], data.index("2024-01-01T00:02")
    (np.datetime64('2024-01-01T00:02'), 2)
    ```
    """

    prices: np.ndarray
    assets: tuple[str, ...]
    start: np.datetime64

    def __post_init__(self):
        prices = np.array(self.prices, dtype=np.float64)
        if prices.ndim != 2 or prices.shape[0] < 1:
            raise ValueError(
                "`prices` must be 2-dimensional with layout (minutes, n_assets) and at least "
                f"one row; got shape {prices.shape}."
            )
        assets = tuple(str(asset) for asset in self.assets)
        if len(assets) != prices.shape[1]:
            raise ValueError(
                f"`assets` names {len(assets)} assets but `prices` has {prices.shape[1]} "
                "columns; give one name per column."
            )
        if len(set(assets)) != len(assets):
            raise ValueError(f"`assets` must be unique; got {assets}.")
        bad = ~(np.isfinite(prices) & (prices > 0))
        if bad.any():
            row, column = (int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                "`prices` must be finite and strictly positive; found "
                f"{float(prices[row, column])!r} for {assets[column]} at row {row} "
                f"({int(bad.sum())} bad entries in all)."
            )
        prices.setflags(write=False)
        object.__setattr__(self, "prices", prices)
        object.__setattr__(self, "assets", assets)
        object.__setattr__(self, "start", _as_minute(self.start, "start"))

    def __len__(self) -> int:
        return self.prices.shape[0]

    def __repr__(self) -> str:
        return (
            f"PriceData({len(self)} minutes of {', '.join(self.assets)}, "
            f"{self.start} to {self.end})"
        )

    @property
    def n_assets(self) -> int:
        """The number of assets (columns)."""
        return self.prices.shape[1]

    @property
    def end(self) -> np.datetime64:
        """The time of the last row."""
        return self.start + (len(self) - 1) * _MINUTE

    @property
    def timestamps(self) -> np.ndarray:
        """The time of every row, `numpy.datetime64[m]` (UTC)."""
        return self.start + np.arange(len(self)) * _MINUTE

    def index(self, when: TimeLike) -> int:
        """The row of a time (a date, ISO string or `datetime64`), or a row index checked
        to lie in range. Dates mean their first minute (00:00 UTC).

        **Raises:**

        `ValueError` when the time is outside the data or not on a whole minute.
        """
        if isinstance(when, bool):
            raise ValueError(f"`when` must be a time or a row index; got {when!r}.")
        if isinstance(when, int | np.integer):
            row = int(when)
        else:
            row = int((_as_minute(when, "when") - self.start) // _MINUTE)
        if not 0 <= row < len(self):
            raise ValueError(
                f"{when!r} is outside the data, which covers {self.start} to {self.end} "
                f"(rows 0 to {len(self) - 1})."
            )
        return row

    def stop_index(self, end: TimeLike) -> int:
        """The row of an exclusive end: any row, or one past the last (row or minute).

        **Example:**

        ```python
        >>> import numpy as np
        >>> from quantamm_eqx.data import PriceData
        >>> data = PriceData(np.ones((1440, 1)), ("A",), np.datetime64("2024-01-01"))
        >>> data.stop_index("2024-01-02"), data.stop_index(10)
        (1440, 10)
        ```
        """
        if isinstance(end, int | np.integer) and not isinstance(end, bool) and end == len(self):
            return len(self)
        if isinstance(end, str | np.datetime64 | datetime.date):
            if _as_minute(end, "end") == self.end + _MINUTE:
                return len(self)
        return self.index(end)

    def between(self, start: TimeLike | None = None, end: TimeLike | None = None) -> "PriceData":
        """The rows from `start` (inclusive) to `end` (exclusive); times or row indices.

        **Example:**

        ```python
        >>> import numpy as np
        >>> from quantamm_eqx.data import PriceData
        >>> data = PriceData(np.ones((1440 * 3, 1)), ("A",), np.datetime64("2024-01-01"))
        >>> len(data.between("2024-01-02", "2024-01-03"))
        1440
        ```
        """
        first = 0 if start is None else self.index(start)
        last = len(self) if end is None else self.stop_index(end)
        if last <= first:
            raise ValueError(f"`end` ({end!r}) must come after `start` ({start!r}).")
        return PriceData(self.prices[first:last], self.assets, self.start + first * _MINUTE)

    def select(self, assets: Sequence[str]) -> "PriceData":
        """The columns of the named assets, in the order given.

        **Raises:**

        `ValueError` naming any asset the data does not have.
        """
        missing = [asset for asset in assets if asset not in self.assets]
        if missing:
            raise ValueError(f"Unknown asset(s) {missing}; the data has {list(self.assets)}.")
        columns = [self.assets.index(asset) for asset in assets]
        return PriceData(self.prices[:, columns], tuple(assets), self.start)

    def to_file(self, path: str | os.PathLike) -> None:
        """Write the prices as a wide table (a `timestamp` column, then one column per
        asset) to a `.csv` or `.parquet` file, atomically.

        [`read_wide`][quantamm_eqx.data.read_wide] reads it back. Needs `pandas` (and
        `pyarrow` for parquet).
        """
        pandas = _require("pandas")
        path = Path(path)
        if path.suffix not in (".csv", ".parquet"):
            raise ValueError(f"`path` must end in .csv or .parquet; got {path.name!r}.")
        frame = pandas.DataFrame(self.prices, columns=list(self.assets))
        frame.insert(0, "timestamp", self.timestamps.astype("datetime64[s]"))
        with atomic_path(path) as temporary:
            if path.suffix == ".csv":
                frame.to_csv(temporary, index=False, float_format="%.17g")
            else:
                frame.to_parquet(temporary, index=False)


def _require(module: str):
    """Import an optional dependency, or explain how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"This needs the optional dependency {module!r}: "
            "`python -m pip install 'quantamm_eqx[data]'`."
        ) from error

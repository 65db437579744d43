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

    def _stop(self, end: TimeLike) -> int:
        """The row of an exclusive end: any row, or one past the last (row or minute)."""
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
        last = len(self) if end is None else self._stop(end)
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


def to_minute_grid(
    timestamps: np.ndarray | Sequence,
    values: np.ndarray,
    assets: Sequence[str],
    *,
    fill: Fill | None = None,
    duplicates: Duplicates = "error",
) -> PriceData:
    """Put price observations on a regular UTC minute grid.

    Observations are sorted by time. The grid runs from the first to the last timestamp.
    A missing value (NaN, or a minute with no row) is a gap: by default an error, or,
    opt-in, filled per asset from that asset's own observations:

    - `fill="ffill"`: the last observed price carries forward (a step path);
    - `fill="log-linear"`: geometric interpolation between the observations on either
      side, `p(t) = p0**(1 - s) * p1**s` with `s` the fraction of the way from one to the
      next (after an asset's last observation its price stays flat).

    Prices before an asset's first observation are never invented: trim the data instead.
    Non-positive and infinite prices are always an error.

    **Arguments:**

    - `timestamps`: one time per row, anything `numpy.datetime64` accepts (UTC), each on a
      whole minute.
    - `values`: prices `(rows, n_assets)`; NaN marks a missing value.
    - `assets`: one name per column.
    - `fill`: `None` (gaps are an error), `"ffill"` or `"log-linear"`.
    - `duplicates`: what to do with several rows at one time: `"error"`, or keep the
      `"first"` or `"last"` of them.

    **Returns:**

    A [`PriceData`][quantamm_eqx.data.PriceData].

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx.data import to_minute_grid
    >>> times = np.array(["2024-01-01T00:00", "2024-01-01T00:02"], dtype="datetime64[m]")
    >>> data = to_minute_grid(times, np.array([[1.0], [4.0]]), ["A"], fill="log-linear")
    >>> data.prices[:, 0].tolist()
    [1.0, 2.0, 4.0]
    ```
    """
    if fill not in (None, "ffill", "log-linear"):
        raise ValueError(f"`fill` must be None, 'ffill' or 'log-linear'; got {fill!r}.")
    if duplicates not in ("error", "first", "last"):
        raise ValueError(f"`duplicates` must be 'error', 'first' or 'last'; got {duplicates!r}.")
    values = np.array(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    try:
        stamps = np.asarray(timestamps, dtype="datetime64[ns]")
    except (ValueError, TypeError) as error:
        raise ValueError(f"`timestamps` could not be read as times: {error}") from error
    if stamps.ndim != 1 or stamps.shape[0] != values.shape[0]:
        raise ValueError(
            f"`timestamps` must be 1-dimensional with one time per row of `values`; got "
            f"{stamps.shape} times for values of shape {values.shape}."
        )
    if stamps.shape[0] == 0:
        raise ValueError("There are no observations: the data is empty.")
    assets = tuple(str(asset) for asset in assets)
    if len(assets) != values.shape[1]:
        raise ValueError(
            f"`assets` names {len(assets)} assets but `values` has {values.shape[1]} columns."
        )
    if np.isnat(stamps).any():
        row = int(np.flatnonzero(np.isnat(stamps))[0])
        raise ValueError(f"`timestamps` has a missing time at row {row}.")
    minutes = stamps.astype("datetime64[m]")
    off_minute = minutes != stamps
    if off_minute.any():
        row = int(np.flatnonzero(off_minute)[0])
        raise ValueError(
            f"Timestamps must fall on whole minutes; row {row} is at {stamps[row]}. Resample "
            "the data to minutes (e.g. keep each minute's last price) first."
        )
    _check_not_invalid(values, assets, minutes)

    order = np.argsort(minutes, kind="stable")
    minutes, values = minutes[order], values[order]
    repeated = minutes[1:] == minutes[:-1]
    if repeated.any():
        if duplicates == "error":
            row = int(np.flatnonzero(repeated)[0]) + 1
            raise ValueError(
                f"{int(repeated.sum())} duplicate timestamp(s), the first at {minutes[row]}. "
                "Remove them, or pass `duplicates='first'` or `'last'` (`--duplicates first` "
                "or `last` on the command line) to keep one row per minute."
            )
        keep = np.ones(minutes.shape[0], dtype=bool)
        if duplicates == "first":
            keep[1:] = ~repeated
        else:
            keep[:-1] = ~repeated
        minutes, values = minutes[keep], values[keep]

    start = minutes[0]
    offsets = ((minutes - start) // _MINUTE).astype(np.int64)
    n_minutes = int(offsets[-1]) + 1
    grid = np.full((n_minutes, len(assets)), np.nan)
    grid[offsets] = values
    missing = np.isnan(grid)
    if missing.any():
        if fill is None:
            rows = np.flatnonzero(missing.any(axis=1))
            raise ValueError(
                f"The prices have gaps: {int(missing.sum())} missing value(s) on the minute "
                f"grid, the first at {start + int(rows[0]) * _MINUTE} "
                f"({assets[int(np.argmax(missing[rows[0]]))]}). Fill them explicitly with "
                "`fill='ffill'` (carry the last price) or `fill='log-linear'` (geometric "
                "interpolation), `--fill ffill` or `--fill log-linear` on the command line, "
                "or supply gap-free data."
            )
        grid = _filled(grid, assets, start, fill)
    return PriceData(grid, assets, start)


def _check_not_invalid(values: np.ndarray, assets: tuple[str, ...], minutes: np.ndarray):
    """Non-positive and infinite prices are errors (NaN is a gap, handled by the grid)."""
    bad = ~np.isnan(values) & ~(np.isfinite(values) & (values > 0))
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"Prices must be finite and strictly positive; {assets[column]} is "
            f"{float(values[row, column])!r} at {minutes[row]} ({int(bad.sum())} bad value(s) in "
            "all). Remove or correct those rows."
        )


def _filled(grid: np.ndarray, assets: tuple[str, ...], start: np.datetime64, fill: Fill):
    positions = np.arange(grid.shape[0])
    filled = np.empty_like(grid)
    for column, asset in enumerate(assets):
        observed = np.flatnonzero(~np.isnan(grid[:, column]))
        if observed.size == 0:
            raise ValueError(f"{asset} has no prices at all.")
        if observed[0] > 0:
            raise ValueError(
                f"{asset} has no price before {start + int(observed[0]) * _MINUTE}, after the "
                f"data starts at {start}; prices before an asset's first observation are not "
                "filled. Start the data later or drop the asset."
            )
        known = grid[observed, column]
        if fill == "ffill":
            filled[:, column] = known[np.searchsorted(observed, positions, side="right") - 1]
        else:
            filled[:, column] = np.exp(np.interp(positions, observed, np.log(known)))
            filled[observed, column] = known  # exp(log(p)) can be an ulp away from p
    return filled

"""Loaders for price files: wide and long tables (CSV or parquet) and Binance klines.

Each loader only reads and parses; [`to_minute_grid`][quantamm_eqx.data.to_minute_grid]
turns the observations into a grid, so gaps, duplicates and bad prices follow the same
rules whatever the file format.
"""

import errno
import lzma
import os
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .grid import Duplicates, Fill, PriceData, _require, to_minute_grid

_TIME_COLUMNS = ("timestamp", "time", "date", "datetime", "open_time", "unix")
_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zip", ".zip")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_BINANCE_COLUMNS = (
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "count",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
)
# Largest magnitude (exclusive) of a Unix time in each unit, and nanoseconds per unit.
_EPOCH_UNITS = ((1e11, 1_000_000_000), (1e14, 1_000_000), (1e17, 1_000), (np.inf, 1))


def read_wide(
    path: str | os.PathLike,
    *,
    time_column: str | None = None,
    assets: Sequence[str] | None = None,
    fill: Fill | None = None,
    duplicates: Duplicates = "error",
) -> PriceData:
    """Read a wide table of prices: one time column and one price column per asset.

    This is the layout [`PriceData.to_file`][quantamm_eqx.data.PriceData.to_file] writes,
    so the two round-trip exactly. Times are UTC: ISO 8601 strings (a UTC offset is
    converted, no offset means UTC), other date strings in one format throughout (guessed
    from the first value, month first when both readings fit every value), parquet
    timestamps, or Unix times whose unit (seconds, milliseconds, microseconds or
    nanoseconds) is read from each value's magnitude. An empty cell is a gap, handled by
    `fill`. A parquet file's index is read as a column; an unnamed first CSV column of row
    numbers (as `DataFrame.to_csv` and R's `write.csv` write) is ignored.

    **Arguments:**

    - `path`: a `.csv` file, optionally compressed (`.csv.gz`, `.csv.bz2`, `.csv.xz`,
      `.csv.zip`, `.zip`), or a `.parquet` file (needs `pyarrow`).
    - `time_column`: the name of the time column. By default the first column named
      `timestamp`, `time`, `date`, `datetime`, `open_time` or `unix` (in any case), else
      the first column.
    - `assets`: the price columns to read, in this order; by default all other columns.
    - `fill`, `duplicates`: how gaps and repeated times are handled, as in
      [`to_minute_grid`][quantamm_eqx.data.to_minute_grid].

    **Returns:**

    A [`PriceData`][quantamm_eqx.data.PriceData].

    **Raises:**

    `FileNotFoundError` if there is no such file; `ValueError` for an unsupported suffix,
    an empty file, a missing column, a time or price that cannot be parsed, and for the
    data errors of [`to_minute_grid`][quantamm_eqx.data.to_minute_grid].

    **Example:**

    ```python
    >>> import tempfile
    >>> from pathlib import Path
    >>> from quantamm_eqx.data import read_wide
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "prices.csv"
    ...     _ = path.write_text(
    ...         "date,ETH,BTC\\n2024-01-01 00:00,2000,40000\\n2024-01-01 00:02,2200,\\n"
    ...     )
    ...     data = read_wide(path, fill="ffill")
    >>> data.assets, data.prices.tolist()
    (('ETH', 'BTC'), [[2000.0, 40000.0], [2000.0, 40000.0], [2200.0, 40000.0]])
    ```
    """
    pandas = _require("pandas")
    path = Path(path)
    frame = _read_table(pandas, path)
    columns: list[str] = list(frame.columns)
    if time_column is None:
        named = (column for column in columns if column.lower() in _TIME_COLUMNS)
        time_column = next(named, columns[0])
    elif time_column not in columns:
        raise ValueError(
            f"{path} has no column {time_column!r}; its columns are {columns}. Pass the "
            "name of its time column as `time_column`."
        )
    available = [column for column in columns if column != time_column]
    if assets is None:
        chosen = available
    else:
        chosen = [str(asset) for asset in assets]
        unknown = [asset for asset in chosen if asset not in available]
        if unknown:
            raise ValueError(
                f"Unknown asset(s) {unknown}: {path} has price columns {available} "
                f"(and time column {time_column!r})."
            )
    if not chosen:
        raise ValueError(
            f"{path} has no price columns: a wide table needs a time column ({time_column!r}) "
            "and one price column per asset."
        )
    times = _parse_times(frame[time_column], time_column)
    values = np.stack([_parse_prices(frame[asset], asset) for asset in chosen], axis=1)
    return to_minute_grid(times, values, chosen, fill=fill, duplicates=duplicates)


def read_long(
    path: str | os.PathLike,
    *,
    time_column: str = "timestamp",
    asset_column: str = "asset",
    price_column: str = "close",
    assets: Sequence[str] | None = None,
    fill: Fill | None = None,
    duplicates: Duplicates = "error",
) -> PriceData:
    """Read a long ("tidy") table of prices: one row per time and asset.

    The rows are pivoted to one column per asset; times are read as by
    [`read_wide`][quantamm_eqx.data.read_wide]. A time at which an asset has no row, or an
    empty price, is a gap, handled by `fill`; several rows for one asset at one time are
    handled by `duplicates` (`"first"` and `"last"` refer to the order in the file).

    **Arguments:**

    - `path`: a `.csv` file, optionally compressed (`.csv.gz`, `.csv.bz2`, `.csv.xz`,
      `.csv.zip`, `.zip`), or a `.parquet` file (needs `pyarrow`).
    - `time_column`, `asset_column`, `price_column`: the names of the columns holding the
      time, the asset name and its price. Other columns are ignored.
    - `assets`: the assets to read, in this order; by default all, in order of first
      appearance.
    - `fill`, `duplicates`: how gaps and repeated times are handled, as in
      [`to_minute_grid`][quantamm_eqx.data.to_minute_grid].

    **Returns:**

    A [`PriceData`][quantamm_eqx.data.PriceData].

    **Raises:**

    `FileNotFoundError` if there is no such file; `ValueError` for an unsupported suffix,
    an empty file, missing columns (the message lists those present), a time or price
    that cannot be parsed, an unknown asset, and for the data errors of
    [`to_minute_grid`][quantamm_eqx.data.to_minute_grid].

    **Example:**

    ```python
    >>> import tempfile
    >>> from pathlib import Path
    >>> from quantamm_eqx.data import read_long
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "prices.csv"
    ...     _ = path.write_text(
    ...         "timestamp,asset,close\\n"
    ...         "2024-01-01T00:00,ETH,2000\\n2024-01-01T00:00,BTC,40000\\n"
    ...         "2024-01-01T00:01,BTC,40100\\n2024-01-01T00:01,ETH,2010\\n"
    ...     )
    ...     data = read_long(path)
    >>> data.assets, data.prices.tolist()
    (('ETH', 'BTC'), [[2000.0, 40000.0], [2010.0, 40100.0]])
    ```
    """
    pandas = _require("pandas")
    _check_options(fill, duplicates)
    path = Path(path)
    frame = _read_table(pandas, path)
    columns = list(frame.columns)
    wanted = dict(time_column=time_column, asset_column=asset_column, price_column=price_column)
    missing = [f"{name}={column!r}" for name, column in wanted.items() if column not in columns]
    if missing:
        raise ValueError(
            f"{path} lacks the column(s) {', '.join(missing)}; its columns are {columns}. "
            "Pass the names it uses as `time_column`, `asset_column` and `price_column`."
        )
    names = frame[asset_column]
    if names.isna().any():
        row = int(np.flatnonzero(names.isna().to_numpy())[0])
        raise ValueError(f"Column {asset_column!r} has a missing asset name at row {row}.")
    codes, found = pandas.factorize(names.astype(str))
    found = [str(asset) for asset in found]
    if assets is None:
        chosen = found
    else:
        chosen = [str(asset) for asset in assets]
        unknown = [asset for asset in chosen if asset not in found]
        if unknown:
            raise ValueError(f"Unknown asset(s) {unknown}: {path} has {found}.")
        remap = np.full(len(found), -1)
        remap[[found.index(asset) for asset in chosen]] = np.arange(len(chosen))
        codes = remap[codes]
    keep = codes >= 0
    times = _parse_times(frame[time_column], time_column)[keep]
    prices = _parse_prices(frame[price_column], price_column)[keep]
    return _pivot(times, codes[keep], prices, chosen, fill, duplicates)


def read_binance(
    files: Mapping[str, str | os.PathLike | Sequence[str | os.PathLike]],
    *,
    fill: Fill | None = None,
    duplicates: Duplicates = "error",
) -> PriceData:
    """Read Binance 1-minute kline (candlestick) files, one or more per asset.

    These are the files of [data.binance.vision](https://data.binance.vision), e.g.
    `BTCUSDT-1m-2024-01.zip`: a CSV (or a `.zip` holding one CSV) with the 12 columns
    `open_time, open, high, low, close, volume, close_time, quote_volume, count,
    taker_buy_volume, taker_buy_quote_volume, ignore`, with a header row (futures) or
    without (spot).

    **Conventions.** Each kline contributes its `close` price, labelled with its
    `open_time`: row `t` of the result holds the close of the kline that opened at minute
    `t` (the last traded price of that minute). `open_time` is a Unix time in milliseconds,
    or in microseconds (spot data since 2025); the unit is read from each value's
    magnitude, so files in both units can be concatenated. An asset's files are
    concatenated (e.g. monthly files) and sorted by time. The assets are aligned on the
    span where all of them have data, from the latest first time to the earliest last
    time; inside it, missing minutes and repeated times are handled by `fill` and
    `duplicates` as in [`to_minute_grid`][quantamm_eqx.data.to_minute_grid] (klines of a
    longer interval, such as `1h`, are then gaps to fill).

    **Arguments:**

    - `files`: maps each asset name to a path, or to a sequence of paths. Supported
      suffixes: `.zip`, `.csv`, and compressed `.csv.gz`, `.csv.bz2`, `.csv.xz`.
    - `fill`, `duplicates`: as in [`to_minute_grid`][quantamm_eqx.data.to_minute_grid].

    **Returns:**

    A [`PriceData`][quantamm_eqx.data.PriceData] with the assets in the order of `files`.

    **Raises:**

    `FileNotFoundError` if a file is missing; `ValueError` for an unsupported suffix, an
    empty file, a file without the 12 kline columns, assets whose data do not overlap,
    and for the data errors of [`to_minute_grid`][quantamm_eqx.data.to_minute_grid].

    **Example:**

    ```python
    >>> import tempfile
    >>> from pathlib import Path
    >>> from quantamm_eqx.data import read_binance
    >>> rows = {"BTC": [(1704067200000, 42283.6), (1704067260000, 42289.6)],
    ...         "ETH": [(1704067200000, 2283.5), (1704067260000, 2285.0)]}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     files = {}
    ...     for asset, klines in rows.items():
    ...         files[asset] = Path(folder) / f"{asset}USDT-1m-2024-01.csv"
    ...         _ = files[asset].write_text("".join(
    ...             f"{t},0,0,0,{close},0,{t + 59999},0,0,0,0,0\\n" for t, close in klines
    ...         ))
    ...     data = read_binance(files)
    >>> data.start, data.prices.tolist()
    (np.datetime64('2024-01-01T00:00'), [[42283.6, 2283.5], [42289.6, 2285.0]])
    ```
    """
    pandas = _require("pandas")
    _check_options(fill, duplicates)
    if not files:
        raise ValueError("`files` is empty: map at least one asset name to its kline files.")
    assets = [str(asset) for asset in files]
    series = []
    for asset, paths in files.items():
        if isinstance(paths, str | os.PathLike):
            paths = [paths]
        if len(paths) == 0:
            raise ValueError(f"`files[{asset!r}]` names no files.")
        klines = [_read_klines(pandas, Path(path)) for path in paths]
        series.append(
            (np.concatenate([t for t, _ in klines]), np.concatenate([p for _, p in klines]))
        )
    first = max(times.min() for times, _ in series)
    last = min(times.max() for times, _ in series)
    if first > last:
        spans = ", ".join(
            f"{asset} {times.min()} to {times.max()}" for asset, (times, _) in zip(assets, series)
        )
        raise ValueError(
            f"The assets' klines do not overlap in time ({spans}); give files covering a "
            "common period."
        )
    inside = [(times >= first) & (times <= last) for times, _ in series]
    return _pivot(
        np.concatenate([times[mask] for (times, _), mask in zip(series, inside)]),
        np.concatenate([np.full(int(mask.sum()), i) for i, mask in enumerate(inside)]),
        np.concatenate([prices[mask] for (_, prices), mask in zip(series, inside)]),
        assets,
        fill,
        duplicates,
    )


def _check_options(fill, duplicates):
    if fill not in (None, "ffill", "log-linear"):
        raise ValueError(f"`fill` must be None, 'ffill' or 'log-linear'; got {fill!r}.")
    if duplicates not in ("error", "first", "last"):
        raise ValueError(f"`duplicates` must be 'error', 'first' or 'last'; got {duplicates!r}.")


def _format(path: Path, *, parquet: bool) -> str:
    """`"csv"` or `"parquet"`, from the file's suffix."""
    name = path.name.lower()
    if parquet and name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    suffixes = _CSV_SUFFIXES + (_PARQUET_SUFFIXES if parquet else ())
    raise ValueError(
        f"Unsupported file {path.name!r}: the supported suffixes are {', '.join(suffixes)}."
    )


def _check_exists(path: Path):
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "No such file", str(path))


def _read_csv(pandas, path: Path, **kwargs):
    try:
        return pandas.read_csv(path, low_memory=False, **kwargs)
    except pandas.errors.EmptyDataError as error:
        raise ValueError(f"{path} is empty: it holds no rows of data.") from error
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text ({error}); save it as UTF-8.") from error
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as error:
        raise ValueError(f"{path} cannot be read: {error}. Is it truncated?") from error
    except pandas.errors.ParserError as error:
        raise ValueError(f"{path} is not a well-formed CSV file: {error}") from error


def _read_table(pandas, path: Path):
    """A CSV or parquet file as a DataFrame with string column names and at least one row.

    A parquet file's index (`DataFrame.to_parquet` keeps it) becomes a column. A CSV file's
    first column is dropped when it has no name and holds the row numbers 0, 1, ... or 1, 2,
    ... (as `DataFrame.to_csv` and R's `write.csv` write them); an unnamed first column of
    times is kept.
    """
    kind = _format(path, parquet=True)
    _check_exists(path)
    if kind == "parquet":
        try:
            frame = pandas.read_parquet(path)
        except (OSError, ValueError) as error:
            raise ValueError(f"{path} cannot be read as parquet: {error}") from error
        if not isinstance(frame.index, pandas.RangeIndex):
            frame = frame.reset_index()
    else:
        frame = _read_csv(pandas, path)
        if len(frame.columns) and _is_row_numbers(frame.columns[0], frame.iloc[:, 0]):
            frame = frame.drop(columns=frame.columns[0])
    frame.columns = [str(column) for column in frame.columns]
    if len(frame) == 0 or len(frame.columns) == 0:
        raise ValueError(f"{path} is empty: it holds no rows of data.")
    return frame


def _is_row_numbers(name, column) -> bool:
    """Whether a CSV column is an unnamed index of row numbers (`Unnamed: 0` in pandas)."""
    if str(name) != "Unnamed: 0" or column.dtype.kind not in "iu" or len(column) == 0:
        return False
    values = column.to_numpy()
    return bool((values == np.arange(len(values)) + values[0]).all() and values[0] in (0, 1))


def _read_klines(pandas, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The open times and close prices of one Binance kline file."""
    _format(path, parquet=False)
    _check_exists(path)
    head = _read_csv(pandas, path, header=None, nrows=1)
    try:
        float(head.iloc[0, 0])
        header = None
    except (TypeError, ValueError):
        header = 0
    frame = _read_csv(pandas, path, header=header)
    if frame.shape[1] != len(_BINANCE_COLUMNS):
        raise ValueError(
            f"{path} has {frame.shape[1]} columns, but a Binance kline file has "
            f"{len(_BINANCE_COLUMNS)}: {', '.join(_BINANCE_COLUMNS)}. Download the klines "
            "(not trades or aggTrades) files."
        )
    if len(frame) == 0:
        raise ValueError(f"{path} is empty: it holds no rows of data.")
    return _parse_times(frame.iloc[:, 0], "open_time"), _parse_prices(frame.iloc[:, 4], "close")


def _pivot(times, codes, prices, assets, fill, duplicates) -> PriceData:
    """Long observations (time, asset code, price) as a grid; repeated (time, asset) pairs
    resolved by `duplicates` in file order."""
    order = np.lexsort((codes, times))  # stable: equal keys keep their file order
    times, codes, prices = times[order], codes[order], prices[order]
    repeated = (times[1:] == times[:-1]) & (codes[1:] == codes[:-1])
    if repeated.any():
        if duplicates == "error":
            row = int(np.flatnonzero(repeated)[0]) + 1
            raise ValueError(
                f"{int(repeated.sum())} duplicate row(s) for one asset at one time, the first "
                f"for {assets[codes[row]]} at {times[row]}. Remove them, or pass "
                "`duplicates='first'` or `'last'` (`--duplicates first` or `last` on the "
                "command line) to keep one row per asset and minute."
            )
        keep = np.ones(times.shape[0], dtype=bool)
        if duplicates == "first":
            keep[1:] = ~repeated
        else:
            keep[:-1] = ~repeated
        times, codes, prices = times[keep], codes[keep], prices[keep]
    unique, rows = np.unique(times, return_inverse=True)
    values = np.full((unique.shape[0], len(assets)), np.nan)
    values[rows, codes] = prices
    return to_minute_grid(unique, values, assets, fill=fill)


def _parse_times(column, name: str) -> np.ndarray:
    """A column of times as naive UTC `datetime64[ns]`.

    Numbers are Unix times, each in the unit its magnitude implies: below 1e11 seconds,
    below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds. Datetimes with a
    time zone are converted to UTC; strings are parsed by `pandas.to_datetime` (ISO 8601,
    else any format it recognises), naive ones taken as UTC.
    """
    pandas = _require("pandas")
    types = pandas.api.types
    if types.is_bool_dtype(column.dtype):
        raise ValueError(f"Column {name!r} holds booleans, not times.")
    if types.is_numeric_dtype(column.dtype):
        return _epoch_times(column.to_numpy(dtype=np.float64, na_value=np.nan), column, name)
    parsed = (
        column if types.is_datetime64_any_dtype(column.dtype) else _parse_time_text(column, name)
    )
    if getattr(parsed.dtype, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    times = parsed.to_numpy().astype("datetime64[ns]")
    _check_no_missing_time(np.isnat(times), name)
    return times


def _parse_time_text(column, name: str):
    """Time strings: ISO 8601, else one format for the whole column, month first if both fit.

    The format is guessed from the first value, month first and then day first, and must fit
    every value: a column is never read with a different format from row to row (which
    would swap days and months silently).
    """
    pandas = _require("pandas")
    from pandas.tseries.api import guess_datetime_format

    present = column.notna().to_numpy()
    parsed = pandas.to_datetime(column, utc=True, format="ISO8601", errors="coerce")
    bad = parsed.isna().to_numpy() & present
    if not bad.any():
        return parsed
    first = str(column.iloc[int(np.flatnonzero(present)[0])])
    formats = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pandas's note on day-first guesses
        for dayfirst in (False, True):
            guessed = guess_datetime_format(first, dayfirst=dayfirst)
            if guessed is None or guessed in formats:
                continue
            formats.append(guessed)
            candidate = pandas.to_datetime(column, utc=True, format=guessed, errors="coerce")
            candidate_bad = candidate.isna().to_numpy() & present
            if not candidate_bad.any():
                return candidate
            bad = candidate_bad if len(formats) == 1 else bad
    row = int(np.flatnonzero(bad)[0])
    tried = f" (tried {' and '.join(repr(f) for f in formats)}, guessed from {first!r})"
    raise ValueError(
        f"Column {name!r} has a value that is not a time, {column.iloc[row]!r} at row "
        f"{row} ({int(bad.sum())} in all){tried if formats else ''}. Times must be dates or "
        "times in one format, such as ISO 8601 '2024-01-31 12:30' (UTC unless an offset is "
        "given), or Unix times."
    )


def _epoch_times(numbers: np.ndarray, column, name: str) -> np.ndarray:
    _check_no_missing_time(np.isnan(numbers), name)
    magnitude = np.abs(numbers)
    nanoseconds = np.empty(numbers.shape, dtype=np.int64)
    integers = column.to_numpy(dtype=np.int64) if column.dtype.kind in "iu" else None
    lower = 0.0
    for upper, factor in _EPOCH_UNITS:
        mask = (magnitude >= lower) & (magnitude < upper)
        lower = upper
        if not mask.any():
            continue
        if (magnitude[mask] * factor >= 2.0**63).any():
            row = int(np.flatnonzero(mask & (magnitude * factor >= 2.0**63))[0])
            raise ValueError(
                f"Column {name!r} has a Unix time out of range, {column.iloc[row]!r} at row "
                f"{row}: times must lie between the years 1678 and 2261."
            )
        if integers is not None:
            nanoseconds[mask] = integers[mask] * factor
        else:
            nanoseconds[mask] = np.rint(numbers[mask] * factor).astype(np.int64)
    return nanoseconds.astype("datetime64[ns]")


def _check_no_missing_time(missing: np.ndarray, name: str):
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise ValueError(
            f"Column {name!r} has a missing time at row {row} ({int(missing.sum())} in all); "
            "every row needs a time."
        )


def _parse_prices(column, name: str) -> np.ndarray:
    """A column of prices as float64; empty cells are NaN (gaps), other text an error."""
    pandas = _require("pandas")
    types = pandas.api.types
    if types.is_bool_dtype(column.dtype):
        raise ValueError(f"Column {name!r} holds booleans, not prices.")
    if types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    numbers = pandas.to_numeric(column, errors="coerce")
    bad = numbers.isna().to_numpy() & column.notna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"Column {name!r} has a price that is not a number, {column.iloc[row]!r} at row "
            f"{row} ({int(bad.sum())} in all). Prices must be numbers; leave a cell empty to "
            "mark a gap."
        )
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)

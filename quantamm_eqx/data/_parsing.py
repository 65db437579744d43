"""Reading price files: formats, tables, time stamps and prices (the loaders' helpers)."""

import errno
import lzma
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ._constants import _BINANCE_COLUMNS, _CSV_SUFFIXES, _EPOCH_UNITS, _PARQUET_SUFFIXES
from ._grid import PriceData, _require
from ._minute_grid import to_minute_grid


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

"""Loaders for price files: wide and long tables (CSV or parquet) and Binance klines.

Each loader only reads and parses; [`to_minute_grid`][quantamm_eqx.data.to_minute_grid]
turns the observations into a grid, so gaps, duplicates and bad prices follow the same
rules whatever the file format.
"""

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ._constants import _TIME_COLUMNS
from ._grid import Duplicates, Fill, PriceData, _require
from ._minute_grid import to_minute_grid
from ._parsing import _check_options, _parse_prices, _parse_times, _pivot, _read_klines, _read_table


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

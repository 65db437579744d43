"""What the loaders recognise: time columns, file suffixes, Binance kline columns."""

import numpy as np

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

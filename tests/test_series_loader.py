"""`read_series`: a per-minute series from a file, aligned on the minutes of the prices."""

import gzip
import re

import numpy as np
import pandas as pd
import pytest

from quantamm_eqx.data import read_series

START = np.datetime64("2024-01-01T00:00", "m")
MINUTE = np.timedelta64(1, "m")
MINUTES = START + np.arange(5) * MINUTE  # 00:00 to 00:04


def write(path, text):
    path.write_text(text)
    return path


def full_csv(tmp_path, values=(0.001, 0.002, 0.003, 0.004, 0.005), extra=""):
    rows = "".join(f"2024-01-01 00:0{i},{v}\n" for i, v in enumerate(values))
    return write(tmp_path / "fees.csv", f"timestamp,fees\n{rows}{extra}")


def test_every_minute_present_is_read_in_order(tmp_path):
    path = full_csv(tmp_path)
    values = read_series(path, MINUTES)
    assert values.dtype == np.float64
    assert values.tolist() == [0.001, 0.002, 0.003, 0.004, 0.005]
    # A sub-span, and rows outside it ignored; row order in the file does not matter.
    assert read_series(path, MINUTES[1:3]).tolist() == [0.002, 0.003]
    shuffled = write(
        tmp_path / "shuffled.csv",
        "time,fees\n2024-01-01 00:02,3\n2024-01-01 00:00,1\n2024-01-01 00:01,2\n",
    )
    assert read_series(shuffled, MINUTES[:3]).tolist() == [1.0, 2.0, 3.0]


def test_compressed_csv_and_parquet_with_unix_and_zoned_times(tmp_path):
    compressed = tmp_path / "gas.csv.gz"
    seconds = (MINUTES - np.datetime64(0, "m")) // MINUTE * 60
    text = "unix,gas\n" + "".join(f"{s},{i}\n" for i, s in enumerate(seconds))
    compressed.write_bytes(gzip.compress(text.encode()))
    assert read_series(compressed, MINUTES).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]

    parquet = tmp_path / "volume.parquet"
    zoned = pd.DatetimeIndex(MINUTES.astype("datetime64[ns]")).tz_localize("UTC")
    zoned = zoned.tz_convert("America/New_York")  # converted back to UTC
    pd.DataFrame({"timestamp": zoned, "retail_volume": np.arange(5.0) * 1e3}).to_parquet(parquet)
    assert read_series(parquet, MINUTES).tolist() == [0.0, 1e3, 2e3, 3e3, 4e3]


def test_a_gap_is_refused_naming_the_first_missing_minute(tmp_path):
    path = write(
        tmp_path / "fees.csv",
        "timestamp,fees\n2024-01-01 00:00,0.003\n2024-01-01 00:03,0.01\n",
    )
    message = (
        r"has no row for 2024-01-01T00:01, the first of 3 missing minute\(s\) of the 5 "
        r"requested.*fill='ffill'"
    )
    with pytest.raises(ValueError, match=message):
        read_series(path, MINUTES)


def test_ffill_holds_each_value_until_the_next_row(tmp_path):
    path = write(
        tmp_path / "fees.csv",
        "timestamp,fees\n2023-12-31 12:00,0.003\n2024-01-01 00:03,0.01\n2024-02-01,0.5\n",
    )
    assert read_series(path, MINUTES, fill="ffill").tolist() == [0.003] * 3 + [0.01] * 2
    # Starting on a row's own minute.
    assert read_series(path, MINUTES[3:], fill="ffill").tolist() == [0.01, 0.01]


def test_ffill_refuses_a_file_that_starts_after_the_first_minute(tmp_path):
    path = write(tmp_path / "fees.csv", "timestamp,fees\n2024-01-01 00:02,0.003\n")
    with pytest.raises(ValueError, match="starts at 2024-01-01T00:02, after the first requested"):
        read_series(path, MINUTES, fill="ffill")


@pytest.mark.parametrize(
    "bad, shown",
    [("-0.001", "-0.001"), ("", "nan"), ("inf", "inf"), ("cheap", "'cheap'")],
)
def test_bad_values_are_refused_naming_file_column_time_and_value(bad, shown, tmp_path):
    path = full_csv(tmp_path, values=(0.001, 0.002, bad, 0.004, 0.005))
    message = f"{path}: column 'fees' must hold finite numbers >= 0; at 2024-01-01T00:02"
    with pytest.raises(ValueError, match=re.escape(message) + f".*{re.escape(shown)}"):
        read_series(path, MINUTES)


def test_repeated_and_off_minute_times_are_refused(tmp_path):
    repeated = full_csv(tmp_path, extra="2024-01-01 00:03,0.1\n")
    with pytest.raises(ValueError, match="1 repeated time.*the first 2024-01-01T00:03"):
        read_series(repeated, MINUTES)
    off = write(tmp_path / "off.csv", "timestamp,fees\n2024-01-01 00:00:30,0.1\n")
    with pytest.raises(ValueError, match="not on a whole minute, 2024-01-01T00:00:30"):
        read_series(off, MINUTES, fill="ffill")


def test_the_value_column_is_the_only_one_else_the_named_one(tmp_path):
    path = write(
        tmp_path / "costs.csv",
        "date,gas_cost,fees\n2024-01-01 00:00,5,0.003\n2024-01-01 00:01,6,0.004\n",
    )
    assert read_series(path, MINUTES[:2], name="fees").tolist() == [0.003, 0.004]
    assert read_series(path, MINUTES[:2], column="gas_cost").tolist() == [5.0, 6.0]
    with pytest.raises(ValueError, match=r"value columns \['gas_cost', 'fees'\].*name the wanted"):
        read_series(path, MINUTES[:2], name="arb_fees")
    with pytest.raises(ValueError, match=r"no value column 'gas'; its columns are \['date'"):
        read_series(path, MINUTES[:2], column="gas")
    with pytest.raises(ValueError, match="no column 'when'"):
        read_series(path, MINUTES[:2], time_column="when")


def test_bad_arguments_are_refused(tmp_path):
    path = full_csv(tmp_path)
    with pytest.raises(ValueError, match="`fill` must be None .* or 'ffill'"):
        read_series(path, MINUTES, fill="bfill")
    with pytest.raises(ValueError, match="`timestamps` must be a non-empty"):
        read_series(path, np.arange(5))
    with pytest.raises(ValueError, match="strictly increasing"):
        read_series(path, MINUTES[::-1])
    with pytest.raises(FileNotFoundError):
        read_series(tmp_path / "missing.csv", MINUTES)

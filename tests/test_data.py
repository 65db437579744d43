"""Price data: the minute grid, `PriceData`, the file loaders and the built-in dataset."""

import datetime
import gzip
import zipfile

import numpy as np
import pandas as pd
import pytest

from quantamm_eqx.data import (
    DEFAULT_STOCKS,
    PriceData,
    load_stocks,
    read_binance,
    read_long,
    read_wide,
    to_minute_grid,
)

START = np.datetime64("2024-01-01T00:00", "m")
MINUTE = np.timedelta64(1, "m")
MS_PER_MINUTE = 60_000


def make_data(minutes=6, assets=("ETH", "BTC", "SOL"), start=START, seed=0):
    """Prices with full 17-digit mantissas, so that round trips must be exact."""
    rng = np.random.default_rng(seed)
    prices = np.exp(rng.normal(3.0, 2.0, size=(minutes, len(assets))))
    return PriceData(prices, assets, start)


def assert_same(actual: PriceData, expected: PriceData):
    assert actual.assets == expected.assets
    assert actual.start == expected.start
    np.testing.assert_array_equal(actual.prices, expected.prices)


def write_csv(path, text):
    path.write_text(text)
    return path


def write_klines(path, data: PriceData, column, *, header=False, unit="ms", rows=None):
    """A Binance kline CSV of one column of `data` (open_time in `unit`)."""
    rows = range(len(data)) if rows is None else rows
    scale = {"ms": 1, "us": 1000}[unit]
    epoch_ms = int((data.start - np.datetime64(0, "m")) // MINUTE) * MS_PER_MINUTE
    lines = []
    if header:
        lines.append(
            "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
            "taker_buy_volume,taker_buy_quote_volume,ignore"
        )
    for row in rows:
        open_ms = epoch_ms + row * MS_PER_MINUTE
        close = f"{data.prices[row, column]:.17g}"
        lines.append(
            f"{open_ms * scale},1.5,2.5,0.5,{close},10.0,{(open_ms + 59_999) * scale},"
            "15.0,7,5.0,7.5,0"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


# --- to_minute_grid ---------------------------------------------------------------------


def test_grid_sorts_observations():
    times = np.array(["2024-01-01T00:01", "2024-01-01T00:00"], dtype="datetime64[m]")
    data = to_minute_grid(times, np.array([[2.0], [1.0]]), ["A"])
    assert data.start == START
    assert data.prices[:, 0].tolist() == [1.0, 2.0]


def test_grid_fills():
    times = np.array(["2024-01-01T00:00", "2024-01-01T00:02", "2024-01-01T00:03"], "datetime64[m]")
    values = np.array([[2.0, 1.0], [8.0, 3.0], [np.nan, 5.0]])
    with pytest.raises(ValueError, match=r"gaps.*2024-01-01T00:01.*fill='ffill'"):
        to_minute_grid(times, values, ["A", "B"])
    step = to_minute_grid(times, values, ["A", "B"], fill="ffill")
    np.testing.assert_array_equal(step.prices, [[2, 1], [2, 1], [8, 3], [8, 5]])
    smooth = to_minute_grid(times, values, ["A", "B"], fill="log-linear")
    # The geometric midpoint, and flat after an asset's last observation.
    np.testing.assert_allclose(smooth.prices[:, 0], [2, 4, 8, 8], rtol=1e-15)
    np.testing.assert_allclose(smooth.prices[1, 1], np.sqrt(3.0), rtol=1e-15)


def test_log_linear_fill_keeps_observed_prices_exactly():
    rng = np.random.default_rng(1)
    values = rng.uniform(1.0, 1000.0, size=(50, 1))
    times = START + 3 * np.arange(50) * MINUTE
    data = to_minute_grid(times, values, ["A"], fill="log-linear")
    np.testing.assert_array_equal(data.prices[::3, 0], values[:, 0])


def test_grid_duplicates():
    times = np.array(["2024-01-01T00:00", "2024-01-01T00:01", "2024-01-01T00:01"], "datetime64[m]")
    values = np.array([[1.0], [2.0], [3.0]])
    with pytest.raises(ValueError, match=r"1 duplicate timestamp.*duplicates='first'"):
        to_minute_grid(times, values, ["A"])
    assert to_minute_grid(times, values, ["A"], duplicates="first").prices[1, 0] == 2.0
    assert to_minute_grid(times, values, ["A"], duplicates="last").prices[1, 0] == 3.0


@pytest.mark.parametrize(
    "bad, match",
    [
        (0.0, r"strictly positive; A is 0\.0"),
        (-1.0, r"strictly positive; A is -1\.0"),
        (np.inf, r"strictly positive; A is inf"),
    ],
)
def test_grid_rejects_invalid_prices_even_with_fill(bad, match):
    times = START + np.arange(2) * MINUTE
    with pytest.raises(ValueError, match=match):
        to_minute_grid(times, np.array([[1.0], [bad]]), ["A"], fill="ffill")


def test_grid_never_fills_before_first_observation():
    times = START + np.arange(2) * MINUTE
    values = np.array([[1.0, np.nan], [1.0, 2.0]])
    with pytest.raises(ValueError, match=r"B has no price before 2024-01-01T00:01"):
        to_minute_grid(times, values, ["A", "B"], fill="ffill")


def test_grid_rejects_off_minute_times_and_empty_data():
    times = np.array(["2024-01-01T00:00:00", "2024-01-01T00:00:30"], dtype="datetime64[s]")
    with pytest.raises(ValueError, match=r"whole minutes; row 1 is at 2024-01-01T00:00:30"):
        to_minute_grid(times, np.ones((2, 1)), ["A"])
    with pytest.raises(ValueError, match="empty"):
        to_minute_grid(np.array([], dtype="datetime64[m]"), np.ones((0, 1)), ["A"])


# --- PriceData --------------------------------------------------------------------------


def test_price_data_index():
    data = make_data(minutes=3)
    assert data.index("2024-01-01T00:02") == 2
    assert data.index(np.datetime64("2024-01-01T00:01")) == 1
    assert data.index(datetime.date(2024, 1, 1)) == 0
    aware = datetime.datetime(
        2024, 1, 1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    assert data.index(aware) == 1
    assert data.index(2) == 2
    with pytest.raises(ValueError, match=r"outside the data.*rows 0 to 2"):
        data.index("2024-01-01T00:03")
    with pytest.raises(ValueError, match="outside the data"):
        data.index(-1)
    with pytest.raises(ValueError, match="whole minute"):
        data.index("2024-01-01T00:00:30")
    with pytest.raises(ValueError, match="date or time"):
        data.index("yesterday")


def test_price_data_between_and_select():
    data = make_data(minutes=5)
    middle = data.between("2024-01-01T00:01", 4)
    assert middle.start == START + MINUTE
    np.testing.assert_array_equal(middle.prices, data.prices[1:4])
    np.testing.assert_array_equal(data.between(3, len(data)).prices, data.prices[3:])
    # An exclusive end may be the minute after the last one, but no later.
    np.testing.assert_array_equal(data.between(3, data.end + MINUTE).prices, data.prices[3:])
    with pytest.raises(ValueError, match="outside the data"):
        data.between(3, data.end + 2 * MINUTE)
    with pytest.raises(ValueError, match="must come after"):
        data.between(3, 3)
    picked = data.select(["SOL", "ETH"])
    assert picked.assets == ("SOL", "ETH")
    np.testing.assert_array_equal(picked.prices, data.prices[:, [2, 0]])
    with pytest.raises(ValueError, match=r"Unknown asset\(s\) \['DOGE'\]"):
        data.select(["ETH", "DOGE"])


def test_price_data_validates():
    with pytest.raises(ValueError, match=r"strictly positive; found -1\.0 for B at row 1"):
        PriceData(np.array([[1.0, 1.0], [1.0, -1.0]]), ("A", "B"), START)
    with pytest.raises(ValueError, match="one name per column"):
        PriceData(np.ones((2, 2)), ("A",), START)
    with pytest.raises(ValueError, match="unique"):
        PriceData(np.ones((2, 2)), ("A", "A"), START)
    with pytest.raises(ValueError, match="whole minute"):
        PriceData(np.ones((2, 1)), ("A",), np.datetime64("2024-01-01T00:00:30"))


# --- read_wide --------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_wide_round_trip(tmp_path, suffix):
    data = make_data()
    path = tmp_path / f"prices{suffix}"
    data.to_file(path)
    assert_same(read_wide(path), data)
    assert_same(read_wide(str(path), assets=["SOL", "ETH"]), data.select(["SOL", "ETH"]))


def test_wide_compressed_csv(tmp_path):
    data = make_data()
    data.to_file(tmp_path / "prices.csv")
    path = tmp_path / "prices.csv.gz"
    path.write_bytes(gzip.compress((tmp_path / "prices.csv").read_bytes()))
    assert_same(read_wide(path), data)


@pytest.mark.parametrize("scale", [1, 1_000, 1_000_000, 1_000_000_000])
def test_wide_unix_times_in_any_unit(tmp_path, scale):
    seconds = 1_704_067_200  # 2024-01-01T00:00Z
    text = f"unix,A\n{seconds * scale},1.5\n{(seconds + 60) * scale},2.5\n"
    data = read_wide(write_csv(tmp_path / "prices.csv", text))
    assert data.start == START
    assert data.prices[:, 0].tolist() == [1.5, 2.5]


def test_wide_time_column_detection_and_offsets(tmp_path):
    text = "A,Date,B\n1.0,2024-01-01T01:00+01:00,2.0\n3.0,2024-01-01T01:01+01:00,4.0\n"
    data = read_wide(write_csv(tmp_path / "prices.csv", text))
    assert data.assets == ("A", "B")
    assert data.start == START  # converted to UTC
    explicit = read_wide(tmp_path / "prices.csv", time_column="Date", assets=["B"])
    assert explicit.prices[:, 0].tolist() == [2.0, 4.0]


def test_wide_gaps_and_fills(tmp_path):
    text = (
        "timestamp,A,B\n2024-01-01 00:00,1.0,2.0\n2024-01-01 00:01,,3.0\n2024-01-01 00:02,4.0,8.0\n"
    )
    path = write_csv(tmp_path / "prices.csv", text)
    with pytest.raises(ValueError, match=r"gaps: 1 missing value.*00:01 \(A\).*fill="):
        read_wide(path)
    assert read_wide(path, fill="ffill").prices[:, 0].tolist() == [1.0, 1.0, 4.0]
    assert read_wide(path, fill="log-linear").prices[1, 0] == pytest.approx(2.0, rel=1e-15)


def test_wide_missing_minute_is_a_gap(tmp_path):
    text = "timestamp,A\n2024-01-01 00:00,1.0\n2024-01-01 00:03,8.0\n"
    path = write_csv(tmp_path / "prices.csv", text)
    with pytest.raises(ValueError, match="2 missing value"):
        read_wide(path)
    np.testing.assert_allclose(read_wide(path, fill="log-linear").prices[:, 0], [1, 2, 4, 8])


def test_wide_duplicates(tmp_path):
    text = "timestamp,A\n2024-01-01 00:00,1.0\n2024-01-01 00:01,2.0\n2024-01-01 00:01,3.0\n"
    path = write_csv(tmp_path / "prices.csv", text)
    with pytest.raises(ValueError, match=r"duplicate timestamp.*2024-01-01T00:01.*'first'"):
        read_wide(path)
    assert read_wide(path, duplicates="first").prices[:, 0].tolist() == [1.0, 2.0]
    assert read_wide(path, duplicates="last").prices[:, 0].tolist() == [1.0, 3.0]


@pytest.mark.parametrize(
    "cell, match",
    [
        ("0", r"strictly positive; A is 0\.0 at 2024-01-01T00:01.*Remove or correct"),
        ("-2.5", r"strictly positive; A is -2\.5"),
        ("inf", r"strictly positive; A is inf"),
        ("1,5", r"Column 'A' has a price that is not a number, '1,5' at row 1.*empty"),
        ("n/a?", r"Column 'A' has a price that is not a number, 'n/a\?'"),
    ],
)
def test_wide_bad_prices(tmp_path, cell, match):
    cell = f'"{cell}"' if "," in cell else cell
    text = f"timestamp,A\n2024-01-01 00:00,1.0\n2024-01-01 00:01,{cell}\n"
    with pytest.raises(ValueError, match=match):
        read_wide(write_csv(tmp_path / "prices.csv", text), fill="ffill")


def test_wide_first_row_missing_cannot_be_filled(tmp_path):
    text = "timestamp,A,B\n2024-01-01 00:00,1.0,\n2024-01-01 00:01,1.0,2.0\n"
    path = write_csv(tmp_path / "prices.csv", text)
    with pytest.raises(ValueError, match=r"B has no price before 2024-01-01T00:01.*Start the data"):
        read_wide(path, fill="ffill")
    assert_same(read_wide(path, assets=["A"]), PriceData(np.ones((2, 1)), ("A",), START))


def test_wide_bad_times(tmp_path):
    off_minute = "timestamp,A\n2024-01-01 00:00:00,1.0\n2024-01-01 00:00:30,1.0\n"
    with pytest.raises(ValueError, match=r"whole minutes; row 1 is at 2024-01-01T00:00:30"):
        read_wide(write_csv(tmp_path / "off.csv", off_minute))
    garbage = "timestamp,A\n2024-01-01 00:00,1.0\nsoon,1.0\n"
    with pytest.raises(
        ValueError, match=r"Column 'timestamp' has a value that is not a time, 'soon'"
    ):
        read_wide(write_csv(tmp_path / "garbage.csv", garbage))
    missing = "timestamp,A\n2024-01-01 00:00,1.0\n,1.0\n"
    with pytest.raises(ValueError, match=r"Column 'timestamp' has a missing time at row 1"):
        read_wide(write_csv(tmp_path / "missing.csv", missing))


def test_wide_non_iso_dates_use_one_format_for_the_whole_column(tmp_path):
    # Day first: "02/01/2024" is 2 January, as the later "13/01/2024" shows.
    day_first = "date,A\n01/01/2024,1.0\n02/01/2024,2.0\n13/01/2024,3.0\n"
    data = read_wide(write_csv(tmp_path / "day.csv", day_first), fill="ffill")
    assert data.start == np.datetime64("2024-01-01T00:00")
    assert data.end == np.datetime64("2024-01-13T00:00")
    assert data.prices[data.index("2024-01-02"), 0] == 2.0
    # Both readings fit every value: month first, as documented.
    ambiguous = "date,A\n01/02/2024,1.0\n01/03/2024,2.0\n"
    data = read_wide(write_csv(tmp_path / "ambiguous.csv", ambiguous), fill="ffill")
    assert data.start == np.datetime64("2024-01-02T00:00")
    # No single format fits: an error, never a row-by-row mixture.
    mixed = "date,A\n01/01/2024,1.0\n13/01/2024,2.0\n01/14/2024,3.0\n"
    with pytest.raises(ValueError, match=r"not a time.*guessed from '01/01/2024'.*ISO 8601"):
        read_wide(write_csv(tmp_path / "mixed.csv", mixed), fill="ffill")


def test_wide_index_columns(tmp_path):
    frame = pd.DataFrame(
        {"timestamp": pd.date_range("2024-01-01", periods=3, freq="min"), "A": [1.0, 2.0, 3.0]}
    )
    expected = PriceData(np.array([[1.0], [2.0], [3.0]]), ("A",), START)
    frame.to_csv(tmp_path / "numbered.csv")  # an unnamed first column of row numbers
    assert_same(read_wide(tmp_path / "numbered.csv"), expected)
    frame.set_index("timestamp").rename_axis(None).to_csv(tmp_path / "indexed.csv")
    assert_same(read_wide(tmp_path / "indexed.csv"), expected)  # unnamed times are kept
    frame.set_index("timestamp").to_parquet(tmp_path / "indexed.parquet")
    assert_same(read_wide(tmp_path / "indexed.parquet"), expected)


def test_unreadable_files(tmp_path):
    (tmp_path / "latin.csv").write_bytes("timestamp,caf\xe9\n2024-01-01,1\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin.csv is not UTF-8 text"):
        read_wide(tmp_path / "latin.csv")
    packed = gzip.compress(b"timestamp,A\n" + b"2024-01-01 00:00,1\n" * 200)
    (tmp_path / "cut.csv.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match=r"cut.csv.gz cannot be read.*truncated"):
        read_wide(tmp_path / "cut.csv.gz")
    (tmp_path / "cut.zip").write_bytes(b"PK\x03\x04 not a whole zip")
    with pytest.raises(ValueError, match=r"cut.zip cannot be read"):
        read_binance({"BTC": tmp_path / "cut.zip"})
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(ValueError, match=r"bad.parquet cannot be read as parquet"):
        read_wide(tmp_path / "bad.parquet")


def test_wide_file_errors(tmp_path):
    with pytest.raises(ValueError, match=r"Unknown asset\(s\) \['DOGE'\].*\['A', 'B'\]"):
        read_wide(write_csv(tmp_path / "p.csv", "timestamp,A,B\n2024-01-01,1,2\n"), assets=["DOGE"])
    with pytest.raises(ValueError, match=r"no column 'when'; its columns are \['timestamp', 'A'"):
        read_wide(tmp_path / "p.csv", time_column="when")
    with pytest.raises(ValueError, match=r"supported suffixes are \.csv.*\.parquet"):
        read_wide(write_csv(tmp_path / "p.xlsx", "x"))
    with pytest.raises(FileNotFoundError, match="nowhere.csv"):
        read_wide(tmp_path / "nowhere.csv")
    with pytest.raises(ValueError, match="empty"):
        read_wide(write_csv(tmp_path / "blank.csv", ""))
    with pytest.raises(ValueError, match="empty"):
        read_wide(write_csv(tmp_path / "header.csv", "timestamp,A\n"))
    with pytest.raises(ValueError, match="no price columns"):
        read_wide(write_csv(tmp_path / "times.csv", "timestamp\n2024-01-01\n"))


# --- read_long --------------------------------------------------------------------------


def long_frame(data: PriceData) -> pd.DataFrame:
    wide = pd.DataFrame(data.prices, columns=list(data.assets))
    wide.insert(0, "timestamp", data.timestamps.astype("datetime64[s]"))
    long = wide.melt(id_vars="timestamp", var_name="asset", value_name="close")
    return long.sample(frac=1.0, random_state=0)  # row order must not matter


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_long_round_trip(tmp_path, suffix):
    data = make_data()
    frame = long_frame(data)
    frame["volume"] = 1.0  # extra columns are ignored
    path = tmp_path / f"prices{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False, float_format="%.17g")
    else:
        frame.to_parquet(path, index=False)
    loaded = read_long(path, assets=list(data.assets))
    assert_same(loaded, data)
    assert set(read_long(path).assets) == set(data.assets)
    assert_same(read_long(path, assets=["BTC"]), data.select(["BTC"]))


def test_long_custom_columns_and_asset_order(tmp_path):
    text = "t,sym,px\n2024-01-01 00:00,B,2\n2024-01-01 00:00,A,1\n2024-01-01 00:01,A,3\n"
    text += "2024-01-01 00:01,B,4\n"
    path = write_csv(tmp_path / "long.csv", text)
    data = read_long(path, time_column="t", asset_column="sym", price_column="px")
    assert data.assets == ("B", "A")  # order of first appearance
    np.testing.assert_array_equal(data.prices, [[2, 1], [4, 3]])


def test_long_missing_columns(tmp_path):
    path = write_csv(tmp_path / "long.csv", "time,symbol,close\n2024-01-01,A,1\n")
    with pytest.raises(
        ValueError,
        match=r"time_column='timestamp', asset_column='asset'; its columns are "
        r"\['time', 'symbol', 'close'\]",
    ):
        read_long(path)


def test_long_duplicates_and_gaps(tmp_path):
    text = "timestamp,asset,close\n2024-01-01 00:00,A,1\n2024-01-01 00:00,B,5\n"
    text += "2024-01-01 00:01,A,2\n2024-01-01 00:01,A,3\n2024-01-01 00:02,A,4\n"
    text += "2024-01-01 00:02,B,6\n"
    path = write_csv(tmp_path / "long.csv", text)
    with pytest.raises(ValueError, match=r"1 duplicate row.*for A at 2024-01-01T00:01.*'last'"):
        read_long(path, fill="ffill")
    with pytest.raises(ValueError, match=r"gaps.*00:01 \(B\)"):
        read_long(path, duplicates="first")
    first = read_long(path, duplicates="first", fill="ffill")
    np.testing.assert_array_equal(first.prices, [[1, 5], [2, 5], [4, 6]])
    last = read_long(path, duplicates="last", fill="ffill")
    np.testing.assert_array_equal(last.prices[:, 0], [1, 3, 4])


def test_long_errors(tmp_path):
    path = write_csv(tmp_path / "long.csv", "timestamp,asset,close\n2024-01-01,A,x\n")
    with pytest.raises(ValueError, match=r"Column 'close' has a price that is not a number, 'x'"):
        read_long(path)
    with pytest.raises(ValueError, match=r"Unknown asset\(s\) \['B'\].*\['A'\]"):
        read_long(path, assets=["B"])
    with pytest.raises(ValueError, match="supported suffixes"):
        read_long(tmp_path / "long.json")


# --- read_binance -----------------------------------------------------------------------


@pytest.mark.parametrize("header", [False, True])
@pytest.mark.parametrize("unit", ["ms", "us"])
def test_binance_round_trip(tmp_path, header, unit):
    data = make_data(assets=("BTC", "ETH"))
    files = {
        asset: write_klines(tmp_path / f"{asset}.csv", data, i, header=header, unit=unit)
        for i, asset in enumerate(data.assets)
    }
    assert_same(read_binance(files), data)


def test_binance_zip_and_monthly_files(tmp_path):
    data = make_data(minutes=8, assets=("BTC", "ETH"), start=np.datetime64("2024-12-31T23:56"))
    december = write_klines(tmp_path / "BTCUSDT-1m-2024-12.csv", data, 0, rows=range(4))
    # Spot files switched to microseconds in 2025: months in both units concatenate.
    january = write_klines(
        tmp_path / "BTCUSDT-1m-2025-01.csv", data, 0, rows=range(4, 8), unit="us"
    )
    plain = write_klines(tmp_path / "ETHUSDT-1m.csv", data, 1)
    zipped = tmp_path / "ETHUSDT-1m.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(plain, arcname=plain.name)
    assert_same(read_binance({"BTC": [january, str(december)], "ETH": zipped}), data)


def test_binance_aligns_on_the_overlap(tmp_path):
    data = make_data(minutes=10, assets=("BTC", "ETH"))
    files = {
        "BTC": write_klines(tmp_path / "btc.csv", data, 0, rows=range(0, 7)),
        "ETH": write_klines(tmp_path / "eth.csv", data, 1, rows=range(3, 10)),
    }
    aligned = read_binance(files)
    assert aligned.start == START + 3 * MINUTE
    assert aligned.end == START + 6 * MINUTE
    np.testing.assert_array_equal(aligned.prices, data.prices[3:7])
    apart = {
        "BTC": write_klines(tmp_path / "early.csv", data, 0, rows=range(0, 3)),
        "ETH": write_klines(tmp_path / "late.csv", data, 1, rows=range(5, 10)),
    }
    with pytest.raises(ValueError, match=r"do not overlap.*BTC 2024-01-01T00:00"):
        read_binance(apart)


def test_binance_gaps_and_duplicates(tmp_path):
    data = make_data(minutes=4, assets=("BTC",))
    path = write_klines(tmp_path / "btc.csv", data, 0, rows=[0, 1, 3])
    with pytest.raises(ValueError, match=r"gaps.*2024-01-01T00:02 \(BTC\)"):
        read_binance({"BTC": path})
    ffilled = read_binance({"BTC": path}, fill="ffill")
    assert ffilled.prices[2, 0] == data.prices[1, 0]
    with pytest.raises(ValueError, match=r"duplicate row.*BTC at 2024-01-01T00:00"):
        read_binance({"BTC": [path, path]})
    assert_same(read_binance({"BTC": [path, path]}, duplicates="last", fill="ffill"), ffilled)


def test_binance_file_errors(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        read_binance({"BTC": write_csv(tmp_path / "empty.csv", "")})
    trades = write_csv(tmp_path / "trades.csv", "1,42000.5,0.1,4200.05,1704067200000,true,true\n")
    with pytest.raises(ValueError, match=r"7 columns, but a Binance kline file has 12"):
        read_binance({"BTC": trades})
    with pytest.raises(ValueError, match=r"supported suffixes are \.csv.*\.zip"):
        read_binance({"BTC": tmp_path / "klines.parquet"})
    with pytest.raises(FileNotFoundError, match="missing.zip"):
        read_binance({"BTC": tmp_path / "missing.zip"})
    with pytest.raises(ValueError, match="names no files"):
        read_binance({"BTC": []})


# --- load_stocks ------------------------------------------------------------------------


def test_load_stocks_default():
    data = load_stocks()
    assert data.assets == DEFAULT_STOCKS
    assert data.start == np.datetime64("2004-08-19T00:00")
    assert data.end == np.datetime64("2013-03-01T00:00")


def test_load_stocks_closes():
    stocks = pytest.importorskip("bokeh_sampledata.stocks")
    dates = np.asarray(stocks.AAPL["date"], dtype="datetime64[D]")
    closes = np.asarray(stocks.AAPL["adj_close"], dtype=np.float64)
    inside = (dates >= np.datetime64("2012-01-03")) & (dates < np.datetime64("2012-03-01"))
    rows = (dates[inside] - np.datetime64("2012-01-01")).astype("timedelta64[m]").astype(int)
    smooth = load_stocks(["AAPL"], start="2012-01-01", end="2012-03-01")
    step = load_stocks(["AAPL"], start="2012-01-01", end="2012-03-01", fill="ffill")
    # Each trading day's close sits exactly at 00:00 of its date, whatever the fill.
    np.testing.assert_array_equal(smooth.prices[rows, 0], closes[inside])
    np.testing.assert_array_equal(step.prices[rows, 0], closes[inside])
    # ffill is a step path: the minute before each close still holds the previous close.
    np.testing.assert_array_equal(step.prices[rows - 1, 0], closes[np.flatnonzero(inside) - 1])


def test_load_stocks_unknown_ticker():
    with pytest.raises(ValueError, match=r"selection of \['AAPL'.*got \['AAPL', 'TSLA'\]"):
        load_stocks(["AAPL", "TSLA"])

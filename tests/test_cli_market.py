"""Per-minute series on the command line: --fees-file and the other series files, with
--series-fill, reach `simulate` as a `MarketSeries` and are recorded in results.json."""

import json

import numpy as np
import pytest

from quantamm_eqx.cli import build_parser, main
from quantamm_eqx.cli._config import simulation_config
from quantamm_eqx.cli._market import market_series
from quantamm_eqx.data import PriceData

# A week of the built-in stocks (a short default run, as tests/test_cli.py's SHORT).
WEEK = ["--start", "2012-01-02", "--end", "2012-01-09", "--no-progress", "--no-plots"]


def final_value(output):
    metadata = json.loads((output / "results.json").read_text())
    return metadata, metadata["summary"]["pool"]["final_value"]


def test_a_fees_file_of_changes_reaches_the_simulation_and_the_record(tmp_path, capsys):
    constant = tmp_path / "constant.csv"
    constant.write_text("timestamp,fees\n2011-12-30,0.003\n")
    changes = tmp_path / "fees.csv"  # two regimes on the stocks' minute grid
    changes.write_text("timestamp,fees\n2011-12-30,0.003\n2012-01-05 12:00,0.03\n")
    values = {}
    for run, flags in {
        "scalar": ["--fees", "0.003"],
        "constant": ["--fees-file", str(constant), "--series-fill", "ffill"],
        "changes": ["--fees-file", str(changes), "--series-fill", "ffill"],
    }.items():
        assert main(["simulate", *WEEK, *flags, "--output", str(tmp_path / run)]) == 0
        metadata, values[run] = final_value(tmp_path / run)
    assert f"fees from {changes}" in capsys.readouterr().out
    assert metadata["market"] == {"fees_file": str(changes), "series_fill": "ffill"}
    assert metadata["config"]["fees"] == 0.0
    # A file holding one fee is that fee; a fee that rises mid-bout changes the outcome.
    assert values["constant"] == values["scalar"]
    assert values["changes"] != pytest.approx(values["scalar"], rel=1e-6)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--fees", "0.003"], "--fees-file {file} gives the fees of every minute, and --fees"),
        ([], "--fees-file {file}: {file} has no row for 2012-01-02T00:01, the first of"),
        (["--series-fill", "ffill", "--start", "2011-12-01"], "starts at 2012-01-02T00:00"),
    ],
)
def test_bad_fees_files_exit_2_naming_the_flags(argv, message, tmp_path, capsys):
    path = tmp_path / "gap.csv"
    path.write_text("timestamp,fees\n2012-01-02 00:00,0.003\n2012-01-02 00:02,0.01\n")
    assert main(["simulate", *WEEK, "--fees-file", str(path), *argv]) == 2
    assert message.format(file=path) in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--gas-cost-file", "g.csv", "--gas-cost", "5"], "gas cost of every minute.*Drop --gas"),
        (["--arb-fees-file", "a.csv", "--arb-fees", "0.01"], "--arb-fees-file a.csv gives"),
        (
            ["--fees", "0.003", "--retail-volume-file", "v.csv", "--noise-trader-ratio", "1"],
            "two models of retail flow",
        ),
        (["--retail-volume-file", "v.csv"], "--fees is 0; set --fees or --fees-file"),
        (["--series-fill", "ffill"], "and none is given"),
    ],
)
def test_conflicting_series_options_are_refused(argv, message):
    args = build_parser().parse_args(["simulate", *argv])
    with pytest.raises(ValueError, match=message):
        simulation_config(args, np.float64)


def test_a_fees_file_counts_as_fees_for_the_fee_sharing_options():
    argv = ["--fees-file", "f.csv", "--protocol-fee-split", "0.5", "--arbitrage", "reference"]
    args = build_parser().parse_args(["simulate", *argv, "--noise-trader-ratio", "1"])
    args.chunk_period = 1440  # as `resolve` and the data leave it
    assert simulation_config(args, np.float64).fees == 0.0


def test_series_have_one_row_per_price_row(tmp_path):
    """Read for the bout's minutes; the history before and any rows after repeat the edges."""
    prices = PriceData(np.ones((10, 2)), ("A", "B"), np.datetime64("2024-01-01"))
    path = tmp_path / "volume.csv"
    path.write_text("time,v\n" + "".join(f"2024-01-01 00:0{i},{i}\n" for i in range(3, 7)))
    args = build_parser().parse_args(["simulate", "--retail-volume-file", str(path)])
    market = market_series(args, prices, 3, 7)
    assert market.fees is None
    assert np.asarray(market.retail_volume).tolist() == [3, 3, 3, 3, 4, 5, 6, 6, 6, 6]
    fees = tmp_path / "fees.csv"
    fees.write_text("time,fees\n2024-01-01,0.5\n2024-01-01 00:05,1.0\n")
    args = build_parser().parse_args(["simulate", "--fees-file", str(fees)])
    args.series_fill = "ffill"
    with pytest.raises(ValueError, match=r"--fees-file .*: the fees must lie in \[0, 1\)"):
        market_series(args, prices, 3)

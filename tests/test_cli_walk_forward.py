"""`quantamm-eqx walk-forward` end to end, and its windows from the options."""

import argparse
import json

import pytest

from quantamm_eqx.cli import build_parser, main
from quantamm_eqx.cli._walk_forward import plan_windows

PNG = b"\x89PNG\r\n\x1a\n"
#: Twelve days of two stocks: hourly rule updates, 3-day spans after a day of burn-in.
TINY = ["walk-forward", "--assets", "AAPL,MSFT", "--start", "2012-01-02", "--end", "2012-01-14"]
TINY += ["--burn-in-days", "1", "--memory-days", "1", "--steps", "2", "--no-progress"]


def test_walk_forward_end_to_end(tmp_path, capsys):
    argv = [*TINY, "--train-days", "3", "--test-days", "3", "--window-mode", "expanding"]
    argv += ["--population", "2", "--init", "lhs", "--price-noise", "1e-4"]
    argv += ["--turnover-penalty", "0.01"]
    assert main([*argv, "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Walk-forward evaluation of a momentum pool on AAPL, MSFT" in out
    assert "2 expanding window(s)" in out
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in rows] == ["1", "2"]
    # window, training span (from "to" until), test span, in sample, out of sample
    assert rows[0][1:7] == ["2012-01-03", "to", "2012-01-06", "2012-01-06", "to", "2012-01-09"]
    assert rows[1][1:4] == ["2012-01-03", "to", "2012-01-09"]  # expanding: the same start
    for text in ("Walk-forward efficiency", "Gap", "Deflated Sharpe ratio", "block-bootstrap"):
        assert text in out
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "walk_forward.json",
        "walk_forward.png",
    ]
    png = (tmp_path / "walk_forward.png").read_bytes()
    assert png[:8] == PNG and len(png) > 10_000
    document = json.loads((tmp_path / "walk_forward.json").read_text())
    assert document["command"] == "walk-forward"
    assert document["settings"]["mode"] == "expanding"
    assert document["settings"]["train_days"] == 3.0 and document["settings"]["batch_size"] == 1
    settings = document["settings"]
    assert (settings["population"], settings["init"]) == (2, "lhs")
    assert (settings["price_noise"], settings["turnover_penalty"]) == (1e-4, 0.01)
    windows = document["windows"]
    assert [w["window"] for w in windows] == [1, 2]
    assert [w["train"]["start_index"] for w in windows] == [1440, 1440]
    for window in windows:
        assert window["train"]["stop_index"] == window["test"]["start_index"]
        assert window["test"]["stop_index"] - window["test"]["start_index"] == 3 * 1440
        assert window["pool"]["pool"] == "momentum"
    summary = document["summary"]
    assert summary["deflated_sharpe"]["n_trials"] == 2
    in_mean = (windows[0]["in_sample"] + windows[1]["in_sample"]) / 2
    out_mean = (windows[0]["out_of_sample"] + windows[1]["out_of_sample"]) / 2
    assert summary["gap"] == pytest.approx(in_mean - out_mean)
    assert len(document["curve"]["values"]) == len(document["curve"]["times"]) == 7  # 6 days


def test_a_window_longer_than_the_data_exits_2(tmp_path, capsys):
    output = tmp_path / "run"
    argv = [*TINY, "--train-days", "10", "--test-days", "5", "--output", str(output)]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "quantamm-eqx: error: --train-days 10 and --test-days 5 after 1 day(s)" in error
    assert "need 16.0 days of data, and the data has 12.0 days" in error
    assert not output.exists() or not any(output.iterdir())


def test_the_options_and_their_defaults():
    args = build_parser().parse_args(["walk-forward"])
    assert (args.train_days, args.test_days, args.step_days) == (730.0, 365.0, None)
    assert (args.window_mode, args.steps, args.objective) == ("rolling", 100, "daily_log_sharpe")
    assert args.mode == "simulator"  # --mode stays the pool's arithmetic
    with pytest.raises(SystemExit):
        build_parser().parse_args(["walk-forward", "--window-mode", "sliding"])


def namespace(**options):
    defaults = dict(
        train_days=3.0,
        test_days=2.0,
        step_days=None,
        burn_in_days=None,
        bout_days=None,
        batch_size=None,
    )
    return argparse.Namespace(**(defaults | options))


def test_the_plan_of_windows(capsys):
    # Long data: 90 days of burn-in, 120-day bouts of 4 (shorter than the training span).
    long = plan_windows(namespace(train_days=730.0, test_days=365.0), 3000 * 1440, 1440)
    assert (long.burn_in, long.bout, long.batch_size) == (90 * 1440, 120 * 1440, 4)
    assert long.n_windows == (3000 - 90 - 730 - 365) // 365 + 1
    # Short data: less burn-in, said; a bout of the whole span, alone in its batch.
    short = plan_windows(namespace(step_days=1.0), 10 * 1440, 60)
    assert "room for 5 days of burn-in" in capsys.readouterr().out
    assert (short.burn_in, short.bout, short.batch_size, short.n_windows) == (7200, 4320, 1, 1)
    with pytest.raises(ValueError, match="--bout-days 4 must fit in the training span"):
        plan_windows(namespace(bout_days=4.0, burn_in_days=1.0), 10 * 1440, 60)

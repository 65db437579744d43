"""The `quantamm-eqx` console script: `simulate`, `train` and `plot` end to end."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from quantamm_eqx.cli import main
from quantamm_eqx.data import load_stocks
from quantamm_eqx.reports import load_run

PNG = b"\x89PNG\r\n\x1a\n"
SHORT = ["--start", "2012-01-02", "--end", "2012-02-01", "--no-progress"]


def run_cli(*argv):
    return subprocess.run(
        [sys.executable, "-m", "quantamm_eqx.cli", *argv],
        capture_output=True,
        text=True,
        timeout=600,
    )


def summary_rows(stdout):
    """The summary table's rows: label -> its cells (the label ends at two spaces)."""
    rows = {}
    for line in stdout.splitlines():
        match = re.match(r"^(\S.*?)\s{2,}(\S.*)$", line)
        if match and match[2].split()[-1].endswith(("%", "n/a")):
            rows[match[1]] = match[2].split()
    return rows


def assert_outputs(directory, plots=True, training=False):
    record = load_run(directory / "results.npz")
    assert record.assets == ("AAPL", "IBM", "MSFT", "GOOG")
    assert np.allclose(record.weights.sum(axis=1), 1.0)
    assert np.all(np.isfinite(record.values)) and record.values[0] == pytest.approx(1e6)
    with np.load(directory / "results.npz") as archive:  # plain NumPy reads it too
        assert archive["values"].shape == record.values.shape
    metadata = json.loads((directory / "results.json").read_text())
    assert metadata["summary"]["pool"]["final_value"] == pytest.approx(
        float(record.values[-1]), rel=1e-12
    )
    parts = record.attribution.sum(axis=1)  # HODL, strategy, arbitrage and fees add up
    np.testing.assert_allclose(parts, record.values / 1e6 - 1, rtol=0, atol=1e-12)
    pool_row = metadata["summary"]["pool"]
    assert {"strategy_return", "arbitrage_return", "fee_return"} <= set(pool_row)
    assert (directory / "training.png").exists() == (plots and training)
    for name in ("weights.png", "values.png", "attribution.png"):
        path = directory / name
        assert path.exists() == plots
        if plots:
            assert path.stat().st_size > 10_000 and path.read_bytes()[:8] == PNG
    return record, metadata


def test_simulate_end_to_end_on_the_default_data(tmp_path):
    result = run_cli("simulate", *SHORT, "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Simulating a momentum pool on AAPL, IBM, MSFT, GOOG")
    rows = summary_rows(result.stdout)
    assert set(rows) == {"pool", "HODL", "equal-weight rebalanced"}
    record, metadata = assert_outputs(tmp_path)
    # The bout: 2012-01-02 to 2012-01-31T23:59 (just before --end), hourly rows plus the
    # last minute; `simulate` reads one row past it.
    assert str(record.timestamps[0]) == "2012-01-02T00:00"
    assert str(record.timestamps[-1]) == "2012-01-31T23:59"
    assert metadata["bout"]["end"] == "2012-02-01T00:00"
    assert metadata["bout"]["bout_length"] == 30 * 1440 + 1
    # The printed summary is the saved one.
    final_value = float(rows["pool"][0].replace(",", ""))
    assert final_value == pytest.approx(metadata["summary"]["pool"]["final_value"], abs=0.5)


def test_train_then_simulate_its_checkpoint_then_plot(tmp_path, capsys):
    """In one process (the console script itself is run by the test above)."""
    trained = tmp_path / "trained"
    argv = ["train", "--end", "2011-01-01", "--steps", "3", "--bout-days", "30"]
    argv += ["--burn-in-days", "30", "--batch-size", "2", "--no-progress"]
    # Short validation and test spans: four months each to simulate, not two years.
    argv += ["--val-fraction", "0.05", "--test-fraction", "0.05", "--output", str(trained)]
    argv += ["--patience", "10"]  # --population and --price-noise: walk-forward's test
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "On the test span, unseen in training and in picking the step" in out
    rows = summary_rows(out)
    assert set(rows) == {"untrained pool", "trained pool", "HODL", "equal-weight rebalanced"}
    record, metadata = assert_outputs(trained, training=True)
    training = metadata["training"]
    assert training["steps"] == 3 and len(training["train_objective"]) == 3
    assert (training["population"], training["patience"]) == (1, 10)
    assert training["price_noise"] == 0.0 and training["turnover_penalty"] == 0.0
    assert training["steps_run"] == 3 and training["best_member"] in (0, 1)
    # The spans follow each other: training, then validation (picks the step), then test.
    assert training["train_span"]["start_index"] == 0
    assert training["validation_span"]["start_index"] == training["train_span"]["bout_length"]
    validation_end = training["validation_span"]["start_index"]
    validation_end += training["validation_span"]["bout_length"]
    assert metadata["bout"]["start_index"] == validation_end
    assert set(record.comparisons) == {"untrained pool"}  # drawn on values.png
    assert json.loads((trained / "pool.json").read_text())["pool"] == "momentum"

    replay = tmp_path / "replay"
    argv = ["simulate", "--checkpoint", str(trained / "pool.eqx"), "--start"]
    argv += [metadata["bout"]["start"], "--end", metadata["bout"]["end"], "--no-plots"]
    assert main([*argv, "--output", str(replay)]) == 0  # no --chunk-period: pool.json's
    _, replayed = assert_outputs(replay, plots=False)
    # The checkpoint is the trained pool: same parameters, same test run (the saved bout's
    # start and end replay it; the same history too: both runs' data start in 2004).
    assert replayed["pool"]["parameters"] == metadata["pool"]["parameters"]
    assert replayed["summary"]["pool"]["final_value"] == pytest.approx(
        metadata["summary"]["pool"]["final_value"], rel=1e-12
    )

    # `plot` redraws a run's plots in a folder of their own, training.png included.
    plots = tmp_path / "plots"
    assert main(["plot", str(trained / "results.npz"), "--output", str(plots), "--log-scale"]) == 0
    assert sorted(p.name for p in plots.iterdir()) == [
        "attribution.png",
        "training.png",
        "values.png",
        "weights.png",
    ]
    assert all(p.read_bytes()[:8] == PNG for p in plots.iterdir())
    capsys.readouterr()
    # Into the run's own folder only with --overwrite, which replaces the plots alone.
    before = (trained / "values.png").read_bytes()
    assert main(["plot", str(trained / "results.npz"), "--output", str(trained)]) == 2
    assert "holds another run's files" in capsys.readouterr().err
    assert (trained / "values.png").read_bytes() == before
    argv = ["plot", str(trained / "results.npz"), "--output", str(trained), "--overwrite"]
    assert main([*argv, "--log-scale"]) == 0
    assert (trained / "values.png").read_bytes() != before
    assert {"pool.eqx", "results.npz", "training.png"} <= {p.name for p in trained.iterdir()}


def test_help_teaches_every_option_group():
    result = run_cli("simulate", "--help")
    assert result.returncode == 0
    for text in ("--pool", "--memory-days", "--checkpoint", "--data", "--start", "--fees"):
        assert text in result.stdout
    for text in ("--gas-cost", "--arb-fees", "--float32", "--output"):
        assert text in result.stdout


def test_help_states_each_default_once():
    for command in ("simulate", "train"):
        text = " ".join(run_cli(command, "--help").stdout.split())
        assert "(default: wide) (default: wide)" not in text and "(default: None)" not in text
        assert "(default: momentum)" in text


def test_output_must_be_a_directory(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("a file")
    assert main(["simulate", *SHORT, "--output", str(taken)]) == 2
    assert f"--output {taken} is a file; give a folder" in capsys.readouterr().err
    assert taken.read_text() == "a file"


def test_a_checkpoint_needs_its_pool_description(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["simulate", *SHORT, "--no-plots", "--output", str(run)]) == 0
    capsys.readouterr()
    # results.npz is not a checkpoint: results.json beside it describes no pool.
    argv = ["simulate", "--checkpoint", str(run / "results.npz"), "--output", str(tmp_path)]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "results.json does not describe a built-in pool" in error
    (tmp_path / "pool.eqx").write_bytes(b"")
    (tmp_path / "pool.json").write_text("{not json")
    argv[2] = str(tmp_path / "pool.eqx")
    assert main(argv) == 2
    assert f"{tmp_path / 'pool.json'} is not valid JSON" in capsys.readouterr().err


@pytest.mark.parametrize("arrays", ["other", "garbage"])
def test_plot_refuses_a_file_that_is_not_a_results_record(arrays, tmp_path, capsys):
    if arrays == "other":
        np.savez(tmp_path / "results.npz", x=np.ones(3))
    else:
        (tmp_path / "results.npz").write_bytes(b"not an archive")
    (tmp_path / "results.json").write_text(json.dumps({"assets": ["A", "B"]}))
    assert main(["plot", str(tmp_path / "results.npz")]) == 2
    assert "are not a record written by `save_run`" in capsys.readouterr().err
    assert not (tmp_path / "weights.png").exists()


def test_a_closed_pipe_still_writes_the_results(tmp_path):
    """`quantamm-eqx simulate | head -1`: the reader leaves early, the run completes."""
    command = [sys.executable, "-m", "quantamm_eqx.cli", "simulate", *SHORT]
    command += ["--no-plots", "--output", str(tmp_path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith(b"Simulating")
        process.stdout.close()
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=600) == 0, stderr
    assert "Error" not in stderr
    assert load_run(tmp_path / "results.npz").values.shape[0] > 0


def test_user_files_and_float32(tmp_path, capsys):
    prices = load_stocks(["AAPL", "MSFT"], start="2011-10-01", end="2012-01-01")
    path = tmp_path / "prices.csv"
    prices.to_file(path)
    output = tmp_path / "out"
    argv = ["simulate", "--data", str(path), "--start", "2011-12-01", "--float32"]
    assert main([*argv, "--no-plots", "--output", str(output)]) == 0
    out = capsys.readouterr().out
    assert "on AAPL, MSFT" in out and "float32" in out
    record = load_run(output / "results.npz")
    assert record.metadata["precision"] == "float32" and record.assets == ("AAPL", "MSFT")


def test_protocol_mode_from_the_command_line(tmp_path, capsys):
    argv = ["simulate", *SHORT, "--mode", "protocol", "--raw-price", "--no-plots"]
    assert main([*argv, "--output", str(tmp_path)]) == 0
    record, metadata = assert_outputs(tmp_path, plots=False)
    assert metadata["config"]["mode"] == "protocol" and metadata["config"]["use_raw_price"]


def test_the_reference_arbitrage_rule_from_the_command_line(tmp_path):
    """`--arbitrage reference` reaches the configuration and, like quantammsim, ends low."""
    values = {}
    for rule in ("exact", "reference"):
        argv = ["simulate", *SHORT, "--fees", "0.003", "--arbitrage", rule, "--no-plots"]
        assert main([*argv, "--output", str(tmp_path / rule)]) == 0
        _, metadata = assert_outputs(tmp_path / rule, plots=False)
        assert metadata["config"]["arbitrage"] == rule
        values[rule] = metadata["summary"]["pool"]["final_value"]
    assert values["reference"] < values["exact"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["simulate", "--memory-days", "1,2"], "--memory-days has 2 values"),
        (["simulate", "--start", "2004-08-19T12:00"], "--start must leave at least one"),
        (["simulate", "--start", "1999-01-01"], "outside the data"),
        (["simulate", "--assets", "AAPL,TSLA"], "`assets` must be a non-empty selection"),
        (["simulate", "--data", "missing.csv"], "missing.csv"),
        (["simulate", "--checkpoint", "missing.eqx"], "does not exist"),
        (["simulate", "--format", "binance", "--data", "x.csv"], "ASSET=FILE"),
        (["simulate", "--minimum-weight", "0.3"], "minimum_weight"),
        (["train", "--bout-days", "4000"], "--bout-days 4000 leaves too little room: a burn"),
        (["simulate", "--fill", "none"], "daily closes"),
        (["simulate", "--assets", "AAPL"], "A pool needs at least 2 assets"),
        (["simulate", "--start", "2012-02-01", "--end", "2012-01-02"], "must come at least 2"),
        (["simulate", "--format", "binance", "--data", "BTC=a.csv", "BTC=b.csv"], "BTC twice"),
        (["simulate", "--float32", "--initial-value", "1e35"], "too large for float32"),
        (["simulate", "--arbitrage", "reference"], "--fees is 0; set --fees or drop --arbitrage"),
    ],
)
def test_bad_settings_exit_2_with_the_fix(argv, message, tmp_path, capsys):
    assert main([*argv, "--output", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "results.npz").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["simulate", "--fees", "1.5"], "argument --fees: must lie in [0, 1), got 1.5"),
        (["train", "--steps", "0"], "argument --steps: must be a positive integer, got 0"),
        (["simulate", "--k-per-day", "-1"], "argument --k-per-day: every value must be positive"),
        (["simulate", "--memory-days", "a"], "argument --memory-days: must be a number or a"),
        (["train", "--objective", "profit"], "argument --objective: invalid choice: 'profit'"),
    ],
)
def test_invalid_values_are_refused_by_the_parser(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_ctrl_c_leaves_no_half_written_file(tmp_path, monkeypatch, capsys):
    """Interrupted while writing the results: nothing partial, not even a temporary file."""

    def interrupted(file, **arrays):
        file.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    assert main(["simulate", *SHORT, "--output", str(tmp_path)]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--chunk-period", "60"], "was trained with --chunk-period 1440"),
        (["--assets", "AAPL,IBM"], "was trained on assets ['AAPL', 'IBM', 'MSFT', 'GOOG']"),
    ],
)
def test_a_checkpoint_must_match_the_run(argv, message, tmp_path, capsys):
    from quantamm_eqx import MomentumPool, save_pool

    save_pool(tmp_path / "pool.eqx", MomentumPool.from_memory_days(n_assets=4))
    description = {"pool": "momentum", "assets": ["AAPL", "IBM", "MSFT", "GOOG"]}
    description |= {"chunk_period": 1440, "dtype": "float64"}
    (tmp_path / "pool.json").write_text(json.dumps(description))
    checkpoint = ["simulate", "--checkpoint", str(tmp_path / "pool.eqx")]
    assert main([*checkpoint, *argv, "--output", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err


def test_training_that_cannot_progress_exits_with_status_1(tmp_path, monkeypatch, capsys):
    """`fit` raising FloatingPointError (every step of a chunk skipped) is reported, not a
    traceback."""
    import quantamm_eqx

    def diverged(*args, **kwargs):
        raise FloatingPointError("Every step of steps 0-9 was skipped: the objective 'returns'")

    monkeypatch.setattr(quantamm_eqx, "fit", diverged)
    argv = ["train", "--end", "2011-01-01", "--steps", "3", "--bout-days", "30"]
    status = main([*argv, "--burn-in-days", "30", "--no-progress", "--output", str(tmp_path)])
    assert status == 1
    assert "training stopped: Every step of steps 0-9 was skipped" in capsys.readouterr().err

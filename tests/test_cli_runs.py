"""The command line never surprises: each run has a folder of its own, an option that does
not apply is refused, a checkpoint brings its own settings, and the defaults fit short data."""

import jax
import numpy as np
import pytest

from quantamm_eqx import MomentumPool, save_pool
from quantamm_eqx.cli import main
from quantamm_eqx.data import PriceData
from quantamm_eqx.reports import load_run

SHORT = ["--start", "2012-01-02", "--end", "2012-01-20", "--no-progress", "--no-plots"]


def test_each_run_gets_a_new_numbered_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["simulate", *SHORT]) == 0
    assert main(["simulate", *SHORT, "--record-every", "30"]) == 0  # the same program
    out = capsys.readouterr().out
    assert "to quantamm-eqx-results/simulate-1/" in out
    assert "to quantamm-eqx-results/simulate-2/" in out
    first = load_run(tmp_path / "quantamm-eqx-results/simulate-1/results.npz")
    second = load_run(tmp_path / "quantamm-eqx-results/simulate-2/results.npz")
    assert first.metadata["record_every"] == 60 and second.metadata["record_every"] == 30
    # A run that fails leaves no empty folder behind.
    assert main(["simulate", *SHORT, "--memory-days", "1,2"]) == 2
    assert sorted(p.name for p in (tmp_path / "quantamm-eqx-results").iterdir()) == [
        "simulate-1",
        "simulate-2",
    ]


def test_a_folder_with_a_run_is_refused_unless_overwrite(tmp_path, capsys):
    folder = tmp_path / "run"
    folder.mkdir()
    save_pool(folder / "pool.eqx", MomentumPool.from_memory_days(n_assets=4))  # a `train` run's
    argv = ["simulate", *SHORT, "--output", str(folder)]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert f"--output {folder} holds another run's files (pool.eqx, pool.json)" in error
    assert "--overwrite" in error
    assert main([*argv, "--overwrite"]) == 0
    # The folder holds one run: the new one; the earlier run's pool is gone with it.
    assert sorted(p.name for p in folder.iterdir()) == ["results.json", "results.npz"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--width", "0.5"], "--width set the mean-reversion channel's parameters, and this"),
        (["--pool", "anti_momentum", "--exponents", "2"], "pool is anti_momentum: add --pool"),
        (["--format", "long"], "--format long describes --data files, and this run uses the"),
        (["--duplicates", "last"], "--duplicates last describes --data files"),
        (["--log-scale", "--no-plots"], "--log-scale draws values.png, and --no-plots"),
        (["--no-arb", "--arb-fees", "0.01"], "--no-arb turns arbitrage off, so --arb-fees has"),
    ],
)
def test_an_option_that_does_not_apply_is_refused(argv, message, tmp_path, capsys):
    assert main(["simulate", *argv, "--output", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.fixture
def checkpoint(tmp_path):
    """A two-asset pool saved from Python, with the run's assets and chunk period."""
    path = tmp_path / "saved" / "pool.eqx"
    path.parent.mkdir()
    pool = MomentumPool.from_memory_days(n_assets=2, memory_days=5.0, chunk_period=60)
    save_pool(path, pool, metadata={"assets": ["AAPL", "MSFT"], "chunk_period": 60})
    return path


@pytest.mark.parametrize(
    "option", [["--memory-days", "10"], ["--pool", "momentum"], ["--initial-weights", "0.5,0.5"]]
)
def test_a_checkpoint_refuses_the_rules_options(option, checkpoint, tmp_path, capsys):
    argv = ["simulate", "--checkpoint", str(checkpoint), *option]
    assert main([*argv, "--output", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert f"holds the pool's rule and parameters, so {option[0]} would be ignored" in error


def test_a_pool_saved_from_python_runs_with_its_own_settings(checkpoint, tmp_path, capsys):
    """No --chunk-period, --assets or --pool: the sidecar save_pool wrote has them."""
    argv = ["simulate", "--checkpoint", str(checkpoint), *SHORT, "--output", str(tmp_path / "a")]
    assert main(argv) == 0
    assert "Simulating a momentum pool on AAPL, MSFT" in capsys.readouterr().out
    record = load_run(tmp_path / "a" / "results.npz")
    assert record.assets == ("AAPL", "MSFT") and record.metadata["config"]["chunk_period"] == 60
    # Without the run's metadata the sidecar lacks the chunk period: asked for, then used.
    bare = tmp_path / "bare.eqx"
    pool = MomentumPool.from_memory_days(n_assets=2, memory_days=5.0)
    save_pool(bare, jax.tree.map(lambda x: x.astype(np.float32), pool))  # float32: the run's
    argv = ["simulate", "--checkpoint", str(bare), "--assets", "AAPL,MSFT", *SHORT]
    assert main([*argv, "--output", str(tmp_path / "b")]) == 2
    assert "does not record the chunk period" in capsys.readouterr().err
    assert main([*argv, "--chunk-period", "1440", "--output", str(tmp_path / "b")]) == 0
    assert load_run(tmp_path / "b" / "results.npz").metadata["precision"] == "float32"


@pytest.fixture
def four_weeks(tmp_path):
    """Four weeks of minute prices of two assets, as a wide CSV file."""
    rng = np.random.default_rng(0)
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, (28 * 1440, 2)), axis=0))
    path = tmp_path / "minutes.csv"
    PriceData(prices, ("BTC", "ETH"), np.datetime64("2024-03-01")).to_file(path)
    return path


def test_short_data_gets_settings_that_fit(four_weeks, tmp_path, capsys):
    argv = ["simulate", "--data", str(four_weeks), "--no-plots", "--no-progress"]
    assert main([*argv, "--output", str(tmp_path / "sim")]) == 0
    captured = capsys.readouterr()
    assert "The data spans 28.0 days: the rule updates hourly (--chunk-period 60" in captured.out
    # The pool remembers 30 days; the bout starts after half the data, and says so.
    assert "The bout starts after 14.0 days of history, less than the pool's memory" in (
        captured.err
    )
    record = load_run(tmp_path / "sim" / "results.npz")
    assert record.metadata["config"]["chunk_period"] == 60
    assert record.metadata["bout"]["start_index"] == (28 * 1440 - 1) // 2

    argv = ["train", "--data", str(four_weeks), "--steps", "2", "--batch-size", "1"]
    argv += ["--memory-days", "2", "--no-plots", "--no-progress"]
    assert main([*argv, "--output", str(tmp_path / "train")]) == 0
    out = capsys.readouterr().out
    assert "The training span is 16.8 days, too short for the default --burn-in-days 90" in out
    training = load_run(tmp_path / "train" / "results.npz").metadata["training"]
    assert training["burn_in_days"] + training["bout_days"] <= 16.8
    # Settings given that cannot fit are refused with ones that do.
    assert main([*argv, "--bout-days", "20", "--output", str(tmp_path / "t2")]) == 2
    error = capsys.readouterr().err
    assert "the training span (the data before the validation and test spans) has 16.8" in error
    assert "e.g. --burn-in-days" in error

"""The `quantamm-eqx` console script."""

import subprocess
import sys

import numpy as np
import pytest

from quantamm_eqx._cli import main, sample_prices


def test_console_script_trains_a_pool_by_default():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "quantamm_eqx._cli",
            "--steps",
            "4",
            "--days",
            "20",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Training a momentum pool of 3 sample assets: 20 days")
    table = {
        line.split()[0]: line.split()[1:]
        for line in lines
        if line.startswith(("initial", "trained"))
    }
    assert set(table) == {"initial", "trained"} and all(len(row) == 5 for row in table.values())
    assert "step(s) skipped for non-finite gradients" in result.stdout


def test_train_saves_a_checkpoint(tmp_path, capsys):
    path = tmp_path / "best.eqx"
    argv = ["train", "--steps", "2", "--days", "20", "--no-progress", "--checkpoint", str(path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    if "Best step -1" not in out:  # the starting pool stayed best: nothing to save
        assert path.stat().st_size > 0 and f"Best pool saved to {path}" in out


def test_demo_prints_gradients():
    result = subprocess.run(
        [sys.executable, "-m", "quantamm_eqx._cli", "demo", "--days", "4", "--chunk-period", "720"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("EWMA price gradients of 3 sample assets over 4 days")
    rows = [line.split() for line in lines[4:]]
    assert len(rows) == 4 * 2  # two coarse steps a day over four days
    assert all(len(row) == 1 + 2 * 3 for row in rows)


def test_demo_gradients_match_the_library(capsys):
    assert main(["demo", "--days", "3", "--assets", "2", "--memory-days", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    printed = np.array([[float(x) for x in line.split()] for line in out[4:]])
    from quantamm_eqx.estimators import ewma_gradients
    from quantamm_eqx.transforms import memory_days_to_lamb

    coarse = sample_prices(3, 2, seed=0)[::1440]
    expected = ewma_gradients(coarse, memory_days_to_lamb(2.0, 1440))
    np.testing.assert_allclose(printed[:, 2::2], expected, atol=1e-6)
    np.testing.assert_allclose(printed[:, 1::2], coarse[1:], atol=1e-4)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--days", "0"], "must be a positive integer"),
        (["train", "--chunk-period", "-5"], "must be a positive integer"),
        (["demo", "--memory-days", "nan"], "must be a positive number"),
    ],
)
def test_bad_options_exit_with_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_library_errors_become_usage_errors(capsys):
    assert main(["train", "--val-fraction", "1.5", "--no-progress"]) == 2
    assert "quantamm-eqx: error: `val_fraction` must lie in [0, 1)" in capsys.readouterr().err


def test_no_global_config_change_at_import():
    code = "import jax, quantamm_eqx, quantamm_eqx.estimators; print(jax.config.jax_enable_x64)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"

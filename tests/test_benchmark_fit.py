"""`benchmarks.fit` at a tiny size: both cases, positive per-step times, both results files.

The benchmark runs in its own process (`python -m benchmarks.fit`, as it is used) with JAX's
persistent compilation cache in a temporary folder: every `fit` call compiles the same
programs, so after the first call of a case the others read them from the cache, which keeps
the test short on two cores. The benchmark subtracts the compile time JAX reports from each
run, so the cache changes its compile column, not its time per step.
"""

import json
import math
import os

import jax
import pytest

from benchmarks import _harness as harness

jax.config.update("jax_enable_x64", True)

TINY = ["--population", "2", "--bout-days", "3", "--steps", "20", "--repeats", "1"]
TINY += ["--fee-steps", "2"]


@pytest.mark.slow  # 20-40 s: the benchmark scripts run in `nox -s slow`
def test_a_tiny_run_writes_both_cases(tmp_path):
    environment = dict(os.environ)
    environment["JAX_COMPILATION_CACHE_DIR"] = str(tmp_path / "jax-cache")
    environment["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    out = tmp_path / "results"
    result = harness.run_module(
        "benchmarks.fit", [*TINY, "--out", str(out)], env=environment, capture=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (out / "fit.json").is_file() and (out / "fit.md").is_file()
    document = json.loads((out / "fit.json").read_text(encoding="utf-8"))
    assert document["settings"]["population"] == 2
    assert document["settings"]["bout_days"] == 3
    rows = {row["case"]: row for row in document["rows"]}
    assert set(rows) == {"fees off", "fees on"}
    assert rows["fees off"]["fees"] == 0 and rows["fees on"]["fees"] > 0
    for case, row in rows.items():
        assert len(row["per_step_runs_s"]) == 1, case
        for value in (*row["per_step_runs_s"], row["median_step_ms"], row["steps_per_s"]):
            assert math.isfinite(value) and value > 0, (case, value)
        assert math.isclose(row["member_steps_per_s"], 2 * row["steps_per_s"])
        assert math.isclose(row["window_steps_per_s"], 2 * 4 * row["steps_per_s"])
        assert math.isfinite(row["compile_s"]) and row["compile_s"] >= 0, case
        assert 0 <= row["compile_fraction"] <= 1, case
    markdown = (out / "fit.md").read_text(encoding="utf-8")
    assert "| fees off |" in markdown and "| fees on |" in markdown

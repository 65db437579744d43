"""The GPU benchmark (`benchmarks.gpu`) runs at its CPU smoke size in both dtypes."""

import json
import math

import jax
import pytest

from benchmarks import gpu

jax.config.update("jax_enable_x64", True)


@pytest.mark.slow  # 20-40 s: the benchmark scripts run in `nox -s slow`
def test_small_run_writes_both_cases_in_both_dtypes(tmp_path):
    assert gpu.main(["--small", "--dtypes", "float32,float64", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "gpu.md").is_file()
    document = json.loads((tmp_path / "gpu.json").read_text(encoding="utf-8"))
    assert document["backend"] == jax.default_backend()
    assert document["devices"]
    rows = {(row["case"], row["dtype"]): row for row in document["rows"]}
    cases = ("no-fee value-and-grad", "fee forward")
    assert set(rows) == {(case, dtype) for case in cases for dtype in ("float32", "float64")}
    for (case, dtype), row in rows.items():
        assert row["population"] == gpu.SMALL["population"]
        assert row["runs"] == gpu.SMALL["runs"]
        for key in ("compile_s", "median_s", "min_s", "warmup_s", "us_per_minute_step"):
            assert math.isfinite(row[key]) and row[key] > 0, (case, dtype, key)
        assert row["finite"], (case, dtype)
        # The float32 rows really ran in float32 (x64 is on in this process).
        assert row["output_dtype"] == dtype, (case, dtype)
        if case == "no-fee value-and-grad":
            assert row["grad_dtype"] == dtype
            assert math.isfinite(row["objective_mean"])
    markdown = (tmp_path / "gpu.md").read_text(encoding="utf-8")
    assert "fee forward" in markdown and "no-fee value-and-grad" in markdown

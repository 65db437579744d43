"""`benchmarks.search_compare` at a tiny size: every method runs and the table is written."""

import json

import pytest

from benchmarks import search_compare


@pytest.mark.slow  # about 40 s: the benchmark scripts run in `nox -s slow`
def test_a_tiny_comparison_writes_every_method(tmp_path):
    argv = ["--quick", "--members", "2", "--steps", "2", "--trials", "2", "--generations", "1"]
    assert search_compare.main([*argv, "--start", "2011-01-01", "--out", str(tmp_path)]) == 0
    document = json.loads((tmp_path / "search.json").read_text())
    methods = [row["method"] for row in document["rows"]]
    assert methods == ["starting pool", "gradient (fit)", "Optuna (TPE)", "CMA-ES (evosax)"]
    assert all(row["seconds"] >= 0 for row in document["rows"])
    markdown = (tmp_path / "search.md").read_text()
    assert "| CMA-ES (evosax) |" in markdown

"""`benchmarks.side_by_side`: the quantamm_eqx side runs; a missing reference is a clear error."""

import math

import jax
import pytest

from benchmarks import side_by_side


def test_the_quantamm_eqx_side_times_its_scenario():
    jax.config.update("jax_enable_x64", True)
    measured = side_by_side.child("momentum", 3, 2, 0.0, 1)
    for metric in side_by_side.METRICS:
        assert math.isfinite(measured[metric]) and measured[metric] > 0
    assert math.isfinite(measured["objective"])


def test_a_missing_reference_environment_says_what_to_give(tmp_path):
    missing = str(tmp_path / "no-python")
    with pytest.raises(SystemExit, match="--reference-python and --reference-src"):
        side_by_side.main(
            ["--quick", "--reference-python", missing, "--reference-src", str(tmp_path)]
        )

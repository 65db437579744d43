"""Parity of `simulate` (weights, reserves, values) with the reference, scenario by scenario.

Fee scenarios are checked against the oracle instead (`test_golden_fees.py`)."""

import jax
import numpy as np
import pytest
from golden import SCENARIO_IDS, SCENARIO_PATHS, load_scenario

from quantamm_eqx import simulate


@pytest.mark.parametrize("path", SCENARIO_PATHS, ids=SCENARIO_IDS)
def test_simulation_matches_reference(path):
    scenario = load_scenario(path)
    pool, config = scenario.pool_and_config()

    result = simulate(pool, scenario.prices, config, **scenario.bout)

    expected = scenario.expected
    assert result.reserves.shape == expected["reserves"].shape
    assert result.values.shape == expected["values"].shape
    np.testing.assert_allclose(result.weights, expected["weights"], rtol=1e-9, atol=1e-12)
    if not scenario.has_fees:
        np.testing.assert_allclose(result.reserves, expected["reserves"], rtol=1e-9)
        np.testing.assert_allclose(result.values, expected["values"], rtol=1e-9)


@pytest.mark.parametrize("path", SCENARIO_PATHS, ids=SCENARIO_IDS)
def test_float32_values_match_float64(path):
    """float32 is safe, with fees or without: every value within 1e-4 (relative) of float64."""
    scenario = load_scenario(path)
    pool, config = scenario.pool_and_config()
    pool32 = jax.tree_util.tree_map(lambda x: x.astype(np.float32), pool)

    values64 = simulate(pool, scenario.prices, config, **scenario.bout).values
    values32 = simulate(pool32, scenario.prices.astype(np.float32), config, **scenario.bout).values

    assert values32.dtype == np.float32 and values64.dtype == np.float64
    relative = np.abs(np.asarray(values32, np.float64) / values64 - 1)
    assert relative.max() <= 1e-4, f"max relative difference {relative.max():.2e}"

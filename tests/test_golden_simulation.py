"""Parity of `simulate` (reserves and values) with the reference, scenario by scenario."""

import jax
import numpy as np
import pytest
from golden import SCENARIO_IDS, SCENARIO_PATHS, load_scenario

from quantamm_eqx import simulate


@pytest.mark.parametrize("path", SCENARIO_PATHS, ids=SCENARIO_IDS)
def test_simulation_matches_reference(path):
    scenario = load_scenario(path)
    pool, config = scenario.pool_and_config()

    result = simulate(
        pool,
        scenario.prices,
        config,
        start_index=scenario.start_index,
        bout_length=scenario.settings["bout_length"],
    )

    expected = scenario.expected
    assert result.reserves.shape == expected["reserves"].shape
    assert result.values.shape == expected["values"].shape
    np.testing.assert_allclose(result.weights, expected["weights"], rtol=1e-9, atol=1e-12)
    if scenario.has_fees:
        # The reference's own arbitrage decisions flip with rounding (golden/README.md):
        # values within 1e-2 (relative).
        np.testing.assert_allclose(result.values, expected["values"], rtol=1e-2)
    else:
        np.testing.assert_allclose(result.reserves, expected["reserves"], rtol=1e-9)
        np.testing.assert_allclose(result.values, expected["values"], rtol=1e-9)


NO_FEE_PATHS = [path for path in SCENARIO_PATHS if not load_scenario(path).has_fees]


@pytest.mark.parametrize("path", NO_FEE_PATHS, ids=lambda path: path.stem)
def test_float32_no_fee_values_match_float64(path):
    """float32 is safe without fees: every value within 1e-4 (relative) of float64."""
    scenario = load_scenario(path)
    pool, config = scenario.pool_and_config()
    pool32 = jax.tree_util.tree_map(lambda x: x.astype(np.float32), pool)
    bout = dict(start_index=scenario.start_index, bout_length=scenario.settings["bout_length"])

    values64 = simulate(pool, scenario.prices, config, **bout).values
    values32 = simulate(pool32, scenario.prices.astype(np.float32), config, **bout).values

    assert values32.dtype == np.float32 and values64.dtype == np.float64
    relative = np.abs(np.asarray(values32, np.float64) / values64 - 1)
    assert relative.max() <= 1e-4, f"max relative difference {relative.max():.2e}"

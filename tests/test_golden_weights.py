"""Parity of the bout's minute weights with the reference, scenario by scenario."""

import numpy as np
import pytest
from golden import SCENARIO_IDS, SCENARIO_PATHS, load_scenario

from quantamm_eqx import minute_weights


@pytest.mark.parametrize("path", SCENARIO_PATHS, ids=SCENARIO_IDS)
def test_minute_weights_match_reference(path):
    scenario = load_scenario(path)
    pool, config = scenario.pool_and_config()

    weights = minute_weights(
        pool,
        scenario.prices,
        config,
        start_index=scenario.start_index,
        bout_length=scenario.settings["bout_length"],
    )

    expected = scenario.expected["weights"]
    assert weights.shape == expected.shape
    np.testing.assert_allclose(weights, expected, rtol=1e-9, atol=1e-12)

"""Parity of the pools' rule outputs with the reference (pools from `compat`)."""

import numpy as np
import pytest
from golden import SCENARIO_IDS, SCENARIO_PATHS, load_scenario


@pytest.mark.parametrize("path", SCENARIO_PATHS, ids=SCENARIO_IDS)
def test_rule_outputs_match_reference(path):
    scenario = load_scenario(path)
    pool, config = scenario.pool_and_config()

    outputs = pool.rule_outputs(scenario.prices, config)

    expected = scenario.expected["rule_outputs"]
    assert outputs.shape == expected.shape
    np.testing.assert_allclose(outputs, expected, rtol=1e-9, atol=1e-12)

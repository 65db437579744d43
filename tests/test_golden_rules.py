"""Parity of the pools' rule outputs with the reference, built through `compat.from_quantammsim`."""

import numpy as np
import pytest
from golden import SCENARIO_IDS, SCENARIO_PATHS, load_scenario

from quantamm_eqx.compat import from_quantammsim


@pytest.mark.parametrize("path", SCENARIO_PATHS, ids=SCENARIO_IDS)
def test_rule_outputs_match_reference(path):
    scenario = load_scenario(path)
    pool, config = from_quantammsim(scenario.settings["rule"], scenario.params, scenario.settings)

    outputs = pool.rule_outputs(scenario.prices, config)

    expected = scenario.expected["rule_outputs"]
    assert outputs.shape == expected.shape
    np.testing.assert_allclose(outputs, expected, rtol=1e-9, atol=1e-12)

"""Parity of the EWMA price-gradient estimator with the reference, scenario by scenario."""

import numpy as np
import pytest
from golden import SCENARIO_IDS, SCENARIO_PATHS, load_scenario

from quantamm_eqx.estimators import ewma_gradients
from quantamm_eqx.transforms import cap_lamb, sigmoid


def test_all_twelve_scenarios_are_present():
    assert len(SCENARIO_PATHS) == 12


@pytest.mark.parametrize("method", ["scan", "associative"])
@pytest.mark.parametrize("path", SCENARIO_PATHS, ids=SCENARIO_IDS)
def test_ewma_gradients_match_reference(path, method):
    scenario = load_scenario(path)
    settings, params = scenario.settings, scenario.params
    chunk_period, max_memory_days = scenario.chunk_period, settings["max_memory_days"]
    lamb = cap_lamb(sigmoid(params["logit_lamb"]), max_memory_days, chunk_period)
    alt_lamb = None
    if settings["use_alt_lamb"]:
        logit_alt = params["logit_lamb"] + params["logit_delta_lamb"]
        alt_lamb = cap_lamb(sigmoid(logit_alt), max_memory_days, chunk_period)

    gradients = ewma_gradients(scenario.prices[::chunk_period], lamb, alt_lamb, method=method)

    expected = scenario.expected["ewma_gradients"]
    assert gradients.shape == expected.shape
    np.testing.assert_allclose(gradients, expected, rtol=1e-9, atol=1e-12)

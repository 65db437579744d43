"""Parity of the default objective and its gradient with the reference, scenario by scenario
(with fees: with the oracle's values, and the reference's rule with the reference)."""

import dataclasses

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest
from golden import (
    FEE_PATHS,
    NO_FEE_PATHS,
    SCENARIO_IDS,
    SCENARIO_PATHS,
    load_scenario,
    oracle_outputs,
)

from quantamm_eqx import simulate
from quantamm_eqx.metrics import daily_log_sharpe


def objective_function(scenario, **settings):
    pool, config = scenario.pool_and_config()
    config = dataclasses.replace(config, **settings)
    prices = jnp.asarray(scenario.prices)

    def objective(pool):
        result = simulate(
            pool,
            prices,
            config,
            start_index=scenario.start_index,
            bout_length=scenario.settings["bout_length"],
        )
        return daily_log_sharpe(result)

    return pool, objective


@pytest.mark.parametrize("path", SCENARIO_PATHS, ids=SCENARIO_IDS)
def test_objective_matches_reference(path):
    scenario = load_scenario(path)
    pool, objective = objective_function(scenario)
    value = float(objective(pool))  # the plain forward pass
    if scenario.has_fees:
        _, oracle_values = oracle_outputs(path)
        expected = float(daily_log_sharpe(jnp.asarray(oracle_values)))
    else:
        expected = float(scenario.expected["objective"])
    assert abs(value - expected) <= 1e-8


@pytest.mark.parametrize("path", FEE_PATHS, ids=[p.stem for p in FEE_PATHS])
def test_reference_rule_objective_is_near_the_reference(path):
    """With the reference's rounding-decided rule, the objective is as close to the
    reference's as two of its own compilations are to each other (golden/README.md)."""
    scenario = load_scenario(path)
    pool, objective = objective_function(scenario, arbitrage="reference")
    expected = float(scenario.expected["objective"])
    assert abs(float(objective(pool)) - expected) <= 0.05 + 0.05 * abs(expected)


@pytest.mark.parametrize("path", NO_FEE_PATHS, ids=[p.stem for p in NO_FEE_PATHS])
def test_objective_gradient_matches_reference(path):
    scenario = load_scenario(path)
    pool, objective = objective_function(scenario)
    grads = eqx.filter_jit(eqx.filter_grad(objective))(pool)
    expected = {
        name.removeprefix("objective_grad_"): value
        for name, value in scenario.expected.items()
        if name.startswith("objective_grad_")
    }
    assert expected  # every scenario stores the gradients of its trained fields
    for name, value in expected.items():
        np.testing.assert_allclose(getattr(grads, name), value, rtol=1e-6, atol=1e-9, err_msg=name)
    np.testing.assert_array_equal(grads.initial_weights_logits, 0.0)  # never trained

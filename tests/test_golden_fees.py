"""The fee path on every golden fee scenario: against the extended-precision oracle (the
target; the reference's stored fee values are decided by rounding, golden/README.md), the
reference's rule kept by name, determinism across transformations. (float32: in
test_golden_simulation.py, with the no-fee scenarios.)"""

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from golden import FEE_PATHS, load_scenario, oracle_outputs

from quantamm_eqx import simulate

FEE_IDS = [path.stem for path in FEE_PATHS]


@pytest.mark.parametrize("path", FEE_PATHS, ids=FEE_IDS)
def test_fee_path_matches_the_oracle(path):
    """The default (exact) fee path in float64: values within 1e-9 and reserves within 1e-6
    (relative) of the oracle, from the same weights as the reference's."""
    scenario = load_scenario(path)
    pool, config = scenario.pool_and_config()
    assert config.arbitrage == "exact"  # what `from_quantammsim` builds
    result = simulate(pool, scenario.prices, config, **scenario.bout)
    reserves, values = oracle_outputs(path)

    np.testing.assert_allclose(result.weights, scenario.expected["weights"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.values, values, rtol=1e-9)
    np.testing.assert_allclose(result.reserves, reserves, rtol=1e-6)


@pytest.mark.parametrize("path", FEE_PATHS, ids=FEE_IDS)
def test_reference_rule_is_low_like_quantammsim(path):
    """`arbitrage="reference"` is quantammsim's rounding-decided rule: its values stay
    within 2e-3 of the reference's stored ones, and, like them, end below the oracle's
    (rounding rejects valid trades; docs/concepts/arbitrage.md has the sizes)."""
    scenario = load_scenario(path)
    pool, config = scenario.pool_and_config()
    config = dataclasses.replace(config, arbitrage="reference")
    values = np.asarray(simulate(pool, scenario.prices, config, **scenario.bout).values)
    _, oracle_values = oracle_outputs(path)

    # Two compilations of quantammsim itself disagree by up to 2e-3 in value.
    np.testing.assert_allclose(values, scenario.expected["values"], rtol=2e-3)
    assert values[-1] < oracle_values[-1] * (1 - 1e-4)
    assert scenario.expected["values"][-1] < oracle_values[-1] * (1 - 1e-4)


#: One scenario in the default run (11-19 s each); the others in `nox -s slow`.
JIT_VMAP_GRAD_PATHS = [
    path if path.stem == "momentum_0" else
    pytest.param(path, marks=pytest.mark.slow)
    for path in FEE_PATHS
]  # fmt: skip


@pytest.mark.parametrize("path", JIT_VMAP_GRAD_PATHS, ids=FEE_IDS)
def test_fee_path_is_the_same_under_jit_vmap_and_grad(path):
    """Eager, `jit`, a `vmap` batch and the forward pass inside `value_and_grad` agree to
    1e-12 (relative), values and reserves: no decision is left to rounding."""
    scenario = load_scenario(path)
    pool, config = scenario.pool_and_config()
    prices = jnp.asarray(scenario.prices)

    def paths(pool):
        result = simulate(pool, prices, config, **scenario.bout)
        return result.values, result.reserves

    def objective(pool):
        values, reserves = paths(pool)
        return jnp.log(values[-1]), (values, reserves)

    eager = paths(pool)
    jitted = eqx.filter_jit(paths)(pool)
    stacked = jax.tree_util.tree_map(lambda x: jnp.stack([x, x]), pool)
    batched = eqx.filter_vmap(paths)(stacked)
    (_, in_grad), _ = eqx.filter_value_and_grad(objective, has_aux=True)(pool)
    for other in (jitted, (batched[0][1], batched[1][1]), in_grad):
        np.testing.assert_allclose(other[0], eager[0], rtol=1e-12)
        np.testing.assert_allclose(other[1], eager[1], rtol=1e-12)

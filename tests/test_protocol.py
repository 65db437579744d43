"""Protocol mode against the QuantAMM-V1 foundry test vectors, and its guard's invariants.

`tests/data/protocol_vectors.json` is a copy of the shared transcription of the contracts'
tests (each vector names its source test and line). Every vector must be reproduced in
protocol mode (absolute 1e-12); those marked `spec_expressible` also in simulator mode
(absolute 1e-9), using the vector's stated mapping to SPEC parameters.
"""

import json
import pathlib

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from quantamm_eqx import (
    AntiMomentumPool,
    MeanReversionChannelPool,
    MomentumPool,
    SimulationConfig,
    minute_weights,
)
from quantamm_eqx.compat import contract_parameters, pool_from_contract
from quantamm_eqx.estimators import (
    GradientState,
    ewma_gradients,
    gradient_init,
    gradient_step,
    gradient_update,
)
from quantamm_eqx.weights import (
    clamp_weights,
    clamp_weights_fixed,
    clip_weights,
    coarse_weight_step,
    fix_rounding,
    from_fixed,
    guard_weights,
    guard_weights_fixed,
    limit_change,
    limit_update,
    limit_update_fixed,
    normalise,
    to_fixed,
)

VECTORS = json.loads((pathlib.Path(__file__).parent / "data" / "protocol_vectors.json").read_text())


def _vectors(*kinds, spec_only=False, stage=None):
    chosen = [
        v
        for v in VECTORS
        if v["kind"] in kinds
        and (v["spec_expressible"] or not spec_only)
        and (stage is None or v["inputs"]["stage"] == stage)
    ]
    return pytest.mark.parametrize("vector", chosen, ids=[v["source"] for v in chosen])


POOL_CLASSES = {
    "momentum": MomentumPool,
    "anti_momentum": AntiMomentumPool,
    "channel": MeanReversionChannelPool,
}


def test_the_vector_set_is_complete():
    kinds = [v["kind"] for v in VECTORS]
    counts = {kind: kinds.count(kind) for kind in set(kinds)}
    assert counts == {
        "guard": 17,
        "momentum": 5,
        "anti_momentum": 5,
        "channel": 4,
        "gradient_step": 3,
    }


# --- rules: one update of each pool from the contract test's state ------------------------


def _rule_update(vector, mode):
    """The pool's unguarded weights after one `step` from the vector's estimator state."""
    inputs = vector["inputs"]
    protocol_mode = mode == "protocol"
    config = SimulationConfig(
        mode=mode, use_raw_price=protocol_mode and inputs["use_raw_price"], use_pre_exp_scaling=True
    )
    channel = {}
    if vector["kind"] == "channel":
        channel = {
            "width": inputs["width"],
            "exponents": inputs["exponents"],
            "pre_exp_scaling": inputs["pre_exp_scaling"],
        }
        if protocol_mode:
            channel |= {
                "amplitude": inputs["amplitude"],
                "inverse_scaling": inputs["inverse_scaling"],
            }
        else:  # SPEC fixes the divisor at 0.5415: the vector maps the amplitude instead
            channel |= {"amplitude": inputs["spec_amplitude"]}
    pool = pool_from_contract(
        POOL_CLASSES[vector["kind"]],
        config,
        n_assets=inputs["n_assets"],
        kappa=inputs["kappa"],
        lamb=inputs["lambda"],
        **channel,
    )
    # The mock rules inject the moving average; this state's EWMA step reproduces it.
    state = GradientState(
        ewma=jnp.asarray(inputs["effective_prev_moving_average"]), a=jnp.asarray(inputs["alpha"])
    )
    state, change = pool.step(state, jnp.asarray(inputs["data"]), config)
    np.testing.assert_allclose(state.ewma, inputs["moving_average"], rtol=0, atol=1e-12)
    return jnp.asarray(inputs["prev_weights"]) + change


@_vectors("momentum", "anti_momentum", "channel")
def test_rule_vectors_in_protocol_mode(vector):
    np.testing.assert_allclose(
        _rule_update(vector, "protocol"), vector["expected"], rtol=0, atol=1e-12
    )


@_vectors("momentum", "anti_momentum", "channel", spec_only=True)
def test_spec_expressible_rule_vectors_in_simulator_mode(vector):
    np.testing.assert_allclose(
        _rule_update(vector, "simulator"), vector["expected"], rtol=0, atol=1e-9
    )


def test_raw_price_changes_the_rule_only_where_price_and_average_differ():
    (vector,) = [
        v
        for v in VECTORS
        if v["source"].endswith("testCorrectUpdateWithHigherPrices") and v["kind"] == "momentum"
    ]
    raw = _rule_update(vector, "protocol")
    averaged = _rule_update(
        {**vector, "inputs": {**vector["inputs"], "use_raw_price": False}}, "protocol"
    )
    assert not np.allclose(raw, averaged, atol=1e-6)


# --- the gradient estimator -----------------------------------------------------------------


@_vectors("gradient_step")
def test_gradient_vectors_in_protocol_mode(vector):
    """Each row `a_r / b` from the contract's update, given the test's moving averages."""
    inputs = vector["inputs"]
    a = jnp.asarray(inputs["initial_alpha"])
    lamb = jnp.asarray(inputs["lambda"])
    rows = [a * (1 - lamb) ** 3 / lamb]
    for price, average in zip(inputs["data"][1:], inputs["moving_average"][1:], strict=True):
        a, numerator = gradient_update(a, jnp.asarray(average), jnp.asarray(price), lamb)
        rows.append(numerator)
    np.testing.assert_allclose(jnp.stack(rows), vector["expected"], rtol=0, atol=1e-12)


@_vectors("gradient_step", spec_only=True)
@pytest.mark.parametrize("mode", ["simulator", "protocol"])
def test_spec_expressible_gradient_vectors_through_the_estimator(vector, mode):
    """The pools' estimator over the test's prices: `g * ewma` is the contract's `a / b`."""
    inputs = vector["inputs"]
    prices = jnp.asarray(inputs["data"])
    gradients = ewma_gradients(prices, jnp.asarray(inputs["lambda"]), mode=mode)
    averages = jnp.asarray(inputs["moving_average"])[1:]
    tolerance = 1e-12 if mode == "protocol" else 1e-9
    np.testing.assert_allclose(gradients * averages, vector["expected"][1:], rtol=0, atol=tolerance)


def test_protocol_estimator_does_not_zero_small_a():
    state = gradient_init(jnp.array([1.0, 1.0]))
    price = jnp.array([1.0 + 1e-12, 1.0])
    _, simulator = gradient_step(state, price, lamb=0.5)
    _, contract = gradient_step(state, price, lamb=0.5, mode="protocol")
    assert simulator[0] == 0.0 and contract[0] > 0.0


def test_scan_and_associative_agree_with_raw_price():
    rng = np.random.default_rng(3)
    prices = jnp.asarray(np.exp(np.cumsum(rng.normal(0, 0.01, (50, 3)), axis=0)))
    scan = ewma_gradients(prices, 0.8, use_raw_price=True, mode="protocol")
    parallel = ewma_gradients(prices, 0.8, use_raw_price=True, method="associative")
    np.testing.assert_allclose(scan, parallel, rtol=1e-9, atol=1e-12)


def test_protocol_mode_refuses_the_associative_method():
    """Protocol mode is the contracts' sequential arithmetic: the parallel estimator would
    silently run the simulator's instead, so every entry refuses the pair, naming both."""
    from quantamm_eqx import fit, simulate

    rng = np.random.default_rng(4)
    prices = np.exp(np.cumsum(rng.normal(0, 1e-3, (600, 2)), axis=0))
    config = SimulationConfig(mode="protocol", chunk_period=60, weight_interpolation_period=60)
    pool = MomentumPool.from_memory_days(2, memory_days=1.0, chunk_period=60)
    message = r"method='associative'.*mode='protocol'"
    with pytest.raises(ValueError, match=message):
        ewma_gradients(prices, 0.8, mode="protocol", method="associative")
    with pytest.raises(ValueError, match=message):
        pool.rule_outputs(prices, config, method="associative")
    with pytest.raises(ValueError, match=message):
        minute_weights(pool, prices, config, start_index=60, bout_length=500, method="associative")
    with pytest.raises(ValueError, match=message):
        simulate(pool, prices, config, start_index=60, bout_length=500, method="associative")
    with pytest.raises(ValueError, match=message):
        fit(
            pool,
            prices,
            config,
            bout_length=300,
            steps=1,
            key=jax.random.key(0),
            objective="returns",
            method="associative",
            progress=False,
        )
    # The simulator's arithmetic runs either way.
    simulator = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    np.testing.assert_allclose(
        pool.rule_outputs(prices, simulator, method="associative"),
        pool.rule_outputs(prices, simulator),
        rtol=1e-9,
        atol=1e-12,
    )


# --- the guard ------------------------------------------------------------------------------


def _guard_inputs(vector):
    inputs = vector["inputs"]
    previous = None if inputs["prev_weights"] is None else jnp.asarray(inputs["prev_weights"])
    return inputs["stage"], jnp.asarray(inputs["weights"]), previous, inputs


@_vectors("guard")
def test_guard_vectors_in_protocol_mode(vector):
    stage, weights, previous, inputs = _guard_inputs(vector)
    if stage == "clamp":
        result = clamp_weights(weights, inputs["minimum_weight"])
    elif stage == "normalize":
        result = limit_update(previous, weights, inputs["epsilon_max"])
    else:
        result = guard_weights(weights, previous, inputs["epsilon_max"], inputs["minimum_weight"])
    np.testing.assert_allclose(result, vector["expected"], rtol=0, atol=1e-12)


@_vectors("guard", stage="guard")
def test_guard_vectors_through_the_coarse_step_in_protocol_mode(vector):
    """The simulation's coarse step runs the whole guard (clamp, then speed limit)."""
    _, weights, previous, inputs = _guard_inputs(vector)
    reached = _one_minute_step(
        weights, previous, "protocol", inputs["epsilon_max"], inputs["minimum_weight"]
    )
    np.testing.assert_allclose(reached, vector["expected"], rtol=0, atol=1e-12)


def _one_minute_step(weights, previous, mode, maximum_change, minimum_weight):
    """The simulation's coarse step with one-minute interpolation (interpol_num 2)."""
    config = SimulationConfig(
        mode=mode,
        chunk_period=1,
        weight_interpolation_period=1,
        maximum_change=maximum_change,
        minimum_weight=minimum_weight,
    )
    reached, _ = coarse_weight_step(previous, weights - previous, config)
    return reached


def _spec_guard(weights, previous, mapping):
    """SPEC §4.2's coarse step with the vector's mapping (interpol_num 2: one minute)."""
    assert mapping["interpol_num"] == 2
    target = fix_rounding(clip_weights(normalise(weights), mapping["minimum_weight"]))
    if mapping["maximum_change"] is None:
        return target
    return previous + limit_change(target - previous, mapping["maximum_change"])


@_vectors("guard", spec_only=True)
def test_spec_expressible_guard_vectors_in_simulator_mode(vector):
    stage, weights, previous, inputs = _guard_inputs(vector)
    mapping = inputs["spec_mapping"]
    result = _spec_guard(weights, previous, mapping)
    np.testing.assert_allclose(result, vector["expected"], rtol=0, atol=1e-9)
    if stage == "guard":
        reached = _one_minute_step(
            weights, previous, "simulator", mapping["maximum_change"], mapping["minimum_weight"]
        )
        np.testing.assert_allclose(reached, vector["expected"], rtol=0, atol=1e-9)


#: MathGuard.t.sol::test_EpsilonViolationExact states its inputs to 18 decimals; the
#: vector's floats round them, so the exact check uses the test's own integers.
EXACT_INPUTS = {
    "base/MathGuard.t.sol::test_EpsilonViolationExact": {
        "weights": [949168597366431485, 49361402833913040, 1469999799655475],
        "prev_weights": [979999999999999947, 18530000200344578, 1469999799655475],
        "epsilon_max": 15415701316784231,
        "minimum_weight": 10**16,
    }
}


@_vectors("guard")
def test_guard_vectors_in_exact_fixed_point(vector):
    """The integer path gives the contract's 18-decimal results to the last unit."""
    stage, _, _, inputs = _guard_inputs(vector)
    fixed = {
        name: None if inputs[name] is None else to_fixed(np.atleast_1d(inputs[name]))
        for name in ("weights", "prev_weights", "epsilon_max", "minimum_weight")
    }
    for name, value in EXACT_INPUTS.get(vector["source"], {}).items():
        fixed[name] = value if isinstance(value, list) else [value]
    if stage == "clamp":
        result = clamp_weights_fixed(fixed["weights"], fixed["minimum_weight"][0])
    elif stage == "normalize":
        result = limit_update_fixed(
            fixed["prev_weights"], fixed["weights"], fixed["epsilon_max"][0]
        )
    else:
        result = guard_weights_fixed(
            fixed["weights"],
            fixed["prev_weights"],
            fixed["epsilon_max"][0],
            fixed["minimum_weight"][0],
        )
    assert result == [int(value) for value in vector["expected_e18"]]


def test_fixed_point_conversions_round_trip():
    assert to_fixed([0.1, 1, "1e-18"]) == [10**17, 10**18, 1]
    assert from_fixed(to_fixed([0.25, 0.75])) == [0.25, 0.75]
    with pytest.raises(ValueError, match="finite"):
        to_fixed([float("nan")])
    # NumPy and JAX numbers, as the float guard returns them.
    assert to_fixed(jnp.array([0.25, 0.75])) == [25 * 10**16, 75 * 10**16]
    assert to_fixed([np.float64(0.1), np.int64(2)]) == [10**17, 2 * 10**18]
    with pytest.raises(ValueError, match="numbers or decimal strings; got True"):
        to_fixed([True])


def test_clamp_refuses_a_minimum_with_no_room():
    with pytest.raises(ValueError, match=r"`minimum_weight` must lie in \(0, 1 / n_assets\)"):
        clamp_weights(jnp.array([0.5, 0.5]), 0.6)
    with pytest.raises(ValueError, match="`minimum_weight` must lie in"):
        clamp_weights_fixed(to_fixed([0.5, 0.5]), 6 * 10**17)


def test_iterative_clamp_keeps_every_weight_above_the_minimum():
    """A rescaled weight that drops below the minimum is clamped in a further pass."""
    weights = jnp.array([0.699, 0.2, 0.101, 0.0])
    clamped = clamp_weights(weights, 0.1)
    assert float(clamped.min()) >= 0.1 and abs(float(clamped.sum()) - 1.0) < 1e-15
    fixed = clamp_weights_fixed(to_fixed(weights.tolist()), 10**17)
    assert min(fixed) >= 10**17
    np.testing.assert_allclose(clamped, from_fixed(fixed), rtol=0, atol=1e-15)


@st.composite
def guard_cases(draw):
    """A valid previous weight vector and the unguarded weights of one rule update.

    The update is zero-sum, as every rule's is, and may be far larger than the weights
    (negative unguarded weights included).
    """
    n_assets = draw(st.integers(2, 6))
    minimum = draw(st.floats(1e-6, 0.99 / n_assets))
    unit = st.floats(1e-3, 1.0)
    previous = np.asarray(draw(hnp.arrays(np.float64, n_assets, elements=unit)))
    previous = minimum + (1 - n_assets * minimum) * previous / previous.sum()
    signal = np.asarray(draw(hnp.arrays(np.float64, n_assets, elements=st.floats(-1.0, 1.0))))
    scale = draw(st.sampled_from([1e-4, 1e-2, 1.0, 10.0]))
    raw = previous + scale * (signal - signal.mean())
    epsilon = draw(st.floats(1e-4, 1.0))
    return jnp.asarray(previous), jnp.asarray(raw), epsilon, minimum


@given(guard_cases())
def test_protocol_guard_respects_bounds_and_speed_limit(case):
    previous, raw, epsilon, minimum = case
    guarded = guard_weights(raw, previous, epsilon, minimum)
    maximum = 1 - (previous.shape[0] - 1) * minimum
    tolerance = 1e-12
    assert float(guarded.min()) >= minimum - tolerance
    assert float(guarded.max()) <= maximum + tolerance
    assert float(jnp.max(jnp.abs(guarded - previous))) <= epsilon + tolerance
    assert abs(float(guarded.sum()) - 1.0) <= tolerance


@given(guard_cases())
def test_fixed_point_guard_agrees_with_float_guard(case):
    previous, raw, epsilon, minimum = case
    guarded = guard_weights(raw, previous, epsilon, minimum)
    fixed = guard_weights_fixed(
        to_fixed(raw.tolist()),
        to_fixed(previous.tolist()),
        *to_fixed([epsilon, minimum]),
    )
    assert sum(fixed) == 10**18
    np.testing.assert_allclose(guarded, from_fixed(fixed), rtol=0, atol=1e-12)


# --- the mode switch in whole simulations ---------------------------------------------------


def _prices(n_minutes=3 * 1440 + 1, n_assets=3, seed=0):
    rng = np.random.default_rng(seed)
    return 100 * np.exp(np.cumsum(rng.normal(0, 2e-3, (n_minutes, n_assets)), axis=0))


@pytest.mark.parametrize("pool_class", list(POOL_CLASSES.values()))
def test_protocol_mode_weights_respect_the_guard_every_minute(pool_class):
    config = SimulationConfig(
        mode="protocol", chunk_period=60, weight_interpolation_period=60, maximum_change=1e-4
    )
    pool = pool_class.from_memory_days(
        n_assets=3, memory_days=1.0, k_per_day=200.0, chunk_period=60
    )
    weights = np.asarray(
        minute_weights(pool, _prices(), config, start_index=1440, bout_length=2 * 1440)
    )
    minimum = config.minimum_weight_for(3)
    assert weights.min() >= minimum - 1e-12 and weights.max() <= 1 - 2 * minimum + 1e-12
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.abs(np.diff(weights, axis=0)).max() <= config.maximum_change + 1e-12


def test_modes_agree_where_no_guard_binds_and_differ_where_it_does():
    prices = _prices()
    pool = MomentumPool.from_memory_days(
        n_assets=3, memory_days=1.0, k_per_day=0.5, chunk_period=60
    )
    loose = dict(chunk_period=60, weight_interpolation_period=60, maximum_change=1.0)
    weights = {
        mode: minute_weights(
            pool, prices, SimulationConfig(mode=mode, **loose), start_index=1440, bout_length=1440
        )
        for mode in ("simulator", "protocol")
    }
    np.testing.assert_allclose(weights["simulator"], weights["protocol"], rtol=0, atol=1e-12)
    tight = dict(loose, maximum_change=1e-6)
    limited = {
        mode: minute_weights(
            pool, prices, SimulationConfig(mode=mode, **tight), start_index=1440, bout_length=1440
        )
        for mode in ("simulator", "protocol")
    }
    assert not np.allclose(limited["simulator"], limited["protocol"], rtol=0, atol=1e-14)


def test_protocol_mode_is_differentiable():
    prices = jnp.asarray(_prices())
    config = SimulationConfig(mode="protocol", chunk_period=60, weight_interpolation_period=60)
    pool = MomentumPool.from_memory_days(
        n_assets=3, memory_days=1.0, k_per_day=20.0, chunk_period=60
    )

    def last_weight(pool):
        return minute_weights(pool, prices, config, start_index=1440, bout_length=1440)[-1, 0]

    grads = eqx.filter_grad(last_weight)(pool)
    leaves = jax.tree_util.tree_leaves(grads)
    assert all(bool(jnp.all(jnp.isfinite(leaf))) for leaf in leaves)
    assert float(jnp.abs(grads.log_k).sum()) > 0


# --- configuration and parameter mapping ----------------------------------------------------


def test_configuration_errors_name_the_setting():
    with pytest.raises(ValueError, match="`mode`"):
        SimulationConfig(mode="chain")
    with pytest.raises(ValueError, match="`use_raw_price`"):
        SimulationConfig(use_raw_price=True, use_alt_lamb=True)
    with pytest.raises(ValueError, match="use_raw_price"):
        gradient_step(
            gradient_init(jnp.ones(2), use_alt_lamb=True),
            jnp.ones(2),
            0.5,
            alt_lamb=0.6,
            use_raw_price=True,
        )


def test_contract_parameters_round_trip():
    config = SimulationConfig(mode="protocol", use_pre_exp_scaling=True, use_raw_price=True)
    given = dict(
        kappa=[200.0, 400.0],
        lamb=0.9,
        width=[0.5, 1.5],
        amplitude=[0.1, 0.2],
        exponents=[2.5, 3.5],
        inverse_scaling=[0.8, 1.0],
        pre_exp_scaling=[0.5, 0.3],
    )
    pool = pool_from_contract(MeanReversionChannelPool, config, n_assets=2, **given)
    parameters = contract_parameters(pool, config)
    for name, value in given.items():
        key = "lambda" if name == "lamb" else name
        np.testing.assert_allclose(parameters[key], value, rtol=1e-12)
    assert parameters["use_raw_price"] is True
    assert parameters["absolute_weight_guard_rail"] == config.minimum_weight_for(2)
    assert len(parameters["lambda"]) == 1  # a scalar lambda stays shared, as on chain


def test_pool_from_contract_errors_name_the_parameter():
    config = SimulationConfig(max_memory_days=30.0)
    with pytest.raises(ValueError, match="`lamb`.*max_memory_days"):
        pool_from_contract(MomentumPool, config, n_assets=2, kappa=1.0, lamb=0.999)
    with pytest.raises(ValueError, match="`kappa`"):
        pool_from_contract(MomentumPool, config, n_assets=2, kappa=-1.0, lamb=0.7)
    with pytest.raises(ValueError, match="`kappa`.*length"):
        pool_from_contract(MomentumPool, config, n_assets=2, kappa=[1.0] * 3, lamb=0.7)
    with pytest.raises(ValueError, match="channel parameters"):
        pool_from_contract(MomentumPool, config, n_assets=2, kappa=1.0, lamb=0.7, width=1.0)
    with pytest.raises(ValueError, match="needs"):
        pool_from_contract(MeanReversionChannelPool, config, n_assets=2, kappa=1.0, lamb=0.7)
    with pytest.raises(ValueError, match="use_pre_exp_scaling"):
        pool_from_contract(
            MeanReversionChannelPool,
            SimulationConfig(use_pre_exp_scaling=False),
            n_assets=2,
            kappa=1.0,
            lamb=0.7,
            width=1.0,
            amplitude=1.0,
            exponents=1.0,
            pre_exp_scaling=0.3,
        )
    with pytest.raises(ValueError, match="use_alt_lamb"):
        pool = MomentumPool.from_memory_days(n_assets=2)
        contract_parameters(pool, SimulationConfig(use_alt_lamb=True))


def test_channel_inverse_scaling_is_validated_and_frozen():
    with pytest.raises(ValueError, match="`inverse_scaling`"):
        MeanReversionChannelPool.from_memory_days(n_assets=2, inverse_scaling=0.0)
    pool = MeanReversionChannelPool.from_memory_days(n_assets=2)
    assert pool.inverse_scaling.tolist() == [0.5415, 0.5415]

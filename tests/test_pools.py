"""Pools: rules and invariants, streaming vs sequence, transformations, constructors, errors."""

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import POOL_CLASSES, pools, scenarios

from quantamm_eqx import (
    AbstractGradientPool,
    AntiMomentumPool,
    MeanReversionChannelPool,
    MomentumPool,
    SimulationConfig,
    parameter_specs,
    trainable_filter,
)
from quantamm_eqx.pools import channel_signal, momentum_weight_change, zero_sum_weight_change
from quantamm_eqx.transforms import lamb_to_memory_days

CONFIG = SimulationConfig(chunk_period=60, weight_interpolation_period=60, max_memory_days=30.0)


def sample_prices(n_minutes=24 * 60 + 1, n_assets=3, seed=0):
    rng = np.random.default_rng(seed)
    return 100.0 * np.exp(np.cumsum(rng.normal(0.0, 1e-3, (n_minutes, n_assets)), axis=0))


def default_pool(pool_class, n_assets=3):
    return pool_class.from_memory_days(n_assets=n_assets, memory_days=2.0, chunk_period=60)


# --- rules and their invariants --------------------------------------------------------------

gradient_rows = st.integers(2, 5).flatmap(
    lambda n: st.tuples(
        hnp.arrays(np.float64, (3, n), elements=st.floats(-0.5, 0.5)),
        hnp.arrays(np.float64, n, elements=st.floats(1e-2, 1e4)),
    )
)


@given(gradient_rows)
def test_momentum_update_sums_to_zero(inputs):
    gradient, k = inputs
    update = momentum_weight_change(jnp.asarray(gradient), jnp.asarray(k))
    scale = np.sum(np.abs(k)) * np.max(np.abs(gradient), initial=1e-300)
    assert np.all(np.abs(np.sum(update, axis=-1)) <= 1e-12 * scale)


@given(gradient_rows, st.floats(0.05, 5.0), st.floats(0.05, 5.0), st.floats(0.1, 4.0))
def test_channel_update_sums_to_zero(inputs, width, amplitude, exponents):
    gradient, k = inputs
    signal = channel_signal(jnp.asarray(gradient), width, amplitude, exponents, 0.5)
    update = zero_sum_weight_change(signal, jnp.asarray(k))
    scale = np.sum(np.abs(k)) * np.max(np.abs(signal), initial=1e-300)
    assert np.all(np.abs(np.sum(update, axis=-1)) <= 1e-12 * scale)


@pytest.mark.slow  # run by `nox -s slow`: 13 s (the golden anti-momentum parity stays)
@given(st.integers(2, 4).flatmap(lambda n: pools(MomentumPool, n)), st.integers(0, 2**31))
def test_anti_momentum_is_minus_momentum(momentum, seed):
    anti = AntiMomentumPool(**{name: getattr(momentum, name) for name in parameter_specs(momentum)})
    prices = sample_prices(n_minutes=6 * 60 + 1, n_assets=momentum.n_assets, seed=seed % 1000)
    np.testing.assert_array_equal(
        anti.rule_outputs(prices, CONFIG), -momentum.rule_outputs(prices, CONFIG)
    )


def test_shared_k_is_zero_sum():
    # A length-1 k is broadcast over assets, so the update is k * (g - mean(g)).
    gradient = jnp.array([0.03, 0.01, -0.01])
    update = momentum_weight_change(gradient, jnp.array([2.0]))
    np.testing.assert_allclose(update, 2.0 * (gradient - gradient.mean()), rtol=1e-14, atol=1e-16)


def test_momentum_update_is_zero_where_k_is_zero():
    update = momentum_weight_change(jnp.array([0.03, 0.01, -0.01]), jnp.array([0.0, 1.0, 1.0]))
    assert float(update[0]) == 0.0 and float(update.sum()) == pytest.approx(0.0, abs=1e-15)


@given(
    width=st.floats(0.05, 5.0),
    amplitude=st.floats(0.05, 5.0),
    exponents=st.floats(0.2, 4.0),
    pre_exp_scaling=st.floats(0.1, 2.0),
    sign=st.sampled_from([-1.0, 1.0]),
)
def test_channel_opposes_small_moves_and_follows_large_ones(
    width, amplitude, exponents, pre_exp_scaling, sign
):
    def signal(g):
        return float(
            channel_signal(jnp.array([g]), width, amplitude, exponents, pre_exp_scaling)[0]
        )

    small, large = sign * 1e-3 * width, sign * 12.0 * width
    assert np.sign(signal(small)) == -sign
    assert np.sign(signal(large)) == sign


def test_channel_gradient_is_finite_at_zero_gradient():
    def total(exponents):
        return channel_signal(jnp.array([0.0, 0.01]), 1.0, 1.0, exponents, 0.5).sum()

    assert bool(jnp.all(jnp.isfinite(jax.grad(total)(jnp.array([0.5, 2.0])))))


# --- streaming == sequence ---------------------------------------------------------------------


@pytest.mark.slow  # run by `nox -s slow`: over 15 s on 2 cores (the Python loop of `step` and
# the estimator's and the weights' no-lookahead checks stay in the default run)
@given(scenarios())
def test_scanning_step_equals_rule_outputs(scenario):
    pool, config, prices = scenario
    coarse = jnp.asarray(prices[:: config.chunk_period])
    step = functools.partial(pool.step, config=config)
    _, scanned = jax.lax.scan(step, pool.init_state(coarse[0], config), coarse[1:])
    outputs = pool.rule_outputs(prices, config)
    assert outputs.shape == (coarse.shape[0] - 1, pool.n_assets)
    np.testing.assert_allclose(
        scanned, outputs, rtol=1e-13, atol=1e-13 * float(jnp.abs(outputs).max(initial=1.0))
    )


@pytest.mark.parametrize("pool_class", POOL_CLASSES)
def test_python_loop_of_step_equals_rule_outputs(pool_class):
    pool, prices = default_pool(pool_class), sample_prices()
    coarse = prices[:: CONFIG.chunk_period]
    state, rows = pool.init_state(coarse[0], CONFIG), []
    for price in coarse[1:]:
        state, change = pool.step(state, price, CONFIG)
        rows.append(change)
    np.testing.assert_allclose(
        np.stack(rows), pool.rule_outputs(prices, CONFIG), rtol=1e-13, atol=1e-16
    )


@pytest.mark.parametrize("pool_class", POOL_CLASSES)
def test_associative_estimator_gives_the_same_rule_outputs(pool_class):
    pool, prices = default_pool(pool_class), sample_prices()
    np.testing.assert_allclose(
        pool.rule_outputs(prices, CONFIG, method="associative"),
        pool.rule_outputs(prices, CONFIG),
        rtol=1e-9,
        atol=1e-12,
    )


@pytest.mark.slow  # run by `nox -s slow`: over 15 s on 2 cores (the Python loop of `step` and
# the estimator's and the weights' no-lookahead checks stay in the default run)
@given(scenarios(), st.integers(1, 1000), st.floats(0.5, 2.0))
def test_rule_outputs_have_no_lookahead(scenario, cut, factor):
    pool, config, prices = scenario
    cut = 1 + cut % (prices.shape[0] - 1)  # first perturbed minute
    perturbed = prices.copy()
    perturbed[cut:] *= factor
    before, after = pool.rule_outputs(prices, config), pool.rule_outputs(perturbed, config)
    # Row r is decided at minute (r + 1) * chunk_period.
    decided_before = (np.arange(before.shape[0]) + 1) * config.chunk_period < cut
    np.testing.assert_array_equal(before[decided_before], after[decided_before])


# --- transformations ---------------------------------------------------------------------------


@pytest.mark.parametrize("pool_class", POOL_CLASSES)
def test_filter_grad_gives_a_pool_of_finite_gradients(pool_class):
    pool = default_pool(pool_class)
    prices = sample_prices()
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60, use_alt_lamb=True)

    @eqx.filter_grad
    def grad(pool):
        return jnp.sum(pool.rule_outputs(prices, config) ** 2)

    grads = grad(pool)
    assert type(grads) is pool_class
    assert jax.tree_util.tree_structure(grads) == jax.tree_util.tree_structure(pool)
    assert all(bool(jnp.all(jnp.isfinite(leaf))) for leaf in jax.tree_util.tree_leaves(grads))
    assert float(jnp.abs(grads.logit_lamb).sum()) > 0
    np.testing.assert_array_equal(grads.initial_weights_logits, 0.0)


@pytest.mark.parametrize("pool_class", POOL_CLASSES)
def test_filter_vmap_over_stacked_pools_equals_a_loop(pool_class):
    members = [
        pool_class.from_memory_days(n_assets=3, memory_days=days, k_per_day=k, chunk_period=60)
        for days, k in [(1.0, 5.0), (3.0, 20.0), (10.0, 50.0)]
    ]
    stacked = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *members)
    prices = sample_prices()
    batched = eqx.filter_vmap(lambda pool: pool.rule_outputs(prices, CONFIG))(stacked)
    looped = jnp.stack([pool.rule_outputs(prices, CONFIG) for pool in members])
    np.testing.assert_allclose(batched, looped, rtol=1e-13, atol=1e-16)


def test_jit_compiles_once_per_shape_and_configuration():
    @eqx.filter_jit
    @eqx.debug.assert_max_traces(max_traces=2)
    def outputs(pool, prices, config):
        return pool.rule_outputs(prices, config)

    prices = jnp.asarray(sample_prices())
    for days in (1.0, 2.0, 5.0):  # new parameter values: no retrace
        outputs(MomentumPool.from_memory_days(3, memory_days=days, chunk_period=60), prices, CONFIG)
    other = SimulationConfig(chunk_period=60, weight_interpolation_period=60, use_alt_lamb=True)
    outputs(default_pool(MomentumPool), prices, other)  # new static configuration: one retrace
    with pytest.raises(RuntimeError, match="traced"):
        outputs(default_pool(MomentumPool), prices[:-60], CONFIG)  # a third trace


def test_update_with_tree_at():
    pool = default_pool(MomentumPool)
    faster = eqx.tree_at(lambda p: p.log_k, pool, pool.log_k + 1.0)
    np.testing.assert_allclose(faster.k(CONFIG), 2.0 * pool.k(CONFIG), rtol=1e-14)
    np.testing.assert_array_equal(faster.logit_lamb, pool.logit_lamb)


@pytest.mark.parametrize("pool_class", POOL_CLASSES)
def test_float32_pool_and_prices_stay_float32(pool_class):
    pool = jax.tree_util.tree_map(lambda x: x.astype(jnp.float32), default_pool(pool_class))
    prices = sample_prices().astype(np.float32)
    with jax.numpy_dtype_promotion("strict"):
        outputs32 = pool.rule_outputs(prices, CONFIG)
    assert outputs32.dtype == jnp.float32
    outputs64 = default_pool(pool_class).rule_outputs(sample_prices(), CONFIG)
    scale = float(jnp.abs(outputs64).max())
    np.testing.assert_allclose(outputs32, outputs64, rtol=1e-3, atol=1e-3 * scale)


# --- constrained values and constructors -------------------------------------------------------


def test_momentum_from_memory_days_round_trips_human_units():
    pool = MomentumPool.from_memory_days(
        n_assets=3,
        memory_days=[2.0, 5.0, 10.0],
        k_per_day=20.0,
        initial_weights=[1, 2, 1],
        chunk_period=60,
    )
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    np.testing.assert_allclose(pool.memory_days(config), [2.0, 5.0, 10.0], rtol=1e-10)
    np.testing.assert_allclose(pool.k(config), [40.0, 100.0, 200.0], rtol=1e-10)
    np.testing.assert_allclose(pool.initial_weights, [0.25, 0.5, 0.25], rtol=1e-14)
    np.testing.assert_array_equal(pool.logit_delta_lamb, 0.0)


def test_memory_days_are_clipped_to_the_cap():
    pool = MomentumPool.from_memory_days(n_assets=2, memory_days=[5.0, 100.0], chunk_period=60)
    np.testing.assert_allclose(pool.memory_days(CONFIG), [5.0, 30.0], rtol=1e-10)
    capped, _ = pool.estimator_decays(CONFIG)
    # The cap is the reference's closed-form value, 2.4e-9 (relative) short of 30 days here.
    np.testing.assert_allclose(lamb_to_memory_days(capped, 60), [5.0, 30.0], rtol=1e-8)


def test_alt_memory_days():
    pool = AntiMomentumPool.from_memory_days(
        n_assets=2, memory_days=5.0, alt_memory_days=[2.0, 8.0], chunk_period=60
    )
    np.testing.assert_allclose(lamb_to_memory_days(pool.alt_lamb, 60), [2.0, 8.0], rtol=1e-10)
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60, use_alt_lamb=True)
    _, alt = pool.estimator_decays(config)
    np.testing.assert_allclose(alt, pool.alt_lamb, rtol=1e-15)


def test_channel_from_memory_days_round_trips_human_units():
    pool = MeanReversionChannelPool.from_memory_days(
        n_assets=2,
        memory_days=4.0,
        k_per_day=[10.0, 30.0],
        width=0.2,
        amplitude_per_day=2.0,
        exponents=1.5,
        pre_exp_scaling=0.25,
        chunk_period=60,
    )
    np.testing.assert_allclose(pool.k(CONFIG), [40.0, 120.0], rtol=1e-10)
    np.testing.assert_allclose(pool.width, 0.2, rtol=1e-12)
    np.testing.assert_allclose(pool.amplitude(CONFIG), 8.0, rtol=1e-10)
    np.testing.assert_allclose(pool.exponents, 1.5, rtol=1e-12)
    np.testing.assert_allclose(pool.pre_exp_scaling(CONFIG), 0.25, rtol=1e-12)
    no_scaling = SimulationConfig(use_pre_exp_scaling=False)
    assert pool.pre_exp_scaling(no_scaling) == 0.5


def test_scalar_strategy_fields_broadcast():
    pool = MomentumPool(
        log_k=jnp.array([3.0]),
        logit_lamb=jnp.array([2.0]),
        logit_delta_lamb=jnp.array([0.0]),
        initial_weights_logits=jnp.zeros(4),
    )
    outputs = pool.rule_outputs(sample_prices(n_assets=4), CONFIG)
    assert outputs.shape == (24, 4)
    np.testing.assert_allclose(outputs.sum(axis=1), 0.0, atol=1e-14)


# --- parameter metadata and training filter ----------------------------------------------------


@pytest.mark.parametrize("pool_class", POOL_CLASSES)
def test_every_stored_field_has_a_spec(pool_class):
    specs = parameter_specs(pool_class)
    pool = default_pool(pool_class)
    array_fields = [name for name in vars(pool) if isinstance(getattr(pool, name), jax.Array)]
    assert sorted(specs) == sorted(array_fields)
    for spec in specs.values():
        assert spec.description and spec.low < spec.high and spec.low <= spec.initial <= spec.high
    frozen = ["initial_weights_logits"]
    if pool_class is MeanReversionChannelPool:
        frozen.append("inverse_scaling")
    assert [name for name, spec in specs.items() if not spec.trainable] == frozen


def test_channel_search_ranges_are_the_references():
    specs = parameter_specs(MeanReversionChannelPool)
    assert (specs["sp_k"].low, specs["sp_k"].high) == (-1.0, 100.0)
    assert (specs["sp_width"].low, specs["sp_width"].high) == (-3.0, 3.0)


def test_trainable_filter_freezes_initial_weights():
    pool = default_pool(MeanReversionChannelPool)
    params, frozen = eqx.partition(pool, trainable_filter(pool))
    assert params.initial_weights_logits is None and params.sp_k is not None
    assert frozen.initial_weights_logits is not None and frozen.sp_k is None
    assert isinstance(eqx.combine(params, frozen), AbstractGradientPool)
    assert params.inverse_scaling is None and frozen.inverse_scaling is not None


# --- configuration -----------------------------------------------------------------------------


def test_config_is_hashable_static_and_equal_by_value():
    a = SimulationConfig(chunk_period=60, weight_interpolation_period=30)
    b = SimulationConfig(chunk_period=60.0, weight_interpolation_period=np.int64(30))
    assert a == b and hash(a) == hash(b)
    assert jax.tree_util.tree_leaves(a) == []
    assert type(a.chunk_period) is int and type(a.maximum_change) is float


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"chunk_period": 0}, "`chunk_period` must be a positive number of minutes"),
        ({"chunk_period": 1.5}, "`chunk_period` must be a whole number"),
        (
            {"weight_interpolation_period": 2000},
            r"`weight_interpolation_period` must lie in \[1, chunk_period=1440\]",
        ),
        ({"maximum_change": 0.0}, "`maximum_change` must be positive"),
        ({"maximum_change": float("nan")}, "`maximum_change` must be positive"),
        ({"minimum_weight": 1.0}, r"`minimum_weight` must be None .* or lie in \(0, 1\)"),
        ({"minimum_weight": 0.0}, r"`minimum_weight` must be None .* or lie in \(0, 1\)"),
        ({"max_memory_days": -1.0}, "`max_memory_days` must be positive"),
        ({"max_memory_days": 1e-5}, r"`max_memory_days` must give a decay cap in \(0, 1\)"),
        ({"interpolation": "cubic"}, "`interpolation` must be one of"),
        ({"use_alt_lamb": "yes"}, "`use_alt_lamb` must be True or False"),
        ({"initial_pool_value": 0.0}, "`initial_pool_value` must be positive"),
        ({"fees": 1.0}, r"`fees` must lie in \[0, 1\)"),
        ({"gas_cost": -0.1}, "`gas_cost` must be finite and >= 0"),
        ({"arb_fees": -0.1}, r"`arb_fees` must lie in \[0, 1\)"),
        ({"fees": "0.3"}, "`fees` must be a number"),
    ],
)
def test_config_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SimulationConfig(**kwargs)


def test_minimum_weight_must_leave_room_for_the_other_assets():
    assert SimulationConfig().minimum_weight_for(4) == 0.025
    with pytest.raises(
        ValueError, match=r"`minimum_weight` \* n_assets must be < 1 .*; got 0.4 \* 3"
    ):
        SimulationConfig(minimum_weight=0.4).minimum_weight_for(3)


# --- bad input ---------------------------------------------------------------------------------


def test_pool_rejects_field_lengths_that_disagree():
    with pytest.raises(ValueError, match="`log_k` must be a vector of length 1 or n_assets=3"):
        MomentumPool(
            log_k=jnp.ones(2),
            logit_lamb=jnp.ones(3),
            logit_delta_lamb=jnp.zeros(3),
            initial_weights_logits=jnp.zeros(3),
        )
    with pytest.raises(
        ValueError, match="`initial_weights_logits` must be a vector with one entry per asset"
    ):
        MomentumPool(
            log_k=jnp.ones(1),
            logit_lamb=jnp.ones(1),
            logit_delta_lamb=jnp.zeros(1),
            initial_weights_logits=jnp.zeros(1),
        )


def test_pool_rejects_non_finite_parameters():
    pool = default_pool(MeanReversionChannelPool)
    fields = {name: getattr(pool, name) for name in parameter_specs(pool)}
    with pytest.raises(ValueError, match="`sp_width` must be finite"):
        MeanReversionChannelPool(**{**fields, "sp_width": jnp.array([1.0, jnp.nan, 1.0])})


def test_prices_must_have_one_column_per_asset():
    pool = default_pool(MomentumPool, n_assets=3)
    with pytest.raises(ValueError, match="`prices` has 2 asset column.* n_assets=3"):
        pool.rule_outputs(sample_prices(n_assets=2), CONFIG)
    with pytest.raises(ValueError, match="`first_price` has 4 asset column.* n_assets=3"):
        pool.init_state(jnp.ones(4), CONFIG)
    with pytest.raises(ValueError, match="`prices` must contain only finite, strictly positive"):
        pool.rule_outputs(-sample_prices(), CONFIG)


def test_step_rejects_a_state_from_another_configuration():
    pool = default_pool(MomentumPool)
    state = pool.init_state(jnp.ones(3), CONFIG)
    alt = SimulationConfig(chunk_period=60, weight_interpolation_period=60, use_alt_lamb=True)
    with pytest.raises(ValueError, match="`state` does not match `config.use_alt_lamb`"):
        pool.step(state, jnp.ones(3), alt)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"memory_days": 0.0}, "`memory_days` must be positive and finite"),
        ({"k_per_day": [1.0, -1.0, 1.0]}, "`k_per_day` must be positive and finite"),
        (
            {"memory_days": [1.0, 2.0]},
            "`memory_days` must be a scalar or a vector of length 1 or n_assets=3",
        ),
        ({"initial_weights": [0.5, 0.5, 0.0]}, "`initial_weights` must be positive and finite"),
        ({"n_assets": 1}, "`n_assets` must be an integer >= 2"),
        ({"memory_days": 1e300}, r"`memory_days` \[1e\+300, .* is out of range at chunk_period"),
    ],
)
def test_from_memory_days_rejects_bad_human_units(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MomentumPool.from_memory_days(**{"n_assets": 3, **kwargs})

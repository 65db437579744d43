"""Composition: ensembles of pools and per-asset weight bounds."""

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import bouts, compile_bound

from quantamm_eqx import (
    AntiMomentumPool,
    BoundedPool,
    Ensemble,
    MeanReversionChannelPool,
    MomentumPool,
    SimulationConfig,
    fit,
    minute_weights,
    simulate,
    trainable_filter,
)
from quantamm_eqx.weights import apply_weight_bounds

CONFIG = SimulationConfig(chunk_period=60, weight_interpolation_period=60, max_memory_days=30.0)
POOL_CLASSES = [MomentumPool, AntiMomentumPool, MeanReversionChannelPool]


def _prices(days=4, n_assets=3, seed=0):
    rng = np.random.default_rng(seed)
    drift = np.linspace(2e-5, -2e-5, n_assets)
    steps = drift + rng.normal(0, 1e-3, (days * 1440, n_assets))
    return 100 * np.exp(np.cumsum(steps, axis=0))


def _pool(pool_class, memory_days=1.0, n_assets=3):
    return pool_class.from_memory_days(
        n_assets=n_assets, memory_days=memory_days, k_per_day=20.0, chunk_period=60
    )


# --- Ensemble --------------------------------------------------------------------------------


@pytest.mark.parametrize("pool_class", POOL_CLASSES)
@pytest.mark.parametrize("learn_mixing", [False, True])
def test_an_ensemble_of_identical_members_is_that_member(pool_class, learn_mixing):
    pool = _pool(pool_class)
    ensemble = Ensemble([pool, pool, pool], learn_mixing=learn_mixing)
    prices = _prices()
    np.testing.assert_allclose(
        ensemble.rule_outputs(prices, CONFIG), pool.rule_outputs(prices, CONFIG), rtol=1e-14,
        atol=1e-16,
    )  # fmt: skip
    alone = simulate(pool, prices, CONFIG, start_index=1440, bout_length=2 * 1440)
    mixed = simulate(ensemble, prices, CONFIG, start_index=1440, bout_length=2 * 1440)
    np.testing.assert_allclose(mixed.weights, alone.weights, rtol=0, atol=1e-13)
    np.testing.assert_allclose(mixed.values, alone.values, rtol=1e-12)


def test_a_mixed_ensemble_mixes_rule_outputs_before_the_guardrails():
    members = [_pool(MomentumPool, 1.0), _pool(MeanReversionChannelPool, 3.0)]
    ensemble = Ensemble(members, mixing=[3.0, 1.0])
    prices = _prices()
    outputs = [member.rule_outputs(prices, CONFIG) for member in members]
    mixed = ensemble.rule_outputs(prices, CONFIG)
    np.testing.assert_allclose(mixed, 0.75 * outputs[0] + 0.25 * outputs[1], rtol=1e-12)
    np.testing.assert_allclose(mixed.sum(axis=1), 0.0, atol=1e-14)  # zero-sum
    assert ensemble.n_assets == 3 and ensemble.mixing.tolist() == pytest.approx([0.75, 0.25])


def test_ensemble_streaming_matches_the_sequence():
    ensemble = Ensemble([_pool(MomentumPool, 1.0), _pool(AntiMomentumPool, 2.0)])
    coarse = jnp.asarray(_prices()[::60])
    state = ensemble.init_state(coarse[0], CONFIG)
    changes = []
    for price in coarse[1:]:
        state, change = ensemble.step(state, price, CONFIG)
        changes.append(change)
    np.testing.assert_allclose(
        jnp.stack(changes), ensemble.rule_outputs(_prices()[: 60 * (len(coarse) - 1) + 1], CONFIG),
        rtol=1e-12, atol=1e-15,
    )  # fmt: skip


def test_fit_trains_an_ensemble_and_its_mixing():
    members = [_pool(MomentumPool, 1.0), _pool(MeanReversionChannelPool, 2.0)]
    ensemble = Ensemble(members, learn_mixing=True)
    result = fit(
        ensemble, _prices(days=6), CONFIG, bout_length=2 * 1440, steps=4,
        key=jax.random.key(0), batch_size=2, steps_per_chunk=2, progress=False,
        objective="returns",
    )  # fmt: skip
    trained = result.pool
    assert isinstance(trained, Ensemble)
    assert not np.allclose(trained.mixing_logits, ensemble.mixing_logits)
    assert not np.allclose(trained.members[0].log_k, members[0].log_k)
    for before, after in zip(members, trained.members, strict=True):  # frozen fields stay
        np.testing.assert_array_equal(after.initial_weights_logits, before.initial_weights_logits)
    np.testing.assert_array_equal(trained.members[1].inverse_scaling, members[1].inverse_scaling)


def test_ensemble_errors_name_the_argument():
    with pytest.raises(ValueError, match="`members` must be a non-empty"):
        Ensemble([])
    with pytest.raises(ValueError, match="share n_assets"):
        Ensemble([_pool(MomentumPool, n_assets=2), _pool(MomentumPool, n_assets=3)])
    with pytest.raises(ValueError, match="`mixing`"):
        Ensemble([_pool(MomentumPool)] * 2, mixing=[1.0])
    with pytest.raises(ValueError, match="positive, finite weight"):
        Ensemble([_pool(MomentumPool)] * 2, mixing=[np.inf, 1.0])
    stacked = jax.tree_util.tree_map(lambda *x: jnp.stack(x), *[_pool(MomentumPool)] * 2)
    with pytest.raises(ValueError, match="not stacked populations; .* stack them"):
        Ensemble([stacked, stacked])


# Learnt mixing (True) is trained by test_fit_trains_an_ensemble_and_its_mixing by default.
@pytest.mark.parametrize("learn_mixing", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_fixed_mixing_is_not_trained(learn_mixing):
    members = [_pool(MomentumPool, 1.0), _pool(MeanReversionChannelPool, 2.0)]
    ensemble = Ensemble(members, mixing=[0.3, 0.7], learn_mixing=learn_mixing)
    assert trainable_filter(ensemble).mixing_logits is learn_mixing
    result = fit(
        ensemble, _prices(days=6), CONFIG, bout_length=2 * 1440, steps=2,
        key=jax.random.key(0), batch_size=2, steps_per_chunk=2, progress=False,
        objective="returns",
    )  # fmt: skip
    unchanged = np.array_equal(result.pool.mixing_logits, ensemble.mixing_logits)
    assert unchanged is not learn_mixing


# --- per-asset bounds -----------------------------------------------------------------------


@st.composite
def bounded_bouts(draw):
    """A bout of a pool bounded per asset, inside the configuration's uniform guardrails."""
    pool, config, prices, start_index, bout_length = draw(bouts())
    config = dataclasses.replace(config, interpolation="linear")
    n_assets = pool.n_assets
    floor = config.minimum_weight_for(n_assets)
    ceiling = 1 - (n_assets - 1) * floor
    initial = np.asarray(pool.initial_weights)
    unit = st.floats(0.0, 1.0)
    low = floor + np.array([draw(unit) for _ in range(n_assets)]) * (initial - floor)
    high = initial + np.array([draw(unit) for _ in range(n_assets)]) * (ceiling - initial)
    bounds = (np.minimum(low, initial), np.maximum(high, initial))
    return pool, bounds, config, prices, start_index, bout_length


@compile_bound()
@given(bounded_bouts())
def test_bounds_hold_on_every_minute(case):
    pool, bounds, config, prices, start_index, bout_length = case
    # Built here, not in the strategy: the test run's type checks draw from `random`.
    pool = BoundedPool(pool, *bounds)
    weights = np.asarray(
        minute_weights(pool, prices, config, start_index=start_index, bout_length=bout_length)
    )
    low, high = (np.asarray(bound) for bound in pool.weight_bounds())
    assert np.all(weights >= low - 1e-12) and np.all(weights <= high + 1e-12)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=0, atol=1e-12)


@given(st.integers(2, 6), st.data())
def test_apply_weight_bounds_respects_feasible_bounds(n_assets, data):
    draw = data.draw
    unit = st.floats(1e-3, 1.0)
    target = np.array([draw(unit) for _ in range(n_assets)])
    target /= target.sum()  # a point inside the bounds makes them feasible
    low = target * np.array([draw(st.floats(0.0, 1.0)) for _ in range(n_assets)])
    high = target + (1 - target) * np.array([draw(st.floats(0.0, 1.0)) for _ in range(n_assets)])
    weights = np.array([draw(unit) for _ in range(n_assets)])
    bounded = np.asarray(
        apply_weight_bounds(
            jnp.asarray(weights / weights.sum()), jnp.asarray(low), jnp.asarray(high)
        )
    )
    assert np.all(bounded >= low - 1e-12) and np.all(bounded <= high + 1e-12)
    assert abs(bounded.sum() - 1) < 1e-12


def test_bounds_bind_where_the_rule_would_go_further():
    pool = _pool(MomentumPool, 1.0, n_assets=2)
    config = dataclasses.replace(CONFIG, maximum_change=1e-3)
    prices = np.exp(np.cumsum(np.full((3 * 1440, 2), [2e-4, -2e-4]), axis=0))
    free = minute_weights(pool, prices, config, start_index=60, bout_length=2 * 1440)
    bounded = minute_weights(
        BoundedPool(pool, [0.2, 0.3], [0.6, 0.8]), prices, config, start_index=60,
        bout_length=2 * 1440,
    )  # fmt: skip
    assert float(free[:, 0].max()) > 0.6 + 1e-3
    assert float(bounded[:, 0].max()) == pytest.approx(0.6, abs=1e-12)


@pytest.mark.parametrize("learnable", [False, True])
def test_bounds_are_frozen_unless_learnable(learnable):
    # Asset 0 trends up and momentum holds it at its maximum: a higher maximum pays.
    prices = np.exp(np.cumsum(np.full((6 * 1440, 2), [2e-5, -2e-5]), axis=0))
    pool = BoundedPool(_pool(MomentumPool, n_assets=2), 0.2, [0.6, 0.8], learnable=learnable)
    mask = trainable_filter(pool)
    assert mask.minimum_weights is learnable and mask.maximum_weights is learnable
    assert mask.pool.log_k is True and mask.pool.initial_weights_logits is False
    result = fit(
        pool, prices, CONFIG, bout_length=2 * 1440, steps=4, key=jax.random.key(1),
        batch_size=2, steps_per_chunk=2, progress=False, objective="returns",
    )  # fmt: skip
    if learnable:
        assert float(result.pool.maximum_weights[0]) > 0.6 + 1e-3
    else:
        assert bool(eqx.tree_equal(result.pool.minimum_weights, pool.minimum_weights))
        assert bool(eqx.tree_equal(result.pool.maximum_weights, pool.maximum_weights))


def test_a_bounded_ensemble():
    ensemble = Ensemble([_pool(MomentumPool, 1.0), _pool(MeanReversionChannelPool, 2.0)])
    pool = BoundedPool(ensemble, [0.2, 0.2, 0.2], [0.5, 0.5, 0.5])
    weights = minute_weights(pool, _prices(), CONFIG, start_index=1440, bout_length=1440)
    assert float(weights.min()) >= 0.2 - 1e-12 and float(weights.max()) <= 0.5 + 1e-12


def test_bounds_around_a_stacked_population_apply_to_every_member():
    members = [_pool(MomentumPool, days) for days in (1.0, 2.0, 3.0, 4.0)]
    stacked = jax.tree_util.tree_map(lambda *x: jnp.stack(x), *members)
    pool = BoundedPool(stacked, 0.05, [0.4, 0.9, 0.9])
    assert pool.minimum_weights.shape == pool.maximum_weights.shape == (4, 3)
    prices = _prices()
    weights = eqx.filter_vmap(
        lambda member: minute_weights(member, prices, CONFIG, start_index=1440, bout_length=1440)
    )(pool)
    assert weights.shape[0] == 4 and float(weights[..., 0].max()) <= 0.4 + 1e-12
    for index, member in enumerate(members):  # each member bounded as on its own
        alone = minute_weights(
            BoundedPool(member, 0.05, [0.4, 0.9, 0.9]), prices, CONFIG,
            start_index=1440, bout_length=1440,
        )  # fmt: skip
        np.testing.assert_allclose(weights[index], alone, rtol=0, atol=1e-13)


def test_trained_bounds_stay_feasible_and_trainable():
    pool = BoundedPool(_pool(MomentumPool), [0.3, 0.3, 0.1], 0.5, learnable=True)
    # Bounds an optimiser could reach: minimum above maximum, negative, summing over one.
    strayed = eqx.tree_at(
        lambda p: (p.minimum_weights, p.maximum_weights),
        pool,
        (jnp.array([1.22, -0.24, -0.17]), jnp.array([1.21, 0.34, 0.22])),
    )
    low, high = strayed.weight_bounds()
    assert np.all(0 <= low) and np.all(low <= high) and np.all(high <= 1)
    assert float(low.sum()) <= 1 + 1e-15 and float(high.sum()) >= 1 - 1e-15
    grads = jax.grad(lambda p: jnp.sum(jnp.stack(p.weight_bounds()) ** 2))(strayed)
    assert np.all(np.asarray(grads.minimum_weights) != 0)  # straight through the clips
    # Feasible bounds are used exactly as given.
    low, high = pool.weight_bounds()
    np.testing.assert_array_equal(low, pool.minimum_weights)
    np.testing.assert_array_equal(high, pool.maximum_weights)


def test_initial_weights_on_a_bound_in_float32():
    pool = MomentumPool.from_memory_days(n_assets=2, initial_weights=[0.7, 0.3], chunk_period=60)
    pool32 = jax.tree_util.tree_map(lambda x: x.astype(jnp.float32), pool)
    bounded = BoundedPool(pool32, 0.3, 0.7)
    np.testing.assert_allclose(bounded.pool.initial_weights, [0.7, 0.3], rtol=1e-6)


def test_bounded_pool_errors_name_the_fix():
    pool = _pool(MomentumPool)
    with pytest.raises(ValueError, match="0 <= minimum_weights <= maximum_weights <= 1"):
        BoundedPool(pool, 0.5, 0.4)
    with pytest.raises(ValueError, match="sum\\(minimum_weights\\) <= 1"):
        BoundedPool(pool, 0.4, 0.9)
    with pytest.raises(ValueError, match="initial weights .* outside the bounds"):
        BoundedPool(pool, [0.5, 0.0, 0.0], 1.0)
    with pytest.raises(
        ValueError, match="`minimum_weights` must be a scalar or a vector of length 1"
    ):
        BoundedPool(pool, [0.1, 0.1], 0.9)
    with pytest.raises(ValueError, match="not already a BoundedPool"):
        BoundedPool(BoundedPool(pool, 0.1, 0.9), 0.1, 0.9)

"""Minute weights: guardrail invariants, no lookahead, straight-through variants, chunked form."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import bouts, compile_bound

from quantamm_eqx import (
    MomentumPool,
    SimulationConfig,
    minute_weights,
    weight_schedule,
)
from quantamm_eqx.weights import (
    clip_weights,
    coarse_weight_step,
    coarse_weights,
    fix_rounding,
    interpolate_interval,
    limit_change,
)

CONFIG = SimulationConfig(chunk_period=60, weight_interpolation_period=60, max_memory_days=30.0)


def sample_prices(n_minutes=3 * 1440 + 1, n_assets=3, seed=0, volatility=1e-3):
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, volatility, (n_minutes, n_assets))
    return 100.0 * np.exp(np.cumsum(steps, axis=0))


# --- invariants over random pools, prices and configurations ----------------------------------


@compile_bound()
@given(bouts())
def test_minute_weights_respect_the_guardrails(bout):
    pool, config, prices, start_index, bout_length = bout
    weights = np.asarray(
        minute_weights(pool, prices, config, start_index=start_index, bout_length=bout_length)
    )
    n_assets = pool.n_assets
    assert weights.shape == (bout_length - 1, n_assets)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all(weights > 0)
    if config.interpolation == "linear":
        minimum = config.minimum_weight_for(n_assets)
        maximum = 1 - (n_assets - 1) * minimum
        assert np.all(weights >= minimum - 1e-12) and np.all(weights <= maximum + 1e-12)
        steps = np.abs(np.diff(weights, axis=0))
        assert np.all(steps <= config.maximum_change + 1e-12)


@compile_bound()
@given(bouts(), st.integers(0, 10_000), st.floats(0.5, 2.0))
def test_no_lookahead(bout, offset, factor):
    pool, config, prices, start_index, bout_length = bout
    t = start_index + offset % (bout_length - 1)  # perturb prices from minute t on
    perturbed = prices.copy()
    perturbed[t:] *= factor
    kwargs = dict(start_index=start_index, bout_length=bout_length)
    before = minute_weights(pool, prices, config, **kwargs)
    after = minute_weights(pool, perturbed, config, **kwargs)
    rows_before_t = t - start_index  # row i is the weight in force at minute start_index + i
    np.testing.assert_array_equal(before[:rows_before_t], after[:rows_before_t])


# --- the chunked form --------------------------------------------------------------------------


@pytest.mark.slow  # run by `nox -s slow`: 30 s on 2 cores (the `block` doctest stays)
@given(bouts())
def test_schedule_blocks_equal_the_dense_weights(bout):
    pool, config, prices, start_index, bout_length = bout
    schedule = weight_schedule(
        pool, prices, config, start_index=start_index, bout_length=bout_length
    )
    dense = schedule.weights()
    c = config.chunk_period
    blocks = jax.lax.map(schedule.block, jnp.arange(schedule.n_blocks))
    assert blocks.shape == (schedule.n_blocks, c, pool.n_assets)
    assert schedule.n_blocks * c >= bout_length - 1 > (schedule.n_blocks - 1) * c
    # Equal up to rounding: XLA may fuse the interpolation's multiply-add differently in the
    # batched (dense) and the per-block programs, a difference of an ulp or so.
    np.testing.assert_allclose(
        blocks.reshape(-1, pool.n_assets)[: bout_length - 1], dense, rtol=1e-14, atol=0
    )


def test_schedule_is_compact_and_traced_start_works_under_jit():
    pool = MomentumPool.from_memory_days(n_assets=3, memory_days=2.0, chunk_period=60)
    prices = jnp.asarray(sample_prices())
    schedule = weight_schedule(pool, prices, CONFIG, start_index=1440, bout_length=1441)
    assert schedule.starts.shape == (23, 3)  # 24 blocks of 60 minutes hold 1440 rows

    @eqx.filter_jit
    def weights_at(start):
        return minute_weights(pool, prices, CONFIG, start_index=start, bout_length=1441)

    np.testing.assert_allclose(weights_at(jnp.asarray(1440)), schedule.weights(), rtol=1e-14)
    with pytest.raises(Exception, match=r"the bout \[start_index, start_index \+ 1441\) must lie"):
        jax.block_until_ready(weights_at(jnp.asarray(3000)))


# --- the steps of SPEC §4 ----------------------------------------------------------------------


def test_clip_redistributes_to_the_unclipped_weights():
    clipped = clip_weights(jnp.array([0.02, 0.18, 0.8]), 0.1)
    np.testing.assert_allclose(clipped, [0.1, 0.18 * 0.9 / 0.98, 0.8 * 0.9 / 0.98], rtol=1e-14)
    assert float(jnp.abs(fix_rounding(clipped).sum() - 1.0)) <= 1e-16


def test_speed_limit_keeps_direction():
    diff = jnp.array([0.003, -0.001, -0.002])
    limited = limit_change(diff, 1e-3)
    np.testing.assert_allclose(limited, diff * 1e-3 / (0.003 + 1e-10), rtol=1e-14)
    np.testing.assert_array_equal(limit_change(diff / 10, 1e-3), diff / 10)


def test_coarse_scan_carries_the_position_reached_not_the_target():
    config = SimulationConfig(chunk_period=10, weight_interpolation_period=10, maximum_change=1e-3)
    path = coarse_weights(jnp.array([[0.2, -0.2], [0.0, 0.0]]), jnp.array([0.5, 0.5]), config)
    np.testing.assert_allclose(path.targets[0], [0.7, 0.3], rtol=1e-14)
    per_minute = 0.02 * 1e-3 / (0.02 + 1e-10)  # the speed limit, with its 1e-10 guard
    expected = [0.5 + 10 * per_minute, 0.5 - 10 * per_minute]
    np.testing.assert_allclose(path.starts[1], expected, rtol=1e-14)  # not the target
    reached, _ = coarse_weight_step(jnp.array([0.5, 0.5]), jnp.array([0.2, -0.2]), config)
    np.testing.assert_allclose(reached, path.starts[1], rtol=1e-15)


@pytest.mark.parametrize("interpolation", ["linear", "approx_optimal"])
def test_interpolation_reaches_the_end_and_stays(interpolation):
    start, diff = jnp.array([0.3, 0.7]), jnp.array([0.01, -0.01])
    block = interpolate_interval(
        start, diff, chunk_period=8, weight_interpolation_period=5, interpolation=interpolation
    )
    assert block.shape == (8, 2)
    np.testing.assert_allclose(block[0], start, rtol=1e-15)
    np.testing.assert_allclose(block[5:], jnp.broadcast_to(start + 5 * diff, (3, 2)), rtol=1e-15)
    np.testing.assert_allclose(block.sum(axis=1), 1.0, rtol=1e-15)
    assert bool(jnp.all(jnp.diff(block[:, 0]) >= 0))  # monotone towards the end


# --- straight-through variants -----------------------------------------------------------------


def test_straight_through_clip_has_the_same_values_and_a_gradient():
    weights = jnp.array([0.02, 0.18, 0.8])

    def first(x, ste):
        return clip_weights(x, 0.1, straight_through_clip=ste)[0]

    assert float(first(weights, True)) == float(first(weights, False))
    assert float(jax.grad(first)(weights, False)[0]) == 0.0
    assert float(jax.grad(first)(weights, True)[0]) != 0.0


def test_straight_through_speed_limit_has_the_same_values_and_a_gradient():
    diff = jnp.array([0.005, -0.002, -0.003])

    def first(size, ste):  # a move of `size` times `diff`, limited
        return limit_change(size * diff, 1e-3, straight_through_limit=ste)[0]

    assert float(first(1.0, True)) == float(first(1.0, False))
    hard, soft = float(jax.grad(first)(1.0, False)), float(jax.grad(first)(1.0, True))
    assert soft == pytest.approx(0.005)
    assert abs(hard) < 1e-6 * soft  # saturated: only the 1e-10 guard leaves a trace


def test_straight_through_configuration_at_the_pool_level():
    # Strong momentum on trending prices: targets hit the bounds and the speed limit binds.
    prices = np.exp(np.cumsum(np.full((3 * 1440 + 1, 2), [2e-4, -2e-4]), axis=0))
    pool = MomentumPool.from_memory_days(
        n_assets=2, memory_days=1.0, k_per_day=4000.0, chunk_period=60
    )
    hard = SimulationConfig(chunk_period=60, weight_interpolation_period=60, maximum_change=1e-5)
    soft = SimulationConfig(
        chunk_period=60,
        weight_interpolation_period=60,
        maximum_change=1e-5,
        ste_min_max_weight=True,
        ste_max_change=True,
    )

    def final_weight(pool, config):
        weights = minute_weights(pool, prices, config, start_index=1440, bout_length=1441)
        return weights[-1, 1]  # the falling asset, held at the minimum weight

    assert float(final_weight(pool, hard)) == float(final_weight(pool, soft))
    hard_grad = eqx.filter_grad(final_weight)(pool, hard)
    soft_grad = eqx.filter_grad(final_weight)(pool, soft)
    assert float(jnp.abs(hard_grad.log_k).max()) < 1e-12
    assert float(jnp.abs(soft_grad.log_k).max()) > 1e-6


# --- transformations ---------------------------------------------------------------------------


def test_weights_are_differentiable_and_vmappable():
    prices = sample_prices()
    members = [
        MomentumPool.from_memory_days(3, memory_days=d, k_per_day=50.0, chunk_period=60)
        for d in (1.0, 3.0)
    ]
    stacked = jax.tree_util.tree_map(lambda *x: jnp.stack(x), *members)

    def weights(pool):
        return minute_weights(pool, prices, CONFIG, start_index=1440, bout_length=1441)

    batched = eqx.filter_vmap(weights)(stacked)
    np.testing.assert_allclose(batched, jnp.stack([weights(p) for p in members]), rtol=1e-13)
    grads = eqx.filter_grad(lambda pool: jnp.sum(weights(pool)[:, 0] ** 2))(members[0])
    assert all(bool(jnp.all(jnp.isfinite(x))) for x in jax.tree_util.tree_leaves(grads))
    assert float(jnp.abs(grads.log_k).sum()) > 0


def test_float32_weights():
    pool = jax.tree_util.tree_map(
        lambda x: x.astype(jnp.float32),
        MomentumPool.from_memory_days(3, memory_days=2.0, chunk_period=60),
    )
    with jax.numpy_dtype_promotion("strict"):
        weights = minute_weights(
            pool, sample_prices().astype(np.float32), CONFIG, start_index=1440, bout_length=1441
        )
    assert weights.dtype == jnp.float32
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-6)


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start_index, bout_length, message",
    [
        (
            30,
            100,
            r"`start_index` must be at least chunk_period=60, .* asks for minutes \[30, 130\) "
            r"and `prices` covers minutes \[0, 4321\)",
        ),
        (
            4000,
            1000,
            r"runs past the price data: the bout asks for minutes \[4000, 5000\) "
            r"but `prices` covers minutes \[0, 4321\)",
        ),
        (1440, 0, "`bout_length` must be at least 2 minutes"),
        (1440, -5, "`bout_length` must be at least 2 minutes"),
        # Past the data: no negative limit, the latest possible start instead.
        (6000, 1440, r"starts after the price data: .* Start at most at minute 4319"),
        (4320, 2, r"starts after the price data: .* Start at most at minute 4319"),
    ],
)
def test_bad_bouts(start_index, bout_length, message):
    pool = MomentumPool.from_memory_days(n_assets=3, memory_days=2.0, chunk_period=60)
    with pytest.raises(ValueError, match=message):
        minute_weights(
            pool, sample_prices(), CONFIG, start_index=start_index, bout_length=bout_length
        )


def test_a_bout_that_ends_exactly_at_the_data_is_fine():
    pool = MomentumPool.from_memory_days(n_assets=3, memory_days=2.0, chunk_period=60)
    weights = minute_weights(
        pool, sample_prices(), CONFIG, start_index=1440, bout_length=4321 - 1440
    )
    assert weights.shape == (4321 - 1440 - 1, 3)


def test_minimum_weight_too_large_for_the_pool():
    pool = MomentumPool.from_memory_days(n_assets=3, memory_days=2.0, chunk_period=60)
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60, minimum_weight=0.34)
    with pytest.raises(ValueError, match=r"`minimum_weight` \* n_assets must be < 1"):
        minute_weights(pool, sample_prices(), config, start_index=1440, bout_length=200)

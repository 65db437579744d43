"""The training step `fit` is built from: pure, one trace per chunk, populations by member."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from quantamm_eqx import MomentumPool, SimulationConfig, simulate, trainable_filter
from quantamm_eqx.metrics import daily_log_sharpe, turnover
from quantamm_eqx.training import default_optimizer
from quantamm_eqx.training._step import all_finite, build_chunk, build_step

jax.config.update("jax_enable_x64", True)  # as tests/conftest.py

DAY = 1440
CONFIG = SimulationConfig(chunk_period=60, weight_interpolation_period=60, max_memory_days=30.0)


def prices(days=8):
    rng = np.random.default_rng(0)
    return jnp.asarray(100 * np.exp(np.cumsum(rng.normal(0, 2e-4, (days * DAY, 2)), axis=0)))


def build(population, optimizer=None, objective=daily_log_sharpe):
    return build_step(
        prices(), CONFIG, objective=objective, optimizer=optimizer or default_optimizer(),
        bout_length=3 * DAY, n_train=5 * DAY, validate=True, population=population,
    )  # fmt: skip


def test_a_population_step_is_each_member_step():
    members = [MomentumPool.from_memory_days(2, memory_days=d, chunk_period=60) for d in (1, 3)]
    stacked = jax.tree_util.tree_map(lambda *x: jnp.stack(x), *members)
    starts = jnp.array([DAY, DAY + 300])
    params, frozen = eqx.partition(stacked, trainable_filter(stacked))
    training = build(population=True)
    key = jax.random.key(0)
    new, _, record = eqx.filter_jit(training.step)(
        params, frozen, training.init(params), starts, key
    )
    assert record.train_objective.shape == record.val_objective.shape == (2,)
    single = build(population=False)
    for index, pool in enumerate(members):
        alone, fixed = eqx.partition(pool, trainable_filter(pool))
        moved, _, own = eqx.filter_jit(single.step)(alone, fixed, single.init(alone), starts, key)
        np.testing.assert_allclose(new.log_k[index], moved.log_k, rtol=1e-9)
        np.testing.assert_allclose(record.val_objective[index], own.val_objective, rtol=1e-9)


def test_a_chunk_compiles_once_and_skips_non_finite_steps():
    pool = MomentumPool.from_memory_days(2, chunk_period=60)
    params, frozen = eqx.partition(pool, trainable_filter(pool))

    def broken(result):
        return jnp.log(-result.values[-1])  # NaN

    training = build(population=False, optimizer=optax.sgd(0.1), objective=broken)
    chunk = build_chunk(
        training, frozen, batch_size=2, first_start=60, last_start=2 * DAY, steps_per_chunk=2
    )
    state = training.init(params)
    for key in (jax.random.key(0), jax.random.key(1)):  # the second call reuses the trace
        after, state, path, records = chunk(params, state, key, 0, 2)
        assert bool(records.skipped.all()) and records.skipped.shape == (2,)
        assert bool(eqx.tree_equal(after, params))
        assert path.log_k.shape == (2, 2)


def test_all_finite():
    assert bool(all_finite({"a": jnp.ones(2), "b": None}))
    assert not bool(all_finite({"a": jnp.array([1.0, jnp.nan])}))
    assert bool(all_finite({}))


def test_a_chunk_applies_only_its_active_steps_and_its_steps_draw_from_their_index():
    pool = MomentumPool.from_memory_days(2, chunk_period=60)
    params, frozen = eqx.partition(pool, trainable_filter(pool))
    training = build(population=False)
    chunk = build_chunk(
        training, frozen, batch_size=2, first_start=60, last_start=2 * DAY, steps_per_chunk=3
    )
    state, key = training.init(params), jax.random.key(4)
    three, _, path, records = chunk(params, state, key, 0, 3)
    two, state_two, path_two, _ = chunk(params, state, key, 0, 2)
    # Inactive steps leave the parameters (and the path) where the last active one left them.
    assert bool(eqx.tree_equal(two, jax.tree_util.tree_map(lambda leaf: leaf[1], path)))
    assert bool(eqx.tree_equal(path_two.log_k[2], path_two.log_k[1]))
    assert not bool(jnp.allclose(three.log_k, two.log_k))
    # Step 2 of the run is the same whichever chunk runs it.
    resumed, _, _, later = chunk(two, state_two, key, 2, 1)
    np.testing.assert_array_equal(resumed.log_k, three.log_k)
    np.testing.assert_array_equal(later.train_objective[0], records.train_objective[2])


def test_price_noise_and_turnover_penalty_change_the_training_objective_alone():
    pool = MomentumPool.from_memory_days(2, chunk_period=60)
    params, frozen = eqx.partition(pool, trainable_filter(pool))
    starts = jnp.array([DAY, DAY + 500])

    def step(**regularisers):
        training = build_step(
            prices(), CONFIG, objective=daily_log_sharpe, optimizer=optax.sgd(0.0),
            bout_length=3 * DAY, n_train=5 * DAY, validate=True, population=False,
            **regularisers,
        )  # fmt: skip
        compiled = eqx.filter_jit(training.step)
        return lambda key: compiled(params, frozen, training.init(params), starts, key)[2]

    clean = step()(jax.random.key(0))
    noisy = step(price_noise=1e-3)
    first, again, other = (
        noisy(jax.random.key(0)),
        noisy(jax.random.key(0)),
        noisy(jax.random.key(1)),
    )
    assert float(first.train_objective) != float(clean.train_objective)
    assert float(first.train_objective) == float(again.train_objective)  # from the key
    assert float(other.train_objective) != float(first.train_objective)
    assert float(first.val_objective) == float(clean.val_objective)  # validation is clean

    # The penalty is the mean turnover of the step's windows, from the simulations themselves.
    penalised = step(turnover_penalty=2.0)(jax.random.key(0))
    windows = [
        simulate(pool, prices(), CONFIG, start_index=int(start), bout_length=3 * DAY)
        for start in starts
    ]
    expected = 2.0 * np.mean([float(turnover(window)) for window in windows])
    assert expected > 0
    np.testing.assert_allclose(
        float(clean.train_objective - penalised.train_objective), expected, rtol=1e-9
    )
    assert float(penalised.val_objective) == float(clean.val_objective)

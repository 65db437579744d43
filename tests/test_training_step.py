"""The training step `fit` is built from: pure, one trace per chunk, populations by member."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from quantamm_eqx import MomentumPool, SimulationConfig, trainable_filter
from quantamm_eqx.metrics import daily_log_sharpe
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
    new, _, record = eqx.filter_jit(training.step)(params, frozen, training.init(params), starts)
    assert record.train_objective.shape == record.val_objective.shape == (2,)
    single = build(population=False)
    for index, pool in enumerate(members):
        alone, fixed = eqx.partition(pool, trainable_filter(pool))
        moved, _, own = eqx.filter_jit(single.step)(alone, fixed, single.init(alone), starts)
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
        after, state, path, records = chunk(params, state, key)
        assert bool(records.skipped.all()) and records.skipped.shape == (2,)
        assert bool(eqx.tree_equal(after, params))
        assert path.log_k.shape == (2, 2)


def test_all_finite():
    assert bool(all_finite({"a": jnp.ones(2), "b": None}))
    assert not bool(all_finite({"a": jnp.array([1.0, jnp.nan])}))
    assert bool(all_finite({}))

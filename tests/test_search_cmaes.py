"""`cmaes_search`: CMA-ES over a pool's stored parameters, vmapped per generation."""

import sys

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from quantamm_eqx import (
    FitResult,
    MomentumPool,
    SimulationConfig,
    initial_population,
    parameter_specs,
    simulate,
)
from quantamm_eqx.metrics import max_drawdown
from quantamm_eqx.search import _cmaes, cmaes_search

CONFIG = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
N_MINUTES = 2 * 1440


@pytest.fixture(scope="module")
def prices():
    rng = np.random.default_rng(0)
    return jnp.asarray(np.exp(np.cumsum(rng.normal(0, 1e-3, (N_MINUTES, 2)), axis=0)))


@pytest.fixture(scope="module")
def pool():
    return MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)


def _drawdown_run(pool, prices):
    return cmaes_search(
        pool, prices, CONFIG, generations=4, population_size=8, objective="max_drawdown",
        key=jax.random.key(0), progress=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def drawdown_result(pool, prices):
    return _drawdown_run(pool, prices)


def _whole_span_drawdown(pool, prices):
    """Max drawdown over the training span, as `cmaes_search` scores it (no validation)."""
    start = CONFIG.chunk_period
    result = simulate(pool, prices, CONFIG, start_index=start, bout_length=N_MINUTES - start)
    return float(max_drawdown(result))


def test_improves_a_non_differentiable_objective(drawdown_result, pool, prices):
    before = _whole_span_drawdown(pool, prices)
    after = _whole_span_drawdown(drawdown_result.pool, prices)
    assert drawdown_result.best_step >= 0
    assert after > before
    # the reported objective is the best candidate's, recomputed independently
    best = drawdown_result.train_objective[drawdown_result.best_step, drawdown_result.best_member]
    np.testing.assert_allclose(after, float(best), rtol=1e-10)
    assert after == pytest.approx(float(drawdown_result.train_objective.max()))


def test_result_is_a_fit_result(drawdown_result, pool, prices):
    result = drawdown_result
    assert isinstance(result, FitResult)
    assert result.train_objective.shape == (4, 8)
    assert result.skipped.shape == (4, 8) and result.skipped.dtype == bool
    assert not result.skipped.any()
    assert result.val_objective is None and result.averaged_pool is None
    assert result.steps_run == 4 and result.reinitialised == ()
    assert 0 <= result.best_member < 8
    # frozen fields are the pool's; the searched ones moved
    assert jnp.array_equal(result.pool.initial_weights_logits, pool.initial_weights_logits)
    assert not jnp.array_equal(result.final_pool.log_k, pool.log_k)

    validated = cmaes_search(
        pool, prices, CONFIG, generations=3, population_size=4, objective="returns",
        bout_length=600, batch_size=2, val_fraction=0.3, key=jax.random.key(1), progress=False,
    )  # fmt: skip
    assert validated.train_objective.shape == (3, 4)
    assert validated.val_objective.shape == (3,)
    if validated.best_step >= 0:  # the validation objective chose it
        assert validated.val_objective[validated.best_step] == validated.val_objective.max()


def test_candidates_stay_within_the_ranges(pool, prices):
    specs = parameter_specs(pool)
    # start far outside `log_k`'s range, with wide steps: every candidate is clipped
    outside = eqx.tree_at(lambda p: p.log_k, pool, jnp.full(2, specs["log_k"].high + 50.0))
    result = cmaes_search(
        outside, prices, CONFIG, generations=2, population_size=4, sigma_init=2.0,
        objective="returns", bout_length=1440, key=jax.random.key(2), progress=False,
    )  # fmt: skip
    assert result.best_step >= 0  # random windows: the starting pool does not compete
    for found in (result.pool, result.final_pool):
        for name, spec in specs.items():
            if spec.trainable:
                values = getattr(found, name)
                assert bool(((values >= spec.low) & (values <= spec.high)).all()), name


def test_same_key_same_result(drawdown_result, pool, prices):
    assert bool(eqx.tree_equal(_drawdown_run(pool, prices), drawdown_result))


def test_generation_step_compiles_once(pool, prices, monkeypatch):
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return simulate(*args, **kwargs)

    monkeypatch.setattr(_cmaes, "simulate", counted)
    cmaes_search(
        pool, prices, CONFIG, generations=3, population_size=4, objective="returns",
        key=jax.random.key(3), progress=False,
    )  # fmt: skip
    # one call scores the starting pool, one traces the (vmapped) generation step; a
    # retrace would also trip the step's `eqx.debug.assert_max_traces`
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (dict(generations=0), "generations"),
        (dict(population_size=1), "population_size"),
        (dict(val_fraction=1.0), "val_fraction"),
        (dict(val_fraction=-0.1), "val_fraction"),
        (dict(bout_length=N_MINUTES), "bout_length"),
        (dict(bout_length=1), "bout_length"),
        (dict(sigma_init=0.0), "sigma_init"),
        (dict(batch_size=0), "batch_size"),
        (dict(objective="nope"), "objective"),
    ],
)
def test_bad_inputs_name_the_argument(pool, prices, kwargs, name):
    arguments = dict(generations=2, key=jax.random.key(0), progress=False) | kwargs
    with pytest.raises(ValueError, match=f"`{name}`"):
        cmaes_search(pool, prices, CONFIG, **arguments)


@pytest.mark.parametrize("key", [0, jax.random.split(jax.random.key(0), 2)])
def test_bad_key_is_named(pool, prices, key):
    # the test run's jaxtyping hook may refuse it first, with a TypeError naming `key`
    with pytest.raises((TypeError, ValueError), match="key"):
        cmaes_search(pool, prices, CONFIG, generations=2, key=key, progress=False)


def test_stacked_pool_is_refused(pool, prices):
    population = initial_population(pool, 2, jax.random.key(0))
    with pytest.raises(ValueError, match="`pool`"):
        cmaes_search(population, prices, CONFIG, generations=2, key=jax.random.key(0))


def test_missing_evosax_says_how_to_install(pool, prices, monkeypatch):
    monkeypatch.setitem(sys.modules, "evosax.algorithms", None)  # import fails
    with pytest.raises(ImportError, match=r"pip install 'quantamm_eqx\[search\]'"):
        cmaes_search(pool, prices, CONFIG, generations=2, key=jax.random.key(0))


def test_non_finite_objectives_rank_worst(pool, prices):
    def broken(result):
        return jnp.nan * max_drawdown(result)

    result = cmaes_search(
        pool, prices, CONFIG, generations=2, population_size=4, objective=broken,
        key=jax.random.key(4), progress=False,
    )  # fmt: skip
    assert result.skipped.all()
    assert result.best_step == -1 and result.pool is pool  # nothing beats the start
    np.testing.assert_allclose(result.final_pool.log_k, pool.log_k, rtol=1e-12)  # mean kept

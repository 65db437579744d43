"""`initial_population`: ranges, reproducibility, the designs' properties, dtypes, errors,
and that `fit` trains the result."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from quantamm_eqx import (
    BoundedPool,
    Ensemble,
    MeanReversionChannelPool,
    MomentumPool,
    SimulationConfig,
    fit,
    initial_population,
    parameter_specs,
)
from quantamm_eqx.pools import POOLS

METHODS = ("gaussian", "sobol", "lhs")


def _pool(cls=MomentumPool, n_assets=3):
    return cls.from_memory_days(n_assets=n_assets, memory_days=5.0, chunk_period=60)


def _nested():
    members = [_pool(MomentumPool, 2), _pool(MeanReversionChannelPool, 2)]
    return BoundedPool(Ensemble(members, learn_mixing=True), 0.1, 0.9, learnable=True)


def _sampled(pool):
    """`(name, spec)` of the pool's trainable fields with a spec."""
    return [(name, spec) for name, spec in parameter_specs(pool).items() if spec.trainable]


def _check_in_range(population, pool):
    for name, spec in _sampled(pool):
        values = np.asarray(getattr(population, name))
        assert values.shape == (population.population_size, *getattr(pool, name).shape), name
        assert np.all((values >= spec.low) & (values <= spec.high)), name


@pytest.mark.parametrize("method", ["sobol", "lhs"])
@pytest.mark.parametrize("name", sorted(POOLS))
def test_space_filling_members_lie_in_the_search_ranges(name, method):
    pool = _pool(POOLS[name])
    population = initial_population(pool, 6, jax.random.key(0), method=method)
    assert population.population_size == 6
    _check_in_range(population, pool)
    frozen = [name for name, spec in parameter_specs(pool).items() if not spec.trainable]
    assert "initial_weights_logits" in frozen
    for field in frozen:  # never trained: copied
        copies = np.asarray(getattr(population, field))
        np.testing.assert_array_equal(copies, np.broadcast_to(getattr(pool, field), copies.shape))


@pytest.mark.parametrize("method", METHODS)
def test_nested_pools_sample_every_member_and_copy_the_bounds(method):
    pool = _nested()
    population = initial_population(pool, 4, jax.random.key(1), method=method)
    # Not `population.population_size`: under the test run's type checks, `BoundedPool`'s
    # `initial_weights_logits` property is declared 1-D and refuses a stacked pool's.
    assert population.pool.population_size == 4
    assert population.learnable and population.pool.learn_mixing  # static fields kept
    for field in ("minimum_weights", "maximum_weights"):  # learnable, but without a spec
        expected = np.full((4, 2), getattr(pool, field))
        np.testing.assert_array_equal(getattr(population, field), expected)
    if method != "gaussian":
        _check_in_range(population.pool, pool.pool)  # the mixing logits
        for sampled, member in zip(population.pool.members, pool.pool.members, strict=True):
            _check_in_range(sampled, member)
    mixing = np.asarray(population.pool.mixing_logits)
    assert len(np.unique(mixing[:, 0])) == 4  # sampled per member


@pytest.mark.parametrize("method", METHODS)
def test_the_same_key_gives_the_same_population(method):
    pool = _pool(MeanReversionChannelPool)
    first = initial_population(pool, 5, jax.random.key(3), method=method)
    again = initial_population(pool, 5, jax.random.key(3), method=method)
    raw = initial_population(pool, 5, jax.random.PRNGKey(3), method=method)
    other = initial_population(pool, 5, jax.random.key(4), method=method)
    assert bool(eqx.tree_equal(first, again, raw))
    assert not np.allclose(first.sp_k, other.sp_k)


@pytest.mark.parametrize("size", [1, 7, 16])
def test_latin_hypercube_puts_one_member_in_each_slice(size):
    pool = _pool(MeanReversionChannelPool)
    population = initial_population(pool, size, jax.random.key(5), method="lhs")
    for name, spec in _sampled(pool):
        values = np.asarray(getattr(population, name)).reshape(size, -1)
        slices = np.floor((values - spec.low) / (spec.high - spec.low) * size).astype(int)
        for column in slices.T:
            assert sorted(column) == list(range(size)), name


def test_sobol_of_any_size_balances_the_first_points():
    # 5 members: the first 5 of an 8-point design, without scipy's power-of-two warning.
    pool = _pool()
    population = initial_population(pool, 5, jax.random.key(0), method="sobol")
    design = initial_population(pool, 8, jax.random.key(0), method="sobol")
    assert bool(eqx.tree_equal(population, jax.tree_util.tree_map(lambda x: x[:5], design)))
    spec = parameter_specs(pool)["log_k"]
    halves = np.asarray(design.log_k) < (spec.low + spec.high) / 2
    assert np.all(halves.sum(axis=0) == 4)  # a balanced design: half of it in each half


def test_gaussian_keeps_the_pool_first_and_spreads_by_scale():
    pool = _pool(MeanReversionChannelPool)
    population = initial_population(pool, 2001, jax.random.key(0), scale=0.3)
    first = jax.tree_util.tree_map(lambda x: x[0], population)
    assert bool(eqx.tree_equal(first, pool))
    for name, _ in _sampled(pool):
        noise = np.asarray(getattr(population, name)[1:] - getattr(pool, name))
        assert abs(noise.mean()) < 0.03, name
        assert noise.std() == pytest.approx(0.3, rel=0.05), name
    np.testing.assert_array_equal(population.inverse_scaling[1:], population.inverse_scaling[:-1])
    unperturbed = initial_population(pool, 3, jax.random.key(0), scale=0.0)
    copies = jax.tree_util.tree_map(lambda x: jnp.broadcast_to(x, (3, *x.shape)), pool)
    assert bool(eqx.tree_equal(unperturbed, copies))


@pytest.mark.parametrize("method", METHODS)
def test_members_keep_the_pool_dtype(method):
    pool = jax.tree_util.tree_map(lambda x: x.astype(jnp.float32), _pool())
    population = initial_population(pool, 4, jax.random.key(0), method=method)
    leaves = jax.tree_util.tree_leaves(population)
    assert leaves and all(leaf.dtype == jnp.float32 for leaf in leaves)
    assert all(
        leaf.dtype == jnp.float64
        for leaf in jax.tree_util.tree_leaves(
            initial_population(_pool(), 4, jax.random.key(0), method=method)
        )
    )


def test_fixed_mixing_is_copied():
    members = [_pool(MomentumPool, 2), _pool(MomentumPool, 2)]
    ensemble = Ensemble(members, mixing=[1.0, 3.0])  # stored logits, not learnable
    population = initial_population(ensemble, 3, jax.random.key(0), method="lhs")
    expected = np.broadcast_to(ensemble.mixing_logits, (3, 2))
    np.testing.assert_array_equal(population.mixing_logits, expected)
    assert len(np.unique(np.asarray(population.members[1].log_k)[:, 0])) == 3


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"size": 0}, "size"),
        ({"size": 2.0}, "size"),
        ({"method": "grid"}, "method"),
        ({"scale": -0.1}, "scale"),
        ({"scale": float("nan")}, "scale"),
        ({"scale": float("inf")}, "scale"),
        ({"key": jnp.zeros(3, jnp.uint32)}, "key"),
        ({"key": 0}, "key"),
    ],
)
def test_bad_arguments_are_named(arguments, name):
    call = {"pool": _pool(), "size": 3, "key": jax.random.key(0), **arguments}
    with pytest.raises((TypeError, ValueError), match=name):
        initial_population(**call)


def test_unknown_method_lists_the_names():
    with pytest.raises(ValueError, match="gaussian.*lhs.*sobol|lhs.*sobol"):
        initial_population(_pool(), 3, jax.random.key(0), method="random")


def test_a_stacked_pool_or_a_non_pool_is_refused():
    stacked = initial_population(_pool(), 3, jax.random.key(0))
    with pytest.raises(ValueError, match="`pool`"):
        initial_population(stacked, 3, jax.random.key(0))
    with pytest.raises((TypeError, ValueError), match="pool"):
        initial_population("momentum", 3, jax.random.key(0))


def test_fit_trains_the_population():
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    pool = _pool(MomentumPool, 2)
    population = initial_population(pool, 3, jax.random.key(0), method="lhs")
    rng = np.random.default_rng(0)
    prices = np.exp(np.cumsum(rng.normal(0, 1e-3, (5 * 1440, 2)), axis=0))
    result = fit(
        population,
        prices,
        config,
        bout_length=3 * 1440,
        steps=2,
        key=jax.random.key(1),
        batch_size=1,
        progress=False,
    )
    assert result.pool.population_size is None
    assert np.all(np.isfinite(np.asarray(result.train_objective)))
    assert 0 <= result.best_member < 3

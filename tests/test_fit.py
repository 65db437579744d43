"""`fit`: improvement on structured prices, determinism, populations, robustness, bad input."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from quantamm_eqx import (
    AntiMomentumPool,
    MeanReversionChannelPool,
    MomentumPool,
    SimulationConfig,
    fit,
    load_pool,
    parameter_specs,
    save_pool,
    simulate,
)
from quantamm_eqx.metrics import daily_log_sharpe
from quantamm_eqx.training import load_pool_metadata

DAY = 1440
CONFIG = SimulationConfig(chunk_period=60, weight_interpolation_period=60, max_memory_days=30.0)


def trending_prices(days=30, seed=0):
    rng = np.random.default_rng(seed)
    drift = np.array([4e-6, -4e-6, 0.0])
    return 100 * np.exp(np.cumsum(drift + rng.normal(0, 2e-4, (days * DAY, 3)), axis=0))


def mean_reverting_prices(days=30, seed=0):
    rng = np.random.default_rng(seed)
    log_prices = np.zeros((days * DAY, 3))
    for t in range(1, days * DAY):  # Ornstein-Uhlenbeck around 0, half-life of about 6 hours
        log_prices[t] = log_prices[t - 1] * (1 - 2e-3) + rng.normal(0, 1e-3, 3)
    return 100 * np.exp(log_prices)


def mean_objective(pool, prices, starts, bout_length):
    def one(start):
        result = simulate(pool, prices, CONFIG, start_index=start, bout_length=bout_length)
        return daily_log_sharpe(result)

    return float(np.mean([one(start) for start in starts]))


@pytest.mark.parametrize(
    "pool, prices",
    [
        (
            MomentumPool.from_memory_days(3, memory_days=2.0, k_per_day=1.0, chunk_period=60),
            trending_prices(),
        ),
        pytest.param(  # 21 s: in `nox -s slow`, its momentum sibling in the default run
            MeanReversionChannelPool.from_memory_days(
                3, memory_days=1.0, k_per_day=1.0, width=0.5, chunk_period=60
            ),
            mean_reverting_prices(),
            marks=pytest.mark.slow,
        ),
    ],
    ids=["momentum-on-trends", "channel-on-mean-reversion"],
)
def test_training_improves_the_objective(pool, prices):
    # Five-day bouts: four daily returns per Sharpe ratio. Measured after training on five
    # fixed windows of the training data: 1.9 -> 15.8 (momentum), 0.9 -> 7.7 (channel).
    result = fit(
        pool, prices, CONFIG, bout_length=5 * DAY, steps=60, key=jax.random.key(0),
        batch_size=4, burn_in=2 * DAY, steps_per_chunk=20, progress=False,
    )  # fmt: skip
    starts = [2 * DAY, 7 * DAY, 12 * DAY, 17 * DAY, 22 * DAY]
    before = mean_objective(pool, prices, starts, 5 * DAY)
    after = mean_objective(result.pool, prices, starts, 5 * DAY)
    assert after > before + 3.0, (before, after)
    assert result.train_objective.shape == (60,) and not bool(result.skipped.any())
    # The initial weights are never trained.
    np.testing.assert_array_equal(
        result.final_pool.initial_weights_logits, pool.initial_weights_logits
    )


@pytest.mark.slow  # 15 s; the default run has test_fit_workflow's bitwise resume equality
def test_a_fixed_key_gives_identical_results_and_validation_picks_the_best():
    pool = MomentumPool.from_memory_days(3, memory_days=2.0, k_per_day=1.0, chunk_period=60)
    prices = trending_prices(days=20)
    kwargs = dict(bout_length=3 * DAY, steps=12, batch_size=2, val_fraction=0.25, progress=False)
    first = fit(pool, prices, CONFIG, key=jax.random.key(7), steps_per_chunk=5, **kwargs)
    second = fit(pool, prices, CONFIG, key=jax.random.key(7), steps_per_chunk=5, **kwargs)
    assert bool(eqx.tree_equal(first, second))
    assert first.val_objective.shape == (12,)
    # `pool` is the step with the best validation objective (or the start, step -1).
    assert first.best_step in (-1, int(np.argmax(first.val_objective)))


@pytest.mark.slow  # nox -s slow; the estimators' own tests hold associative = scan
def test_the_associative_estimator_trains_as_the_scan_does():
    """`fit(method=...)` reaches every simulated bout: the parallel estimator gives the
    sequential one's objectives, up to rounding and the scan's zeroing of tiny `a`."""
    pool = MomentumPool.from_memory_days(3, memory_days=2.0, k_per_day=1.0, chunk_period=60)
    prices = trending_prices(days=10)
    kwargs = dict(bout_length=3 * DAY, steps=3, batch_size=2, progress=False, objective="returns")
    scan = fit(pool, prices, CONFIG, key=jax.random.key(1), **kwargs)
    parallel = fit(pool, prices, CONFIG, key=jax.random.key(1), method="associative", **kwargs)
    np.testing.assert_allclose(parallel.train_objective, scan.train_objective, rtol=1e-8)


@pytest.mark.slow  # 30 s; tests/test_training_step.py checks a population step is each member's
def test_a_population_trains_every_member_and_returns_the_best():
    members = [
        MomentumPool.from_memory_days(
            3, memory_days=d, k_per_day=k, initial_weights=w, chunk_period=60
        )
        for d, k, w in [(1.0, 0.5, None), (3.0, 2.0, [0.5, 0.3, 0.2]), (5.0, 8.0, [0.2, 0.2, 0.6])]
    ]
    stacked = jax.tree_util.tree_map(lambda *x: jnp.stack(x), *members)
    prices = trending_prices(days=20)
    result = fit(
        stacked, prices, CONFIG, bout_length=3 * DAY, steps=6, key=jax.random.key(1),
        batch_size=2, val_fraction=0.25, steps_per_chunk=3, progress=False,
    )  # fmt: skip
    assert result.train_objective.shape == (6, 3)
    assert result.final_pool.log_k.shape == (3, 3)
    assert result.pool.log_k.shape == (3,)  # one member
    member = result.best_member
    # Every member keeps its own (frozen) initial weights, and is trained with them: the
    # population's step equals the member trained alone on the same windows.
    np.testing.assert_array_equal(
        result.final_pool.initial_weights_logits, stacked.initial_weights_logits
    )
    alone = fit(
        members[2], prices, CONFIG, bout_length=3 * DAY, steps=6, key=jax.random.key(1),
        batch_size=2, val_fraction=0.25, steps_per_chunk=3, progress=False,
    )  # fmt: skip
    np.testing.assert_allclose(result.final_pool.log_k[2], alone.final_pool.log_k, rtol=1e-9)
    if result.best_step >= 0:
        assert float(result.val_objective[result.best_step, member]) == float(
            np.max(result.val_objective)
        )


def test_non_finite_steps_are_skipped_and_reported():
    pool = MomentumPool.from_memory_days(3, memory_days=2.0, chunk_period=60)

    def broken(result):
        return jnp.log(result.values[-1] - 2 * result.values[-1])  # log of a negative: NaN

    # A chunk in which every step is skipped stops the run, naming the objective (it used
    # to "train" with every step skipped and return the starting pool).
    with pytest.raises(FloatingPointError, match="steps 0-1 was skipped: the objective 'broken'"):
        fit(
            pool, trending_prices(days=10), CONFIG, bout_length=3 * DAY, steps=4,
            key=jax.random.key(0), objective=broken, batch_size=2, steps_per_chunk=2,
            progress=False,
        )  # fmt: skip
    # One member whose parameters are not finite: its steps are skipped and reported, and
    # the other member trains. With `reinitialise=None` it is left as it was; by default it
    # is re-drawn from the best member after its first chunk of skipped steps, and trains.
    nan_member = eqx.tree_at(lambda p: p.log_k, pool, jnp.full_like(pool.log_k, jnp.nan))
    population = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), pool, nan_member)
    runs = {
        reinitialise: fit(
            population,
            trending_prices(days=10),
            CONFIG,
            bout_length=3 * DAY,
            steps=4,
            key=jax.random.key(0),
            objective="returns",
            batch_size=2,
            steps_per_chunk=2,
            progress=False,
            reinitialise=reinitialise,
        )  # fmt: skip
        for reinitialise in (None, 0.1)
    }
    left = runs[None]
    assert left.skipped.shape == (4, 2) and left.reinitialised == ()
    assert bool(left.skipped[:, 1].all()) and not bool(left.skipped[:, 0].any())
    assert bool(jnp.isnan(left.final_pool.log_k[1]).all())
    assert not bool(jnp.allclose(left.final_pool.log_k[0], pool.log_k))
    assert left.best_member == 0
    redrawn = runs[0.1]
    assert redrawn.reinitialised == ((2, 1),)
    assert bool(redrawn.skipped[:2, 1].all()) and not bool(redrawn.skipped[2:].any())
    assert bool(jnp.isfinite(redrawn.final_pool.log_k).all())
    np.testing.assert_array_equal(redrawn.skipped[:, 0], left.skipped[:, 0])


@pytest.mark.slow  # 31 s; the default run has the starting-pool checkpoint test below
def test_checkpoint_holds_the_best_pool(tmp_path):
    pool = AntiMomentumPool.from_memory_days(3, memory_days=2.0, chunk_period=60)
    path = tmp_path / "best.eqx"
    result = fit(
        pool, trending_prices(days=20), CONFIG, bout_length=3 * DAY, steps=4,
        key=jax.random.key(3), batch_size=2, val_fraction=0.25, steps_per_chunk=2,
        progress=False, checkpoint=path, checkpoint_metadata={"assets": ["A", "B", "C"]},
    )  # fmt: skip
    assert bool(eqx.tree_equal(load_pool(path, like=pool), result.pool))
    assert bool(eqx.tree_equal(load_pool(path), result.pool))  # its sidecar names the pool
    assert load_pool_metadata(path)["assets"] == ["A", "B", "C"]
    # No temporary file left behind: only the checkpoint and its JSON sidecar.
    assert sorted(tmp_path.iterdir()) == sorted([path, path.with_suffix(".json")])
    # Without validation the checkpoint holds the final pool, which is the result.
    fit(
        pool, trending_prices(days=20), CONFIG, bout_length=3 * DAY, steps=3,
        key=jax.random.key(3), batch_size=2, steps_per_chunk=2, progress=False, checkpoint=path,
    )  # fmt: skip
    final = fit(
        pool, trending_prices(days=20), CONFIG, bout_length=3 * DAY, steps=3,
        key=jax.random.key(3), batch_size=2, steps_per_chunk=2, progress=False,
    )  # fmt: skip
    assert bool(eqx.tree_equal(load_pool(path, like=pool), final.pool))


def test_a_checkpoint_holds_the_starting_pool_while_no_step_beats_it(tmp_path):
    import optax

    pool = MomentumPool.from_memory_days(3, memory_days=2.0, chunk_period=60)
    path = tmp_path / "best.eqx"
    result = fit(
        pool, trending_prices(days=20), CONFIG, bout_length=3 * DAY, steps=2,
        key=jax.random.key(0), batch_size=2, val_fraction=0.25, progress=False,
        optimizer=optax.sgd(-0.1), checkpoint=path,  # steps down the objective
        min_delta=1e6,  # and no step can count as an improvement
    )  # fmt: skip
    assert result.best_step == -1
    assert bool(eqx.tree_equal(load_pool(path, like=pool), pool))


def test_load_pool_refuses_a_file_that_is_not_exactly_like(tmp_path):
    channel = MeanReversionChannelPool.from_memory_days(3, chunk_period=60)
    momentum = MomentumPool.from_memory_days(3, chunk_period=60)
    path = tmp_path / "channel.eqx"
    save_pool(path, channel)
    path.with_suffix(".json").unlink()  # the leaves decide (the sidecar's class is checked first)
    with pytest.raises(ValueError, match="does not hold the parameters of a MomentumPool"):
        load_pool(path, like=momentum)  # a channel file holds more leaves than a momentum pool
    per_asset = MeanReversionChannelPool.from_memory_days(3, inverse_scaling=[0.5, 0.6, 0.7])
    save_pool(path, per_asset)
    shared = eqx.tree_at(lambda pool: pool.inverse_scaling, channel, jnp.array([0.5415]))
    with pytest.raises(ValueError, match="does not hold the parameters"):
        load_pool(path, like=shared)  # not silently `like`'s shared inverse_scaling
    assert bool(eqx.tree_equal(load_pool(path, like=per_asset), per_asset))


def test_load_pool_reads_channel_checkpoints_from_before_inverse_scaling(tmp_path):
    like = MeanReversionChannelPool.from_memory_days(3, width=0.7, inverse_scaling=0.5415)
    path = tmp_path / "old.eqx"
    with open(path, "wb") as file:  # the old layout: every leaf but `inverse_scaling`, last
        eqx.tree_serialise_leaves(file, jax.tree_util.tree_leaves(like)[:-1])
    assert bool(eqx.tree_equal(load_pool(path, like=like), like))
    save_pool(path, MomentumPool.from_memory_days(3))
    path.with_suffix(".json").unlink()  # the leaves decide (the sidecar's class is checked first)
    with pytest.raises(ValueError, match="does not hold the parameters of a MeanReversionChannel"):
        load_pool(path, like=like)


@pytest.mark.slow  # 26 s; tests/test_fuzz.py's sample covers wider ranges in the default run
def test_objectives_and_gradients_are_finite_over_the_parameter_ranges():
    # 256 parameter sets drawn from the documented search ranges, on two price paths.
    prices = [trending_prices(days=5, seed=s) for s in (1, 2)]
    for pool_class in (MomentumPool, AntiMomentumPool, MeanReversionChannelPool):
        rng = np.random.default_rng(0)
        fields = {
            name: jnp.asarray(rng.uniform(spec.low, spec.high, (256, 3)))
            for name, spec in parameter_specs(pool_class).items()
        }
        stacked = jax.vmap(lambda f: pool_class(**f))(fields)

        def objective(pool, path):
            result = simulate(pool, path, CONFIG, start_index=DAY, bout_length=3 * DAY + 1)
            return daily_log_sharpe(result)

        for path in prices:
            values, grads = eqx.filter_vmap(
                eqx.filter_value_and_grad(objective), in_axes=(eqx.if_array(0), None)
            )(stacked, jnp.asarray(path))
            assert bool(jnp.all(jnp.isfinite(values))), pool_class.__name__
            leaves = jax.tree_util.tree_leaves(grads)
            assert all(bool(jnp.all(jnp.isfinite(leaf))) for leaf in leaves), pool_class.__name__


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"objective": "sortino"},
            r"`objective` must be one of \['annualised_returns', 'arbitrage_return', 'calmar'",
        ),
        ({"val_fraction": 1.0}, r"`val_fraction` must lie in \[0, 1\)"),
        ({"val_fraction": -0.1}, r"`val_fraction` must lie in \[0, 1\)"),
        ({"bout_length": 20 * DAY}, "`bout_length`=28800 does not fit in the training span"),
        ({"bout_length": 1}, r"`bout_length` must be at least 2 minutes .*; got 1"),
        ({"batch_size": 0}, r"`batch_size` must be an integer >= 1; got 0"),
        ({"burn_in": -1}, r"`burn_in` must be an integer >= 0; got -1"),
        ({"checkpoint": "/nowhere/pool.eqx"}, "the folder '/nowhere' does not exist"),
        (
            {"checkpoint": "pool.eqx", "checkpoint_metadata": {"pool": "channel"}},
            r"`metadata\['pool'\]` is 'channel' but the pool's is 'momentum'",
        ),
        ({"val_fraction": 0.1}, r"validation span \(1440 minutes\) does not suit the objective"),
    ],
)
def test_bad_input(kwargs, message):
    pool = MomentumPool.from_memory_days(3, chunk_period=60)
    arguments = dict(bout_length=3 * DAY, steps=2, key=jax.random.key(0), progress=False)
    with pytest.raises(ValueError, match=message):
        fit(pool, trending_prices(days=10), CONFIG, **{**arguments, **kwargs})


def test_a_raw_key_is_accepted():
    pool = MomentumPool.from_memory_days(3, chunk_period=60)
    result = fit(
        pool, trending_prices(days=10), CONFIG, bout_length=3 * DAY, steps=2,
        key=jax.random.PRNGKey(0), progress=False,
    )  # fmt: skip
    assert result.best_step == 1


def test_any_optax_optimizer_with_a_schedule_and_clipping():
    import optax

    schedule = optax.exponential_decay(0.05, transition_steps=2, decay_rate=0.5)
    optimizer = optax.chain(optax.clip_by_global_norm(1.0), optax.sgd(schedule))
    pool = MomentumPool.from_memory_days(3, memory_days=2.0, k_per_day=1.0, chunk_period=60)
    result = fit(
        pool, trending_prices(days=12), CONFIG, bout_length=3 * DAY, steps=4,
        key=jax.random.key(2), optimizer=optimizer, batch_size=2, steps_per_chunk=2,
        progress=False,
    )  # fmt: skip
    moved = jnp.abs(result.final_pool.log_k - pool.log_k)
    assert float(moved.max()) > 0  # trained
    # Four steps of SGD with learning rates 0.05, 0.05, 0.025, 0.025 on clipped gradients.
    assert float(jnp.sqrt(jnp.sum(moved**2))) <= 0.15 + 1e-12

"""`fit` as a research workflow: early stopping, averaging, regularisers, any optax
optimizer, and runs that resume exactly where they stopped."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from quantamm_eqx import (
    AntiMomentumPool,
    MomentumPool,
    SimulationConfig,
    fit,
    simulate,
    trainable_filter,
)
from quantamm_eqx.metrics import returns
from quantamm_eqx.training import split_index

jax.config.update("jax_enable_x64", True)  # as tests/conftest.py

DAY = 1440
CONFIG = SimulationConfig(chunk_period=60, weight_interpolation_period=60, max_memory_days=30.0)
POOL = MomentumPool.from_memory_days(2, memory_days=1.0, k_per_day=1.0, chunk_period=60)


def prices(days=8, seed=0):
    rng = np.random.default_rng(seed)
    drift = np.array([3e-6, -3e-6])
    return 100 * np.exp(np.cumsum(drift + rng.normal(0, 3e-4, (days * DAY, 2)), axis=0))


PRICES = prices()
RUN = dict(
    bout_length=2 * DAY, key=jax.random.key(3), batch_size=2, val_fraction=0.25,
    objective="returns", progress=False,
)  # fmt: skip


def scripted(delta):
    """An 'optimizer' that moves every trainable parameter by `delta` each step."""

    def update(updates, state, params=None):
        return jax.tree_util.tree_map(lambda g: jnp.full_like(g, delta), updates), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def predicted_stop(delta, steps, patience):
    """The best step and stopping step of a scripted run, from the validation objective of
    each step's pool simulated here."""
    start = split_index(len(PRICES), RUN["val_fraction"])
    params, frozen = eqx.partition(POOL, trainable_filter(POOL))

    def validation(step):
        moved = jax.tree_util.tree_map(lambda leaf: leaf + (step + 1) * delta, params)
        result = simulate(
            eqx.combine(moved, frozen), PRICES, CONFIG, start_index=start,
            bout_length=len(PRICES) - start,
        )  # fmt: skip
        return float(returns(result))

    best_step, best = -1, validation(-1)
    for step in range(steps):
        score = validation(step)
        if score > best:
            best_step, best = step, score
        elif step - best_step >= patience:
            return best_step, step
    return best_step, None


def test_early_stopping_stops_at_the_predicted_step_however_the_run_is_chunked():
    delta, patience = -0.4, 3
    best_step, stop = predicted_stop(delta, 12, patience)
    assert stop is not None and stop < 11  # the premise: this script stops early
    for steps_per_chunk in (2, 5):
        result = fit(
            POOL, PRICES, CONFIG, steps=12, optimizer=scripted(delta), patience=patience,
            steps_per_chunk=steps_per_chunk, **RUN,
        )  # fmt: skip
        assert result.steps_run == stop + 1
        assert result.best_step == best_step
        assert result.train_objective.shape == (stop + 1,)
        final = jax.tree_util.tree_map(lambda leaf: leaf + (stop + 1) * delta, POOL.log_k)
        np.testing.assert_allclose(result.final_pool.log_k, final, rtol=1e-12)


def test_resume_continues_exactly_where_an_interrupted_run_stopped(tmp_path, monkeypatch):
    whole = fit(POOL, PRICES, CONFIG, steps=6, steps_per_chunk=2, average_from=1, **RUN)

    # A run of 4 steps interrupted by Ctrl-C after its first chunk, then resumed to 6 steps.
    import quantamm_eqx.training._fit as fit_module

    class Bar:
        def __init__(self, interrupt):
            self.interrupt, self.updates = interrupt, []

        def update(self, n):
            self.updates.append(n)
            if self.interrupt and n > 0:
                raise KeyboardInterrupt

        def set_postfix(self, **kwargs):
            pass

        def close(self):
            pass

    path = tmp_path / "pool.eqx"
    with monkeypatch.context() as patch:
        patch.setattr(fit_module, "progress_bar", lambda total, enabled: Bar(interrupt=True))
        with pytest.raises(KeyboardInterrupt):
            fit(POOL, PRICES, CONFIG, steps=4, steps_per_chunk=2, average_from=1,
                checkpoint=path, **RUN)  # fmt: skip
        assert (tmp_path / "pool.run.npz").is_file()
        bar = Bar(interrupt=False)
        patch.setattr(fit_module, "progress_bar", lambda total, enabled: bar)
        resumed = fit(POOL, PRICES, CONFIG, steps=6, steps_per_chunk=2, average_from=1,
                      resume=path, **RUN)  # fmt: skip
    assert bar.updates == [2, 2, 2]  # it starts at step 2 and runs the 4 steps left
    assert resumed.steps_run == 6
    assert bool(eqx.tree_equal(resumed, whole))


def test_resume_refuses_another_run(tmp_path):
    path = tmp_path / "pool.eqx"
    fit(POOL, PRICES, CONFIG, steps=2, steps_per_chunk=2, checkpoint=path, **RUN)
    others = {
        "`bout_length`": dict(RUN, bout_length=DAY),
        "`key`": dict(RUN, key=jax.random.key(4)),
        "`objective`": dict(RUN, objective="sharpe"),
    }
    for name, run in others.items():
        with pytest.raises(ValueError, match=name):
            fit(POOL, PRICES, CONFIG, steps=4, steps_per_chunk=2, resume=path, **run)
    anti = AntiMomentumPool.from_memory_days(2, memory_days=1.0, chunk_period=60)
    with pytest.raises(ValueError, match="`pool`"):
        fit(anti, PRICES, CONFIG, steps=4, steps_per_chunk=2, resume=path, **RUN)
    with pytest.raises(ValueError, match="`prices`"):
        fit(POOL, prices(seed=1), CONFIG, steps=4, steps_per_chunk=2, resume=path, **RUN)
    with pytest.raises(ValueError, match="`optimizer`"):
        fit(POOL, PRICES, CONFIG, steps=4, steps_per_chunk=2, resume=path,
            optimizer=optax.sgd(0.1), **RUN)  # fmt: skip
    with pytest.raises(ValueError, match="`steps`"):
        fit(POOL, PRICES, CONFIG, steps=1, steps_per_chunk=2, resume=path, **RUN)
    with pytest.raises(ValueError, match="`resume`: there is no run state"):
        fit(POOL, PRICES, CONFIG, steps=4, resume=tmp_path / "none.eqx", **RUN)


def test_averaging_is_the_mean_of_the_steps_parameters():
    one = fit(POOL, PRICES, CONFIG, steps=1, **RUN)
    two = fit(POOL, PRICES, CONFIG, steps=2, average_from=0, **RUN)
    mean = (one.final_pool.log_k + two.final_pool.log_k) / 2
    np.testing.assert_allclose(two.averaged_pool.log_k, mean, rtol=1e-12)
    assert one.averaged_pool is None


@pytest.mark.parametrize(
    "optimizer", [optax.lbfgs(), optax.chain(optax.adam(0.05), optax.contrib.reduce_on_plateau())]
)
def test_optimizers_that_need_the_value(optimizer):
    result = fit(POOL, PRICES, CONFIG, steps=2, optimizer=optimizer, **RUN)
    assert not bool(result.skipped.any())
    assert not bool(jnp.allclose(result.final_pool.log_k, POOL.log_k))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(patience=0), "`patience` must be"),
        (dict(patience=2, val_fraction=0.0), "`patience` stops on the validation"),
        (dict(min_delta=-1.0), "`min_delta` must be finite and >= 0"),
        (dict(price_noise=float("nan")), "`price_noise` must be finite"),
        (dict(turnover_penalty=-0.1), "`turnover_penalty` must be finite"),
        (dict(reinitialise=float("inf")), "`reinitialise` must be finite"),
        (dict(average_from=2), "`average_from`=2 averages no step"),
    ],
)
def test_bad_workflow_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit(POOL, PRICES, CONFIG, steps=2, **{**RUN, **kwargs})

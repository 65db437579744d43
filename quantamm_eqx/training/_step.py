"""The training step of [`fit`][quantamm_eqx.fit], built as pure (jit-able) functions."""

from collections.abc import Callable
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from jax import lax
from jaxtyping import Array, Bool, Float, PyTree

from .._config import SimulationConfig
from ..estimators import Method
from ..metrics import turnover
from ..simulation import MarketSeries, Simulation
from ..simulation._simulate import simulate_validated


class StepRecord(NamedTuple):
    """What one step reports, per population member when there is a population.

    - `train_objective`: the mini-batch objective before the step;
    - `val_objective`: the validation objective after it (the training objective again
      when there is no validation);
    - `skipped`: whether the step was skipped because its gradient was not finite.
    """

    train_objective: Float[Array, "*member"]
    val_objective: Float[Array, "*member"]
    skipped: Bool[Array, "*member"]


class TrainingStep(NamedTuple):
    """The pure functions of one training run (mapped over the members of a population).

    - `init(params)`: the optimiser state of the trainable parameters;
    - `step(params, frozen, opt_state, starts, key)`: one optimisation step on the windows
      starting at `starts` (`key` draws the step's price noise, if any),
      `-> (params, opt_state, StepRecord)`; a step whose gradient is not finite leaves
      `params` and `opt_state` unchanged;
    - `validation(params, frozen)`: the objective over the validation span.

    `params` and `frozen` are the two halves of
    `eqx.partition(pool, trainable_filter(pool))`.
    """

    init: Callable[[PyTree], PyTree]
    step: Callable[[PyTree, PyTree, PyTree, Array, Array], tuple[PyTree, PyTree, StepRecord]]
    validation: Callable[[PyTree, PyTree], Array]


def all_finite(tree: PyTree) -> Bool[Array, ""]:
    """Whether every array leaf of `tree` is finite (True for no leaves)."""
    leaves = [jnp.all(jnp.isfinite(leaf)) for leaf in jax.tree_util.tree_leaves(tree)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.asarray(True)


def build_step(
    prices: Float[Array, "time asset"],
    config: SimulationConfig,
    *,
    objective: Callable[[Simulation], Array],
    optimizer: optax.GradientTransformation,
    bout_length: int,
    n_train: int,
    validate: bool,
    population: bool,
    method: Method = "scan",
    market: MarketSeries | None = None,
    zero_fee_minutes: bool = True,
    price_noise: float = 0.0,
    turnover_penalty: float = 0.0,
) -> TrainingStep:
    """Build the training step: gradient ascent on the mean objective over bouts.

    **Arguments:**

    - `prices`: the validated minute prices, training span `[0, n_train)` first.
    - `config`: the simulation configuration.
    - `objective`: the function of a `Simulation` to maximise.
    - `optimizer`: the optax transformation (it minimises: the gradient is negated). It
      receives the extra arguments of `optax.GradientTransformationExtraArgs`: `value`
      (the negated objective), `grad` and `value_fn` (the negated objective of parameters
      on the step's windows), so line searches (`optax.lbfgs`) and plateau schedules
      (`optax.contrib.reduce_on_plateau`) work.
    - `bout_length`: minutes per training bout.
    - `n_train`: the first validation minute ([`split_index`][quantamm_eqx.training.split_index]).
    - `validate`: whether to score the validation span `[n_train, len(prices))` after each step.
    - `population`: whether the pool is stacked (every field with a leading member axis):
      each member is then trained and scored on its own, on the same windows.
    - `method`: the estimator's evaluation, `"scan"` or `"associative"` (as for
      [`simulate`][quantamm_eqx.simulate]).
    - `market`: checked per-minute series aligned with `prices`
      ([`MarketSeries`][quantamm_eqx.MarketSeries]), or `None`; `zero_fee_minutes`:
      whether its fees may hold a 0.
    - `price_noise`: the standard deviation `sigma` of multiplicative log-normal noise on
      the training prices, `p * exp(sigma * N(0, 1))`, drawn afresh each step from its
      `key` (0: none). Validation uses the prices as given.
    - `turnover_penalty`: subtracted from the training objective times the bout's
      [`turnover`][quantamm_eqx.metrics.turnover] (0: none). The validation objective is
      the objective alone.

    **Returns:**

    The [`TrainingStep`][quantamm_eqx.training.TrainingStep]. Windows are not checked
    (they must lie in the training span); nothing is compiled yet.

    **Example:**

    ```python
    >>> import equinox as eqx, jax, jax.numpy as jnp, numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, trainable_filter
    >>> from quantamm_eqx.metrics import daily_log_sharpe
    >>> from quantamm_eqx.training import default_optimizer
    >>> from quantamm_eqx.training import build_step
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> rng = np.random.default_rng(0)
    >>> prices = jnp.asarray(np.exp(np.cumsum(rng.normal(0, 1e-3, (5 * 1440, 2)), axis=0)))
    >>> training = build_step(prices, config, objective=daily_log_sharpe,
    ...                       optimizer=default_optimizer(), bout_length=3 * 1440,
    ...                       n_train=5 * 1440, validate=False, population=False)
    >>> params, frozen = eqx.partition(pool, trainable_filter(pool))
    >>> step = eqx.filter_jit(training.step)
    >>> state = training.init(params)
    >>> params, state, record = step(params, frozen, state, jnp.array([60]), jax.random.key(0))
    >>> bool(record.skipped)
    False
    ```
    """
    train_prices = prices[:n_train]
    train_market = jax.tree_util.tree_map(lambda series: series[:n_train], market)
    n_minutes = prices.shape[0]
    optimizer = optax.with_extra_args_support(optimizer)

    def training_prices(key):
        if price_noise == 0:
            return train_prices
        noise = jax.random.normal(key, train_prices.shape, train_prices.dtype)
        return train_prices * jnp.exp(price_noise * noise)

    def training_objective(result):
        if turnover_penalty == 0:
            return objective(result)
        return objective(result) - turnover_penalty * turnover(result)

    def member_objective(params, frozen, starts, key):
        member = eqx.combine(params, frozen)
        window_prices = training_prices(key)

        def one(start):
            # Windows lie in the training span by construction: no per-window checks.
            result = simulate_validated(
                member,
                window_prices,
                config,
                start,
                bout_length,
                method,
                train_market,
                zero_fee_minutes,
            )
            return training_objective(result)

        return jnp.mean(jax.vmap(one)(starts))

    def member_validation(params, frozen):
        member = eqx.combine(params, frozen)
        result = simulate_validated(
            member, prices, config, n_train, n_minutes - n_train, method, market, zero_fee_minutes
        )
        return objective(result)

    def member_step(params, frozen, opt_state, starts, key):
        value, grads = eqx.filter_value_and_grad(member_objective)(params, frozen, starts, key)
        grads = jax.tree_util.tree_map(jnp.negative, grads)  # optax minimises
        finite = all_finite(grads) & jnp.isfinite(value)

        def loss(candidate):  # for line searches: the same windows and noise
            return -member_objective(candidate, frozen, starts, key)

        updates, new_state = optimizer.update(
            grads, opt_state, params, value=-value, grad=grads, value_fn=loss
        )
        new_params = eqx.apply_updates(params, updates)
        params = jax.tree_util.tree_map(lambda n, o: jnp.where(finite, n, o), new_params, params)
        opt_state = jax.tree_util.tree_map(
            lambda n, o: jnp.where(finite, n, o), new_state, opt_state
        )
        validation = member_validation(params, frozen) if validate else value
        return params, opt_state, StepRecord(value, validation, ~finite)

    if not population:
        return TrainingStep(optimizer.init, member_step, member_validation)
    # A population maps every member's own parameters (trainable and frozen) over axis 0.
    member_axis = eqx.if_array(0)
    return TrainingStep(
        eqx.filter_vmap(optimizer.init),
        eqx.filter_vmap(member_step, in_axes=(member_axis, member_axis, member_axis, None, None)),
        eqx.filter_vmap(member_validation),
    )


def build_chunk(
    training: TrainingStep,
    frozen: PyTree,
    *,
    batch_size: int,
    first_start: int,
    last_start: int,
    steps_per_chunk: int,
) -> Callable[[PyTree, PyTree, Any, Any, Any], tuple[PyTree, PyTree, PyTree, StepRecord]]:
    """`steps_per_chunk` training steps in one compiled `lax.scan`, on random windows.

    Step `n` of a run draws its windows and price noise from `jax.random.fold_in(key, n)`,
    so a run's randomness does not depend on how it is cut into chunks (or resumed).

    **Arguments:**

    - `training`: the step, from [`build_step`][quantamm_eqx.training.build_step].
    - `frozen`: the pool's frozen half (`eqx.partition(pool, trainable_filter(pool))[1]`).
    - `batch_size`: windows per step.
    - `first_start`, `last_start`: the range of window starts (both included).
    - `steps_per_chunk`: steps per call.

    **Returns:**

    `chunk(params, opt_state, key, first_step, active) -> (params, opt_state, path,
    records)`: runs steps `first_step, first_step + 1, ...` of the run keyed by `key`; only
    the first `active` of them change `params` and `opt_state` (the others are computed
    and discarded, so a short last chunk needs no second compilation). It returns the
    parameters and optimiser state after the chunk, the parameters after each of its
    steps (`path`, stacked on a leading axis), and each step's
    [`StepRecord`][quantamm_eqx.training.StepRecord]. It is compiled on its first call
    and refuses to be traced twice.
    """

    @eqx.filter_jit
    @eqx.debug.assert_max_traces(max_traces=1)
    def compiled(params, opt_state, key, first_step, active):
        def body(carry, index):
            params, opt_state = carry
            window_key, noise_key = jax.random.split(jax.random.fold_in(key, first_step + index))
            starts = jax.random.randint(window_key, (batch_size,), first_start, last_start + 1)
            stepped = training.step(params, frozen, opt_state, starts, noise_key)
            kept = jax.tree_util.tree_map(
                lambda new, old: jnp.where(index < active, new, old),
                stepped[:2],
                (params, opt_state),
            )
            return kept, (kept[0], stepped[2])

        indices = jnp.arange(steps_per_chunk)
        (params, opt_state), (path, records) = lax.scan(body, (params, opt_state), indices)
        return params, opt_state, path, records

    def run_chunk(params, opt_state, key, first_step, active):
        # Arrays, not Python ints: every chunk reuses the one compiled program.
        return compiled(params, opt_state, key, jnp.asarray(first_step), jnp.asarray(active))

    return run_chunk

"""`fit`: train a pool (or a population of pools) on random bouts with optax."""

import os
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh
from jaxtyping import Array, PRNGKeyArray

from .._config import SimulationConfig, checked_config
from .._custom_types import PricesLike
from .._validation import check_key, checked_int, checked_non_negative, checked_prices
from ..estimators._method import Method, checked_method
from ..metrics import objective_function
from ..pools import AbstractTFMMPool, trainable_filter
from ..pools._base import checked_pool
from ..simulation import MarketSeries, Simulation
from ..simulation._market import market_inputs
from ..simulation._schedule import check_initial_weights
from ..weights._schedule import checked_bout_length
from ._arguments import (
    checked_average_from,
    checked_optimizer,
    checked_patience,
)
from ._hosts import member, progress_bar, shard, shard_members
from ._loop import LoopOptions, fit_result, run_loop
from ._result import FitResult, best_member, starting_best
from ._run_state import (
    RunState,
    check_run_state,
    load_run_state,
    run_settings,
    run_state_path,
    save_run_state,
)
from ._serialise import check_checkpoint, save_pool
from ._split import checked_val_fraction, default_optimizer, split_index
from ._step import build_chunk, build_step


def fit(
    pool: AbstractTFMMPool,
    prices: PricesLike,
    config: SimulationConfig,
    *,
    bout_length: int,
    steps: int,
    key: PRNGKeyArray,
    objective: str | Callable[[Simulation], Array] = "daily_log_sharpe",
    optimizer: optax.GradientTransformation | None = None,
    batch_size: int = 8,
    val_fraction: float = 0.0,
    burn_in: int | None = None,
    steps_per_chunk: int = 10,
    progress: bool = True,
    method: Method = "scan",
    checkpoint: str | os.PathLike | None = None,
    checkpoint_metadata: dict | None = None,
    mesh: Mesh | None = None,
    market: MarketSeries | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    average_from: int | None = None,
    reinitialise: float | None = 0.1,
    price_noise: float = 0.0,
    turnover_penalty: float = 0.0,
    resume: str | os.PathLike | None = None,
) -> FitResult:
    """Train a pool's parameters by gradient ascent on an objective over random bouts.

    The prices are split in time at
    [`split_index(len(prices), val_fraction)`][quantamm_eqx.training.split_index]: the
    first `1 - val_fraction` are the training span, the rest the validation span. Each step
    samples `batch_size` bout windows of `bout_length` minutes inside the training span
    (starting after `burn_in`, so the pool's estimator has history), simulates them
    (`vmap`), and follows the gradient of the mean objective. Steps whose gradient is not
    finite are skipped (and reported in `skipped`). The initial weights' logits are frozen
    ([`trainable_filter`][quantamm_eqx.trainable_filter]). Step `n`'s windows (and price
    noise) are drawn from `jax.random.fold_in(key, n)`.

    A stacked pool (every field with a leading population axis) trains each member
    independently on the same windows, and the best member is returned. Steps run in
    `lax.scan` chunks of `steps_per_chunk` inside one compiled function.

    **Arguments:**

    - `pool`: the starting pool, or a stacked population.
    - `prices`: minute prices `(time, n_assets)`.
    - `config`: the simulation configuration.
    - `bout_length`: minutes per training bout.
    - `steps`: optimisation steps.
    - `key`: a JAX PRNG key (fixes the windows; the same key gives the same result).
    - `objective`: a name in `OBJECTIVES` or a function of a `Simulation`; maximised.
    - `optimizer`: an optax transformation; default
      [`default_optimizer()`][quantamm_eqx.training.default_optimizer], Adam (learning rate
      0.05) after clipping the gradient's global norm to 10. Schedules and clipping compose
      via optax; it is given `value`, `grad` and `value_fn` (of the negated objective on the
      step's windows), so `optax.lbfgs` and `optax.contrib.reduce_on_plateau` work.
    - `batch_size`: windows per step.
    - `val_fraction`: the fraction of the prices (at the end) held out for validation,
      in [0, 1); the validation objective is one bout over the whole validation span.
    - `burn_in`: the first minute a training window may start at; default `chunk_period`.
    - `steps_per_chunk`: steps per compiled `lax.scan` chunk (and between progress updates
      and checkpoints); at most `steps`.
    - `progress`: show a progress bar.
    - `method`: the estimator's evaluation in every simulated bout, `"scan"` (the default)
      or `"associative"` (see [`simulate`][quantamm_eqx.simulate]).
    - `checkpoint`: a path where the pool is saved with [`save_pool`][quantamm_eqx.save_pool]
      (with its JSON sidecar) after every chunk: the best one so far with validation, else
      the current one (what `FitResult.pool` will be); on several hosts, only the first
      (`jax.process_index() == 0`) writes it. Beside it, `<name>.run.npz` holds the run's
      state (parameters, optimiser state, step, best so far, averages, history and the
      run's settings) for `resume`; every file is written atomically.
    - `checkpoint_metadata`: `metadata` for every checkpoint's sidecar (see `save_pool`),
      e.g. the assets' names; checked before training starts.
    - `mesh`: a `jax.sharding.Mesh` to shard a population over: its members are split
      across the mesh's devices (all its axes together; the population size must be a
      multiple of the device count), the prices are replicated, and each device trains
      its members. The results equal those without a mesh up to rounding (each device's
      program is compiled for its share). For several hosts, call
      `jax.distributed.initialize()` first and build the mesh over `jax.devices()`.
    - `market`: per-minute series aligned with `prices`
      ([`MarketSeries`][quantamm_eqx.MarketSeries]).
    - `patience`: early stopping: end the run `patience` steps after the step with the
      best validation objective (the best member's, for a population); needs
      `val_fraction > 0`. `None`: run every step.
    - `min_delta`: how much a validation objective must beat the best so far to count as
      an improvement (for `patience` and the best pool).
    - `average_from`: stochastic weight averaging: `FitResult.averaged_pool` is the mean of
      the parameters after each step from this one on. `None`: no averaging.
    - `reinitialise`: for a population, a member whose every step of a chunk was skipped
      (its objective or gradient not finite) is re-drawn as the best member plus Gaussian
      noise of this standard deviation (stored units), with a fresh optimiser state, and
      reported in `FitResult.reinitialised`. `None`: leave it.
    - `price_noise`: augmentation: each step's training prices are multiplied by
      `exp(price_noise * N(0, 1))`, drawn afresh per step and minute (quantammsim's
      `price_noise_sigma`). Validation uses the prices as given.
    - `turnover_penalty`: the training objective becomes
      `objective - turnover_penalty * turnover` (see
      [`turnover`][quantamm_eqx.metrics.turnover]); validation scores the objective alone.
    - `resume`: a `checkpoint` path of an interrupted run: the run continues from its last
      chunk exactly as if it had not stopped (same results, bit for bit). Pass the
      arguments the run was started with (`steps` may grow); the checkpoints keep being
      written there unless `checkpoint` names another path.

    **Returns:**

    The [`FitResult`][quantamm_eqx.FitResult].

    **Raises:**

    `ValueError` for an unknown objective, `val_fraction` outside [0, 1), `bout_length`,
    `steps`, `steps_per_chunk`, `batch_size` or `burn_in` that are not integers in range, a
    `key` that is not one random key, a `checkpoint` in a folder that does not exist (or
    ending in `.json`), a `bout_length` that does not fit in the training span after the
    burn-in, or a `mesh` given for a single pool or a population that does not divide over
    its devices, or a `market` series that is of the wrong length, out of range or given
    twice; `patience` < 1 or without validation, `min_delta`, `price_noise`,
    `turnover_penalty` or `reinitialise` negative or not finite, `average_from` outside
    `[0, steps)`; a `resume` path with no run state, or whose run differs (naming the
    argument: another pool, prices, configuration, key, ...; `optimizer` when its state
    does not match), or `steps` below the steps it has run.

    `FloatingPointError` naming the objective when every step of a chunk of
    `steps_per_chunk` steps is skipped (a step whose gradient is not finite is skipped and
    reported in `FitResult.skipped`; a whole chunk of them means the run cannot progress).

    **Example:**

    ```python
    >>> import jax, numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, fit
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> rng = np.random.default_rng(0)
    >>> prices = np.exp(np.cumsum(rng.normal(0, 1e-3, (5 * 1440, 2)), axis=0))
    >>> result = fit(pool, prices, config, bout_length=3 * 1440, steps=2,
    ...              key=jax.random.key(0), batch_size=2, progress=False)
    >>> result.train_objective.shape, result.best_step  # no validation: the final pool
    ((2,), 1)
    >>> stopped = fit(pool, prices, config, bout_length=1440, steps=50, patience=3,
    ...               objective="returns", val_fraction=0.4, key=jax.random.key(0),
    ...               batch_size=2, progress=False)
    >>> stopped.steps_run < 50  # early stopping on the validation objective
    True
    ```
    """
    checked_pool(pool)
    checked_config(config)
    check_initial_weights(pool, config)
    objective_fn = objective_function(objective)
    optimizer = default_optimizer() if optimizer is None else checked_optimizer(optimizer)
    val_fraction = checked_val_fraction(val_fraction)
    validate = val_fraction > 0
    bout_length = checked_bout_length(bout_length)
    steps = checked_int(steps, "steps", 1)
    steps_per_chunk = checked_int(steps_per_chunk, "steps_per_chunk", 1)
    chunk = min(steps_per_chunk, steps)  # a short run compiles no steps it would not take
    batch_size = checked_int(batch_size, "batch_size", 1)
    burn_in = None if burn_in is None else checked_int(burn_in, "burn_in", 0)
    patience = checked_patience(patience, validate)
    min_delta = checked_non_negative(min_delta, "min_delta")
    average_from = checked_average_from(average_from, steps)
    if reinitialise is not None:
        reinitialise = checked_non_negative(reinitialise, "reinitialise")
    price_noise = checked_non_negative(price_noise, "price_noise")
    turnover_penalty = checked_non_negative(turnover_penalty, "turnover_penalty")
    check_key(key)
    prices = checked_prices(prices, pool=pool)
    market, config, zero_fee_minutes = market_inputs(market, config, prices.shape[0], prices.dtype)
    population = pool.population_size is not None
    checkpoint = resume if checkpoint is None else checkpoint
    if checkpoint is not None:
        check_checkpoint(checkpoint, member(pool, 0, population), checkpoint_metadata)
    method = checked_method(method)
    typed_key = jnp.issubdtype(key.dtype, jax.dtypes.prng_key)
    # What identifies the run, for its run-state file (digests: only when there is one).
    settings = None if checkpoint is None else run_settings(dict(
        pool=pool, prices=prices, config=config,
        key=jax.random.key_data(key) if typed_key else key, objective=objective_fn,
        bout_length=bout_length, batch_size=batch_size, val_fraction=val_fraction,
        burn_in=burn_in, steps_per_chunk=steps_per_chunk, method=method, market=market,
        patience=patience, min_delta=min_delta, average_from=average_from,
        reinitialise=reinitialise, price_noise=price_noise, turnover_penalty=turnover_penalty,
    ))  # fmt: skip
    if resume is not None:
        check_run_state(run_state_path(resume), settings)  # before anything is compiled
    if mesh is not None:
        pool, prices = shard(pool, prices, mesh, population)
    n_minutes = prices.shape[0]
    n_train = split_index(n_minutes, val_fraction)
    first_start = config.chunk_period if burn_in is None else max(burn_in, config.chunk_period)
    last_start = n_train - bout_length
    if last_start < first_start:
        raise ValueError(
            f"`bout_length`={bout_length} does not fit in the training span: minutes "
            f"[{first_start}, {n_train}) leave {max(n_train - first_start, 0)} minutes after the "
            "burn-in. Shorten the bout, lower `val_fraction` or `burn_in`, or add data."
        )
    if validate and n_minutes - n_train < 2:
        raise ValueError("The validation span is shorter than 2 minutes: raise `val_fraction`.")

    filter_spec = trainable_filter(pool)
    params, frozen = eqx.partition(pool, filter_spec)
    training = build_step(
        prices, config, objective=objective_fn, optimizer=optimizer, bout_length=bout_length,
        n_train=n_train, validate=validate, population=population, method=method,
        market=market, zero_fee_minutes=zero_fee_minutes, price_noise=price_noise,
        turnover_penalty=turnover_penalty,
    )  # fmt: skip
    opt_state = shard_members(training.init(params), mesh)
    try:
        initial_validation = training.validation(params, frozen) if validate else None
    except ValueError as error:  # the objective refuses the validation span
        raise ValueError(
            f"The validation span ({n_minutes - n_train} minutes) does not suit the objective: "
            f"{error} Raise `val_fraction`, or add data."
        ) from error
    run_chunk = build_chunk(
        training, frozen, batch_size=batch_size, first_start=first_start,
        last_start=last_start, steps_per_chunk=chunk,
    )  # fmt: skip
    average = None if average_from is None else jax.tree_util.tree_map(jnp.zeros_like, params)
    best = starting_best(pool, initial_validation, population)
    state = RunState(0, params, opt_state, best, average, 0, (), (), False)
    if resume is not None:
        state = load_run_state(run_state_path(resume), state, settings, frozen)
        if state.done > steps:
            raise ValueError(
                f"`steps`={steps} is below the {state.done} steps the resumed run has done: "
                "pass at least as many."
            )
    writes = checkpoint is not None and jax.process_index() == 0

    def on_chunk(state: RunState, path) -> None:
        if not writes:
            return
        if validate:
            chosen = member(state.best.pool, state.best.member, population)
        else:  # the result is the final pool: checkpoint the current one
            last = np.atleast_1d(state.records[-1].train_objective[-1])
            index = best_member(last) if population else 0
            chosen = member(eqx.combine(state.params, frozen), index, population)
        save_pool(checkpoint, chosen, metadata=checkpoint_metadata)
        best_params = eqx.partition(state.best.pool, filter_spec)[0]
        save_run_state(run_state_path(checkpoint), state, best_params, settings)

    if validate and writes and resume is None:
        chosen = member(best.pool, best.member, population)
        save_pool(checkpoint, chosen, metadata=checkpoint_metadata)
    options = LoopOptions(
        steps, chunk, validate, population, patience, min_delta, average_from,
        reinitialise, _objective_name(objective),
    )  # fmt: skip
    bar = progress_bar(steps, progress)
    bar.update(state.done)
    state = run_loop(state, run_chunk, training, frozen, key, options, on_chunk, bar)
    bar.close()
    return fit_result(state, frozen, validate, population)


def _objective_name(objective: object) -> str:
    """`'name'` for a named objective, else the function's name."""
    if isinstance(objective, str):
        return repr(objective)
    return repr(getattr(objective, "__name__", type(objective).__name__))

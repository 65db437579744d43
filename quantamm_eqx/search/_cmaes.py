"""`cmaes_search`: CMA-ES over a pool's stored parameters, for any objective (no gradients)."""

import math
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from jaxtyping import Array, PRNGKeyArray

from .._config import SimulationConfig, checked_config
from .._custom_types import PricesLike
from .._validation import (
    ArgumentTypeError,
    check_key,
    checked_instance,
    checked_int,
    checked_prices,
)
from ..metrics import objective_function
from ..pools import AbstractTFMMPool, field_at, searched_fields
from ..simulation import Simulation, simulate
from ..training import FitResult, split_index


def cmaes_search(
    pool: AbstractTFMMPool,
    prices: PricesLike,
    config: SimulationConfig,
    *,
    generations: int,
    key: PRNGKeyArray,
    population_size: int = 16,
    objective: str | Callable[[Simulation], Array] = "daily_log_sharpe",
    sigma_init: float = 0.2,
    bout_length: int | None = None,
    batch_size: int = 1,
    val_fraction: float = 0.0,
    burn_in: int | None = None,
    progress: bool = True,
) -> FitResult:
    """Search a pool's parameters with CMA-ES (evosax): no gradients, any objective.

    The searched parameters are the trainable stored fields with a
    [`ParamSpec`][quantamm_eqx.ParamSpec] (as for
    [`initial_population`][quantamm_eqx.initial_population]); every other field keeps the
    pool's value. CMA-ES runs on them flattened into one vector and rescaled so that each
    element's search range `[low, high]` (stored space) is `[0, 1]`: the mean starts at
    the pool's values (clipped into the ranges), `sigma_init` is the initial step size as
    a fraction of every range, and each candidate is clipped to the ranges before it is
    scored. Each generation simulates all its candidates in one `vmap` inside one
    compiled step (compiled once for the run), on the same windows: the whole training
    span after the burn-in (`bout_length=None`, deterministic) or `batch_size` random
    windows of `bout_length` minutes drawn from `jax.random.fold_in(key, generation)`.
    A candidate's fitness is its mean objective (maximised); a non-finite one ranks worst.
    The prices are split in time as by [`fit`][quantamm_eqx.fit].

    The best pool is chosen by the validation objective (`val_fraction > 0`) of each
    generation's best candidate on training, else by the training objective of every
    candidate (with random windows, generations are scored on different windows). The
    starting pool competes too (`best_step == -1`) when it is scored on the same span:
    with validation, or with `bout_length=None`.

    **Arguments:**

    - `pool`: the starting pool (a single pool, not a stacked population).
    - `prices`: minute prices `(time, n_assets)`.
    - `config`: the simulation configuration.
    - `generations`: CMA-ES generations (at least 1).
    - `key`: a JAX PRNG key; the same key gives the same result.
    - `population_size`: candidates per generation (at least 2).
    - `objective`: a name in `OBJECTIVES` or a function of a `Simulation`; maximised, and
      it need not be differentiable (e.g. `"max_drawdown"`).
    - `sigma_init`: CMA-ES's initial step size, relative to each parameter's range (> 0).
    - `bout_length`: minutes per training window, or `None` for the whole training span.
    - `batch_size`: random windows per generation (with `bout_length`).
    - `val_fraction`: the fraction of the prices (at the end) held out for validation,
      in [0, 1).
    - `burn_in`: the first minute a training window may start at; default `chunk_period`.
    - `progress`: show a progress bar.

    **Returns:**

    A [`FitResult`][quantamm_eqx.FitResult]: `pool` the best pool, `final_pool` the final
    CMA-ES mean, `train_objective` `(generations, population_size)`, `val_objective`
    `(generations,)` (each generation's best training candidate on validation) or `None`,
    `skipped` the candidates with a non-finite objective, `best_step` the generation and
    `best_member` the candidate of `pool`, `steps_run == generations`; `averaged_pool` is
    `None` and `reinitialised` is `()`.

    **Raises:**

    `ImportError` when evosax is not installed; `ValueError` naming the argument for a
    stacked `pool` or one with nothing to search, `generations` < 1, `population_size` < 2,
    `sigma_init` not positive and finite, `batch_size` < 1, `val_fraction` outside [0, 1),
    a `bout_length` or `burn_in` that is not an integer in range or leaves a window that
    does not fit the training span, a too short validation span, an unknown `objective` or
    a `key` that is not one random key.

    **Example:**

    ```python
    >>> import jax, numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig
    >>> from quantamm_eqx.search import cmaes_search
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> rng = np.random.default_rng(0)
    >>> prices = np.exp(np.cumsum(rng.normal(0, 1e-3, (2 * 1440, 2)), axis=0))
    >>> result = cmaes_search(pool, prices, config, generations=2, population_size=4,
    ...                       objective="max_drawdown", key=jax.random.key(0), progress=False)
    >>> result.train_objective.shape, result.steps_run
    ((2, 4), 2)
    ```
    """
    try:
        from evosax.algorithms import CMA_ES
    except ImportError as error:
        raise ImportError(
            "`cmaes_search` needs evosax: pip install 'quantamm_eqx[search]'"
        ) from error
    checked_instance(pool, AbstractTFMMPool, "pool", "a pool, e.g. MomentumPool.from_memory_days()")
    if pool.population_size is not None:
        raise ValueError(
            f"`pool` must be a single pool; got a stacked population of {pool.population_size}. "
            "Pass one member, e.g. `jax.tree_util.tree_map(lambda x: x[0], population)`."
        )
    checked_config(config)
    objective_fn = objective_function(objective)
    generations = checked_int(generations, "generations", 1)
    population_size = checked_int(population_size, "population_size", 2)
    sigma_init = _checked_sigma(sigma_init)
    batch_size = checked_int(batch_size, "batch_size", 1)
    burn_in = config.chunk_period if burn_in is None else checked_int(burn_in, "burn_in", 0)
    check_key(key)
    prices = checked_prices(prices, pool=pool)
    n_minutes = prices.shape[0]
    n_train = split_index(n_minutes, val_fraction)  # checks `val_fraction`
    validate = val_fraction > 0
    first_start = max(burn_in, config.chunk_period)
    if bout_length is None:
        length, batch_size = n_train - first_start, 1
    else:
        length = checked_int(bout_length, "bout_length", 2)
    last_start = n_train - length
    if length < 2 or last_start < first_start:
        raise ValueError(
            f"`bout_length`={bout_length} does not fit in the training span: minutes "
            f"[{first_start}, {n_train}) remain after the burn-in. Shorten the bout, lower "
            "`val_fraction` or `burn_in`, or add data."
        )
    if validate and n_minutes - n_train < 2:
        raise ValueError("The validation span is shorter than 2 minutes: raise `val_fraction`.")
    found = searched_fields(pool)
    if not found:
        raise ValueError("`pool` has no trainable parameter with a `ParamSpec` to search.")
    paths, specs = zip(*found, strict=True)
    flat, unravel = ravel_pytree([field_at(pool, path) for path in paths])
    sizes = [field_at(pool, path).size for path in paths]
    low = jnp.asarray(np.repeat([spec.low for spec in specs], sizes), flat.dtype)
    high = jnp.asarray(np.repeat([spec.high for spec in specs], sizes), flat.dtype)
    width = high - low

    def as_pool(unit: Array) -> AbstractTFMMPool:
        stored = unravel(jnp.clip(low + unit * width, low, high))  # exactly within the ranges
        return eqx.tree_at(lambda tree: [field_at(tree, path) for path in paths], pool, stored)

    def score(candidate, prices, start, bout):
        return objective_fn(
            simulate(candidate, prices, config, start_index=start, bout_length=bout)
        )

    def validation(candidate, prices):
        return score(candidate, prices, n_train, n_minutes - n_train)

    strategy = CMA_ES(population_size=population_size, solution=flat)
    params = strategy.default_params.replace(std_init=jnp.asarray(sigma_init, flat.dtype))
    key, init_key = jax.random.split(key)
    state = _strong(strategy.init(init_key, jnp.clip((flat - low) / width, 0.0, 1.0), params))

    @eqx.filter_jit
    @eqx.debug.assert_max_traces(max_traces=1)
    def generation(state, prices, index):
        ask_key, window_key, tell_key = jax.random.split(jax.random.fold_in(key, index), 3)
        candidates, state = strategy.ask(ask_key, state, params)
        starts = jax.random.randint(window_key, (batch_size,), first_start, last_start + 1)

        def mean_objective(unit):
            candidate = as_pool(unit)
            return jnp.mean(jax.vmap(lambda s: score(candidate, prices, s, length))(starts))

        objectives = jax.vmap(mean_objective)(candidates)
        finite = jnp.isfinite(objectives)
        fitness = jnp.where(finite, -objectives, jnp.nan)  # evosax minimises, ranks NaN last
        state, _ = strategy.tell(tell_key, candidates, fitness, state, params)
        best = jnp.argmax(jnp.where(finite, objectives, -jnp.inf))
        val = validation(as_pool(candidates[best]), prices) if validate else objectives[best]
        return _strong(state), jnp.clip(candidates, 0.0, 1.0), objectives, val

    if validate:
        start_score = float(validation(pool, prices))
    elif bout_length is None:
        start_score = float(score(pool, prices, first_start, length))
    else:  # random windows: the starting pool is not scored on the candidates' windows
        start_score = -math.inf
    bar = _progress_bar(generations, progress)
    units, train, val = [], [], []
    for index in range(generations):
        state, candidates, objectives, best_val = generation(state, prices, jnp.asarray(index))
        units.append(np.asarray(candidates))
        train.append(np.asarray(objectives))
        val.append(float(best_val))
        bar.update(1)
        generation_best = np.where(np.isfinite(train[-1]), train[-1], -np.inf).max()
        bar.set_postfix(best=f"{generation_best:.4g}")
    bar.close()
    train_objective = np.stack(train)
    finite = np.isfinite(train_objective)
    ranked = np.where(finite, train_objective, -np.inf)
    scores = np.where(np.isfinite(val), val, -np.inf) if validate else ranked.max(axis=1)
    best_step, best_member, pool_found = -1, 0, pool
    step = int(np.argmax(scores))
    if scores[step] > (start_score if np.isfinite(start_score) else -np.inf):
        best_step, best_member = step, int(np.argmax(ranked[step]))
        pool_found = as_pool(jnp.asarray(units[step][best_member]))
    return FitResult(
        pool=pool_found,
        final_pool=as_pool(state.mean),
        train_objective=jnp.asarray(train_objective),
        val_objective=jnp.asarray(val) if validate else None,
        skipped=jnp.asarray(~finite),
        averaged_pool=None,
        best_step=best_step,
        best_member=best_member,
        steps_run=generations,
        reinitialised=(),
    )


def _strong(tree):
    """`tree` with no weakly typed leaves (evosax's initial state has some): one compile."""
    return jax.tree_util.tree_map(lambda leaf: jnp.asarray(leaf, dtype=leaf.dtype), tree)


def _checked_sigma(sigma_init: object) -> float:
    if isinstance(sigma_init, bool) or not isinstance(sigma_init, int | float | np.number):
        raise ArgumentTypeError(f"`sigma_init` must be a number > 0; got {sigma_init!r}.")
    if not (math.isfinite(sigma_init) and sigma_init > 0):
        raise ValueError(f"`sigma_init` must be finite and > 0; got {sigma_init!r}.")
    return float(sigma_init)


def _progress_bar(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="cmaes", unit="generation", disable=not enabled)

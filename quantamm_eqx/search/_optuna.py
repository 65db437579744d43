"""`optuna_search`: a pool's parameters searched with Optuna, in human units, on a held-out
validation span (optionally refined by gradient steps, with pruning)."""

import contextlib
import os
from collections.abc import Callable
from typing import Any, NamedTuple

import equinox as eqx
import jax
import numpy as np
from jaxtyping import Array

from .._config import SimulationConfig
from .._custom_types import PricesLike
from .._validation import ArgumentTypeError, checked_instance, checked_int, checked_prices
from ..metrics import objective_function
from ..pools import AbstractTFMMPool
from ..simulation import Simulation, simulate
from ..training import split_index
from ._refine import Refiner
from ._space import SearchSpace, search_space

_INSTALL = "pip install 'quantamm_eqx[search]'"


class TrialSummary(NamedTuple):
    """One finished trial: its `number`, `value` (the validation objective), `state`
    (`"COMPLETE"`, `"PRUNED"`, `"FAIL"`) and `params` (human units)."""

    number: int
    value: float | None
    state: str
    params: dict[str, float]


class OptunaResult(NamedTuple):
    """What [`optuna_search`][quantamm_eqx.search.optuna_search] returns.

    - `pool`: the best trial's pool (refined, with `refine_steps > 0`);
    - `value`: its validation objective;
    - `params`: its sampled values in human units (before refinement);
    - `study`: the `optuna.Study` (every trial of every session on this storage);
    - `best_trials`: the `top` completed trials, best first, as
      [`TrialSummary`][quantamm_eqx.search.TrialSummary].
    """

    pool: AbstractTFMMPool
    value: float
    params: dict[str, float]
    study: Any
    best_trials: tuple[TrialSummary, ...]


def import_optuna():
    """The `optuna` module, or `ImportError` saying how to install it."""
    try:
        import optuna
    except ImportError as error:
        raise ImportError(f"Optuna search needs optuna: `{_INSTALL}`.") from error
    return optuna


def optuna_search(
    pool: AbstractTFMMPool,
    prices: PricesLike,
    config: SimulationConfig,
    *,
    n_trials: int,
    objective: str | Callable[[Simulation], Array] = "daily_log_sharpe",
    val_fraction: float = 0.25,
    storage: str | os.PathLike | None = None,
    study_name: str = "quantamm-eqx",
    sampler: Any = None,
    pruner: Any = None,
    refine_steps: int = 0,
    refine_chunk: int = 10,
    space: SearchSpace | None = None,
    per_asset: bool = False,
    progress: bool = True,
    seed: int = 0,
    load_if_exists: bool = True,
    top: int = 10,
) -> OptunaResult:
    """Search a pool's parameters with [Optuna](https://optuna.org), in human units.

    Each trial samples the human parameters of
    [`search_space`][quantamm_eqx.search.search_space] (memory in days, `k` per day, ...;
    log scale where a range spans a decade), builds the pool (`pool`'s other fields kept)
    and scores it: the last `val_fraction` of the prices is the validation span, and the
    trial's value is `objective` of the pool simulated over it (its estimator's history
    from the earlier prices). Optuna maximises it.

    **Hybrid refinement.** With `refine_steps > 0`, each trial's pool is first refined by
    `refine_steps` steps of gradient ascent (`fit`'s step: Adam, learning rate 0.05, on one
    bout over the whole training span after `chunk_period` minutes of history), in compiled
    chunks of `refine_chunk` steps (one compilation serves every trial). The validation
    objective is reported to the trial before refining (step 0) and after each chunk (the
    step count), so the `pruner` can stop a poor trial early; the trial's value and pool
    are the best reported. Without refinement nothing is reported and nothing is pruned.

    **Storage.** `storage=None` keeps the study in memory. A path (`"study.db"`) or an
    Optuna RDB URL (`"sqlite:///study.db"`, `"postgresql://user@host/db"`) keeps it in a
    database: a study interrupted (Ctrl-C) keeps its finished trials, and calling again
    with the same `storage` and `study_name` continues it (`n_trials` more). Several
    processes may run the search on one study at once (one SQLite file on one machine; on
    many hosts, one PostgreSQL URL): give each its own `seed`.

    Optuna's per-trial log lines are silenced during the call (warnings still show).

    **Arguments:**

    - `pool`: a momentum, anti-momentum or channel pool: the template of every trial.
    - `prices`: minute prices `(time, n_assets)`.
    - `config`: the simulation configuration (its `chunk_period` counts the memory).
    - `n_trials`: the trials to run in this call (at least 1).
    - `objective`: a name in [`OBJECTIVES`][quantamm_eqx.metrics.OBJECTIVES] or a function
      of a `Simulation`; maximised.
    - `val_fraction`: the share of the prices, at the end, that scores each trial, in (0, 1).
    - `storage`: where the study lives (see above).
    - `study_name`: the study's name in the storage.
    - `sampler`: an Optuna sampler; default `TPESampler` seeded from `seed` and the number of
      trials the study already holds (so a resumed study does not repeat its first points).
    - `pruner`: an Optuna pruner; default `MedianPruner()`.
    - `refine_steps`: gradient steps per trial (0: none).
    - `refine_chunk`: steps between reports to the pruner (and per compiled chunk).
    - `space`: the search space; default `search_space(pool, chunk_period=...,
      per_asset=per_asset, max_memory_days=config.max_memory_days)`.
    - `per_asset`: search one value per asset (with the default `space`).
    - `progress`: show a progress bar over the trials.
    - `seed`: seeds the default sampler and the refinement's random key.
    - `load_if_exists`: continue a study of that name in `storage` (else refuse it).
    - `top`: how many of the best trials `best_trials` lists.

    **Returns:**

    An [`OptunaResult`][quantamm_eqx.search.OptunaResult].

    **Raises:**

    `ImportError` when optuna is not installed; `ValueError` naming the argument for
    `n_trials` or `top` below 1, `val_fraction` outside (0, 1), an unknown `objective`,
    negative `refine_steps`, a validation span the objective cannot score, or a study
    in which no trial completed.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig
    >>> from quantamm_eqx.search import optuna_search
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> rng = np.random.default_rng(0)
    >>> prices = np.exp(np.cumsum(rng.normal(0, 1e-3, (4 * 1440, 2)), axis=0))
    >>> result = optuna_search(pool, prices, config, n_trials=3, objective="returns",
    ...                        progress=False)
    >>> sorted(result.params), len(result.study.trials)
    (['k_per_day', 'memory_days'], 3)
    ```
    """
    optuna = import_optuna()
    checked_instance(pool, AbstractTFMMPool, "pool", "a pool, e.g. MomentumPool(...)")
    checked_instance(config, SimulationConfig, "config", "a SimulationConfig")
    n_trials = checked_int(n_trials, "n_trials", 1)
    top = checked_int(top, "top", 1)
    refine_steps = checked_int(refine_steps, "refine_steps", 0)
    refine_chunk = checked_int(refine_chunk, "refine_chunk", 1)
    val_fraction = _checked_fraction(val_fraction)
    objective_fn = objective_function(objective)
    prices = checked_prices(prices, pool=pool)
    if space is None:
        space = search_space(
            pool,
            chunk_period=config.chunk_period,
            per_asset=per_asset,
            max_memory_days=config.max_memory_days,
        )
    n_minutes = prices.shape[0]
    n_train = split_index(n_minutes, val_fraction)
    if n_train <= config.chunk_period + 1 or n_minutes - n_train < 2:
        raise ValueError(
            f"`val_fraction`={val_fraction} leaves {n_train} training and "
            f"{n_minutes - n_train} validation minutes: the training span must be longer "
            f"than chunk_period={config.chunk_period} and the validation span at least 2."
        )

    def score(candidate: AbstractTFMMPool) -> float:
        result = simulate(
            candidate, prices, config, start_index=n_train, bout_length=n_minutes - n_train
        )
        return float(objective_fn(result))

    try:
        score(pool)
    except ValueError as error:
        raise ValueError(
            f"The validation span ({n_minutes - n_train} minutes) does not suit the objective: "
            f"{error} Raise `val_fraction`, or add data."
        ) from error
    refine = None
    if refine_steps:
        refine = Refiner(pool, prices, config, objective_fn, n_train, refine_steps, refine_chunk)
    key = jax.random.key(seed)

    def run_trial(trial) -> float:
        values = {
            p.name: trial.suggest_float(p.name, p.low, p.high, log=p.log) for p in space.parameters
        }
        candidate = space.pool(values, n_assets=prices.shape[1])
        if refine is None:
            return score(candidate)
        value, refined = refine(candidate, trial, jax.random.fold_in(key, trial.number), optuna)
        trial.set_user_attr("pool", _stored(refined, space))
        return value

    with _quiet(optuna):
        study = optuna.create_study(
            storage=_storage_url(storage),
            study_name=study_name,
            direction="maximize",
            load_if_exists=load_if_exists,
            sampler=sampler,
            pruner=optuna.pruners.MedianPruner() if pruner is None else pruner,
        )
        if sampler is None:
            entropy = np.random.SeedSequence([seed, len(study.trials)]).generate_state(1)[0]
            study.sampler = optuna.samplers.TPESampler(seed=int(entropy))
        bar = _progress(n_trials, progress)

        def on_trial(study, trial) -> None:
            bar.update(1)
            with contextlib.suppress(ValueError):  # no completed trial yet
                bar.set_postfix(best=f"{study.best_value:.4g}")

        try:
            study.optimize(run_trial, n_trials=n_trials, callbacks=[on_trial])
        finally:
            bar.close()
    return _result(study, space, top, prices.shape[1])


def _checked_fraction(val_fraction: object) -> float:
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, int | float):
        raise ArgumentTypeError(f"`val_fraction` must be a number in (0, 1); got {val_fraction!r}.")
    if not 0 < val_fraction < 1:
        raise ValueError(f"`val_fraction` must lie in (0, 1); got {val_fraction!r}.")
    return float(val_fraction)


def _storage_url(storage: str | os.PathLike | None) -> str | None:
    """An Optuna storage URL: as given, or `sqlite:///<absolute path>` for a path."""
    if storage is None or (isinstance(storage, str) and "://" in storage):
        return storage
    return "sqlite:///" + os.path.abspath(os.fspath(storage))


def _stored(pool: AbstractTFMMPool, space: SearchSpace) -> dict[str, list[float]]:
    """The stored fields the space sets, as JSON lists (a trial's refined pool)."""
    fields = {parameter.field for parameter in space.parameters}
    return {field: np.asarray(getattr(pool, field)).tolist() for field in sorted(fields)}


def _result(study, space: SearchSpace, top: int, n_assets: int) -> OptunaResult:
    complete = [t for t in study.trials if t.state.name == "COMPLETE" and t.value is not None]
    if not complete:
        raise ValueError(
            f"No trial of the study {study.study_name!r} completed (every one was pruned or "
            "failed): raise `n_trials`, or loosen the `pruner`."
        )
    best = max(complete, key=lambda t: t.value)
    pool = space.pool(best.params, n_assets=n_assets)
    for field, values in best.user_attrs.get("pool", {}).items():
        dtype = getattr(pool, field).dtype
        array = jax.numpy.asarray(values, dtype=dtype)
        pool = eqx.tree_at(lambda tree, f=field: getattr(tree, f), pool, array)
    ranked = sorted(complete, key=lambda t: t.value, reverse=True)[:top]
    rows = tuple(TrialSummary(t.number, t.value, t.state.name, dict(t.params)) for t in ranked)
    return OptunaResult(pool, float(best.value), dict(best.params), study, rows)


@contextlib.contextmanager
def _quiet(optuna):
    """Optuna's log at WARNING for the duration (its per-trial INFO lines hidden)."""
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(verbosity)


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="search", unit="trial", disable=not enabled)

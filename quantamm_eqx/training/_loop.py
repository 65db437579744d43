"""`fit`'s loop over compiled chunks (best pool, early stopping, averaging, re-drawing
members that went non-finite, checkpoints, progress) and the result it ends with."""

from collections.abc import Callable
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PyTree

from ._hosts import member, to_host
from ._result import Best, FitResult, best_member, chunk_best
from ._run_state import RunState
from ._step import StepRecord, TrainingStep


class LoopOptions(NamedTuple):
    """`fit`'s checked settings that the loop reads (see [`fit`][quantamm_eqx.fit])."""

    steps: int
    steps_per_chunk: int
    validate: bool
    population: bool
    patience: int | None
    min_delta: float
    average_from: int | None
    reinitialise: float | None
    objective_name: str


def run_loop(
    state: RunState,
    run_chunk: Callable[..., tuple[PyTree, PyTree, PyTree, Any]],
    training: TrainingStep,
    frozen: PyTree,
    key: Any,
    options: LoopOptions,
    on_chunk: Callable[[RunState, PyTree], None],
    bar: Any,
) -> RunState:
    """Run chunks from `state` until `options.steps` are done or early stopping ends the
    run; `on_chunk(state, path)` after each (checkpoints)."""
    while state.done < options.steps and not state.stopped:
        done = state.done
        take = min(options.steps_per_chunk, options.steps - done)
        params, opt_state, path, records = run_chunk(state.params, state.opt_state, key, done, take)
        record = StepRecord(*(to_host(values)[:take] for values in records))
        if record.skipped.all():
            bar.close()
            raise FloatingPointError(
                f"Every step of steps {done}-{done + take - 1} was skipped: the objective "
                f"{options.objective_name} or its gradient is not finite"
                f"{' for any member' if options.population else ''}. Check the objective on a "
                "simulation of the pool, or lower the learning rate if earlier steps diverged."
            )
        best, stop = state.best, None
        if options.validate:
            best, stop = chunk_best(
                best, record.val_objective, path, frozen, done, options.population,
                options.min_delta, options.patience,
            )  # fmt: skip
        if stop is not None:  # the steps after `stop` are dropped
            take = stop - done + 1
            record = StepRecord(*(values[:take] for values in record))
            params = jax.tree_util.tree_map(lambda leaf: leaf[take - 1], path)
        average, averaged = _accumulate(state, path, take, options.average_from)
        reinitialised = state.reinitialised
        if options.population and options.reinitialise is not None and stop is None:
            members = _stuck_members(record)
            if members.size:
                # A stream apart from the steps' `fold_in(key, n)`.
                step_key = jax.random.fold_in(jax.random.fold_in(key, 2**32 - 1), done + take)
                params, opt_state = _redraw(
                    params, opt_state, members, record, training, step_key, options.reinitialise
                )
                reinitialised += tuple((done + take, int(index)) for index in members)
        state = RunState(
            done + take, params, opt_state, best, average, averaged,
            (*state.records, record), reinitialised, stop is not None,
        )  # fmt: skip
        on_chunk(state, path)
        bar.update(take)
        if np.isfinite(best.score):
            bar.set_postfix(best=f"{best.score:.4g}")
    return state


def _accumulate(
    state: RunState, path: PyTree, take: int, average_from: int | None
) -> tuple[PyTree | None, int]:
    """The running sum of the parameters after each step from `average_from` on."""
    if average_from is None:
        return state.average, state.averaged
    first = max(average_from - state.done, 0)
    if first >= take:
        return state.average, state.averaged
    average = jax.tree_util.tree_map(
        lambda total, leaf: total + leaf[first:take].sum(0), state.average, path
    )
    return average, state.averaged + take - first


def _stuck_members(record: StepRecord) -> np.ndarray:
    """Members every step of the chunk skipped (their objective or gradient not finite),
    when some other member is not stuck."""
    stuck = record.skipped.all(axis=0)
    return np.flatnonzero(stuck) if not stuck.all() else np.array([], int)


def _redraw(
    params: PyTree,
    opt_state: PyTree,
    members: np.ndarray,
    record: StepRecord,
    training: TrainingStep,
    key: Any,
    scale: float,
) -> tuple[PyTree, PyTree]:
    """Members `members` become the best member (by its last finite training objective)
    plus Gaussian noise of standard deviation `scale`, with a fresh optimiser state."""
    last = np.where(record.skipped, -np.inf, record.train_objective)
    donor = best_member(last.max(axis=0))
    mask = np.zeros(record.skipped.shape[1], bool)
    mask[members] = True
    leaves, treedef = jax.tree_util.tree_flatten(params)
    keys = jax.random.split(key, max(len(leaves), 1))
    redrawn = []
    for leaf, leaf_key in zip(leaves, keys):
        noise = scale * jax.random.normal(leaf_key, leaf.shape, leaf.dtype)
        chosen = _members_mask(mask, leaf)
        redrawn.append(jnp.where(chosen, leaf[donor] + noise, leaf))
    params = jax.tree_util.tree_unflatten(treedef, redrawn)
    fresh = training.init(params)
    opt_state = jax.tree_util.tree_map(
        lambda new, old: jnp.where(_members_mask(mask, old), new, old), fresh, opt_state
    )
    return params, opt_state


def _members_mask(mask: np.ndarray, leaf: Any) -> Any:
    """`mask` over a leaf's leading (member) axis, broadcast over the rest."""
    return jnp.asarray(mask).reshape((-1,) + (1,) * (jnp.ndim(leaf) - 1))


def fit_result(state: RunState, frozen: PyTree, validate: bool, population: bool) -> FitResult:
    """The `FitResult` of a finished run."""
    train_objective, val_objective, skipped = (
        np.concatenate(parts) for parts in zip(*state.records)
    )
    final_pool = eqx.combine(state.params, frozen)
    best = state.best
    if not validate:
        # Without validation the training objective is noisy per step: keep the final pool.
        final_scores = np.atleast_1d(train_objective[-1])
        index = best_member(final_scores) if population else 0
        best = Best(state.done - 1, index, float(final_scores[index]), final_pool)
    averaged_pool = None
    if state.averaged:
        mean = jax.tree_util.tree_map(lambda total: total / state.averaged, state.average)
        averaged_pool = eqx.combine(mean, frozen)
    return FitResult(
        pool=member(best.pool, best.member, population),
        final_pool=final_pool,
        train_objective=jnp.asarray(train_objective),
        val_objective=jnp.asarray(val_objective) if validate else None,
        skipped=jnp.asarray(skipped),
        averaged_pool=averaged_pool,
        best_step=best.step,
        best_member=best.member,
        steps_run=state.done,
        reinitialised=state.reinitialised,
    )

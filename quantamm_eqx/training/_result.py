"""What [`fit`][quantamm_eqx.fit] returns, and the best pool it tracks while it runs."""

from typing import NamedTuple

import equinox as eqx
import jax
import numpy as np
from jaxtyping import Array, Bool, Float, PyTree

from ..pools import AbstractTFMMPool
from ._hosts import to_host


class FitResult(eqx.Module):
    """The result of [`fit`][quantamm_eqx.fit].

    **Fields:**

    - `pool`: the best pool: the population member and step with the best validation
      objective, or (without validation) the final pool's best member by training objective;
    - `final_pool`: the pool (or stacked population) after the last step;
    - `train_objective`: the mini-batch training objective before each step,
      `(steps,)` or `(steps, population)`;
    - `val_objective`: the validation objective after each step (same shape), or `None`;
    - `skipped`: whether each step was skipped because its gradient was not finite;
    - `averaged_pool`: with `fit(average_from=n)`, the mean of the parameters after each
      step from step `n` on (stochastic weight averaging; a stacked population is
      averaged member by member), else `None`;
    - `best_step`, `best_member`: where `pool` comes from (-1 for the starting pool);
    - `steps_run`: the steps run (fewer than `steps` when early stopping ended the run);
    - `reinitialised`: `(step, member)` for each population member re-drawn after its
      objective went non-finite (see `fit(reinitialise=...)`).

    **Example:**

    ```python
    >>> import dataclasses
    >>> from quantamm_eqx import FitResult
    >>> [field.name for field in dataclasses.fields(FitResult)][:3]
    ['pool', 'final_pool', 'train_objective']
    ```
    """

    pool: AbstractTFMMPool
    final_pool: AbstractTFMMPool
    train_objective: Float[Array, "..."]
    val_objective: Float[Array, "..."] | None
    skipped: Bool[Array, "..."]
    averaged_pool: AbstractTFMMPool | None
    best_step: int = eqx.field(static=True)
    best_member: int = eqx.field(static=True)
    steps_run: int = eqx.field(static=True)
    reinitialised: tuple[tuple[int, int], ...] = eqx.field(static=True)


class Best(NamedTuple):
    """The best pool found so far by [`fit`][quantamm_eqx.fit], and where it comes from.

    - `step`: the step after which it was found (-1 for the starting pool);
    - `member`: its index in a population (0 for a single pool);
    - `score`: its objective (validation, or training for the final pool without
      validation); `-inf` while nothing has been scored;
    - `pool`: the pool, or the whole stacked population at that step (the member is
      picked from it at the end).

    **Example:**

    ```python
    >>> from quantamm_eqx import MomentumPool
    >>> from quantamm_eqx.training._result import Best
    >>> start = Best(step=-1, member=0, score=float("-inf"),
    ...              pool=MomentumPool.from_memory_days(n_assets=2))
    >>> start._replace(step=3, score=1.5).step
    3
    ```
    """

    step: int
    member: int
    score: float
    pool: AbstractTFMMPool


def starting_best(
    pool: AbstractTFMMPool, initial_validation: Array | None, population: bool
) -> Best:
    """The starting pool as the best so far, scored by its validation objective if any."""
    if initial_validation is None:
        return Best(step=-1, member=0, score=-np.inf, pool=pool)
    scores = np.atleast_1d(to_host(initial_validation))
    index = best_member(scores) if population else 0
    return Best(step=-1, member=index, score=finite_or_worst(scores[index]), pool=pool)


def best_member(scores: np.ndarray) -> int:
    """The index of the highest finite score (a NaN member never wins; 0 if none is finite)."""
    return int(np.argmax(np.where(np.isfinite(scores), scores, -np.inf)))


def finite_or_worst(score: float) -> float:
    return float(score) if np.isfinite(score) else -np.inf


def chunk_best(
    best: Best,
    val_objective: np.ndarray,
    path: PyTree,
    frozen: PyTree,
    done: int,
    population: bool,
    min_delta: float = 0.0,
    patience: int | None = None,
) -> tuple[Best, int | None]:
    """Follow a chunk's validation objectives (its first step is step `done`) in order.

    A step improves when its best member's objective exceeds `best.score + min_delta`
    (non-finite objectives never do); the last improving step's pool becomes the best.
    With `patience`, the run stops at the first step `patience` steps after the best one.

    **Returns:**

    `(best, stop)`: the best so far after the chunk (or up to `stop`), and the step at
    which to stop, or `None`.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool
    >>> from quantamm_eqx.training._result import Best, chunk_best
    >>> pool = MomentumPool.from_memory_days(n_assets=2)
    >>> start = Best(step=-1, member=0, score=0.0, pool=pool)
    >>> scores = np.array([1.0, 0.5, 0.9])  # steps 0, 1, 2; no path needed to read them
    >>> best, stop = chunk_best(start, scores, None, None, 0, False, patience=2)
    >>> best.step, best.score, stop
    (0, 1.0, 2)
    ```
    """
    flat = np.where(np.isfinite(val_objective), val_objective, -np.inf)
    scores = flat.reshape(flat.shape[0], -1).max(axis=1)
    best_in_chunk, stop = None, None
    score, step = best.score, best.step
    for offset, candidate in enumerate(scores):
        if candidate > score + min_delta:
            best_in_chunk, score, step = offset, float(candidate), done + offset
        elif patience is not None and done + offset - step >= patience:
            stop = done + offset
            break
    if best_in_chunk is None:
        return best, stop
    index = int(np.argmax(flat[best_in_chunk])) if population else 0
    chosen = jax.tree_util.tree_map(lambda leaf: leaf[best_in_chunk], path)
    return Best(step, index, score, eqx.combine(chosen, frozen)), stop

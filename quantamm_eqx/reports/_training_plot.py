"""The training curve as a PNG: the training and validation objectives per step."""

import os
from collections.abc import Sequence

import numpy as np

from ._figures import legend_below, new_figure, save_png


def plot_training(
    train_objective: np.ndarray | Sequence,
    val_objective: np.ndarray | Sequence | None,
    path: str | os.PathLike,
    *,
    objective: str = "daily_log_sharpe",
    best_step: int | None = None,
    title: str | None = None,
) -> None:
    """Plot a training run's objectives per step, to a PNG (say, `training.png`).

    The mini-batch training objective is a thin, noisy line; the validation objective a
    thicker one; a dotted vertical line marks the step of the best pool. For a population
    (2-D objectives, `(steps, population)`) each member is drawn faint and thin and the
    mean over the members bold. Non-finite values (steps skipped because their gradient
    was not finite) leave gaps.

    **Arguments:**

    - `train_objective`: the mini-batch training objective at each step, `(steps,)` or
      `(steps, population)` ([`FitResult.train_objective`][quantamm_eqx.FitResult]).
    - `val_objective`: the validation objective at each step, `(steps,)` or
      `(steps, population)`, or `None` (no validation).
    - `path`: the PNG file to write.
    - `objective`: the objective's name, the y axis's label.
    - `best_step`: the step whose pool was kept (`FitResult.best_step`); no marker for
      `None` or a negative step (the starting pool).
    - `title`: the plot's title (default "Training").

    **Raises:**

    `ValueError` for objectives that are not 1-D or 2-D, a validation objective with
    another number of steps than the training one, or a `best_step` past the last step.

    **Example:**

    ```python
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from quantamm_eqx.reports import plot_training
    >>> train = [0.1, 0.3, float("nan"), 0.2, 0.5]  # step 2 was skipped
    >>> val = [0.15, 0.2, 0.2, 0.25, 0.3]
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "training.png"
    >>> plot_training(train, val, path, best_step=4)
    >>> path.read_bytes()[:4] == b"\\x89PNG"
    True
    >>> plot_training(np.ones((5, 3)), None, path, objective="return")  # a population of 3
    >>> plot_training(train, val[:4], path)
    Traceback (most recent call last):
    ...
    ValueError: `val_objective` has 4 steps; `train_objective` has 5.
    ```
    """
    figure = _training_figure(train_objective, val_objective, objective, best_step, title)
    save_png(figure, path)


def _steps_array(values, name: str) -> np.ndarray:
    """`values` as a float64 `(steps,)` or `(steps, population)` array, non-finite as NaN."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim not in (1, 2) or array.shape[0] == 0:
        raise ValueError(
            f"`{name}` must be `(steps,)` or `(steps, population)` with steps; got shape "
            f"{array.shape}."
        )
    return np.where(np.isfinite(array), array, np.nan)


def _mean_over_members(array: np.ndarray) -> np.ndarray:
    """The mean over a population's members of each step's finite values (NaN if none)."""
    finite = np.isfinite(array)
    counts = finite.sum(axis=1)
    totals = np.where(finite, array, 0.0).sum(axis=1)
    return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)


def _draw(axes, array: np.ndarray, label: str, color: str, linewidth: float, alpha: float):
    steps = np.arange(array.shape[0])
    if array.ndim == 2:
        axes.plot(steps, array, color=color, linewidth=0.5, alpha=0.25)
        label = f"{label}, mean of {array.shape[1]} members"
        array = _mean_over_members(array)
    axes.plot(steps, array, label=label, color=color, linewidth=linewidth, alpha=alpha)


def _training_figure(train_objective, val_objective, objective, best_step, title):
    train = _steps_array(train_objective, "train_objective")
    steps = train.shape[0]
    val = None if val_objective is None else _steps_array(val_objective, "val_objective")
    if val is not None and val.shape[0] != steps:
        raise ValueError(
            f"`val_objective` has {val.shape[0]} steps; `train_objective` has {steps}."
        )
    if best_step is not None and best_step >= steps:
        raise ValueError(f"`best_step` is {best_step}; the last step is {steps - 1}.")
    figure, axes = new_figure()
    _draw(axes, train, "training (mini-batch)", "C0", 0.9, alpha=0.8)
    if val is not None:
        _draw(axes, val, "validation", "C1", 1.8, alpha=1.0)
    if best_step is not None and best_step >= 0:
        axes.axvline(
            best_step, color="black", linestyle=":", linewidth=1.4, label=f"best: step {best_step}"
        )
    axes.set_xlabel("step")
    axes.set_ylabel(objective)
    axes.set_xlim(0, max(steps - 1, 1))
    axes.grid(alpha=0.3)
    legend_below(figure, axes)
    axes.set_title(title or "Training")
    return figure

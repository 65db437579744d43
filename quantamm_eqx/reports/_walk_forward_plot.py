"""A walk-forward evaluation as a PNG: the objective in and out of sample per window, and
the stitched out-of-sample value against HODL."""

import math
import os

import numpy as np

from ..evaluation import WalkForwardResult
from ._figures import save_png, value_axis

MINUTES_PER_DAY = 1440


def plot_walk_forward(
    result: WalkForwardResult,
    path: str | os.PathLike,
    *,
    title: str | None = None,
    log_scale: bool = False,
) -> None:
    """Plot a walk-forward evaluation to a PNG (say, `walk_forward.png`).

    Above, each window's objective in sample (over its training span) and out of sample
    (over its test span), side by side; the title states the walk-forward efficiency and
    the gap. Below, the stitched out-of-sample value curve against HODL over the test
    spans' days, with a dotted line where each window starts, and the deflated Sharpe
    ratio. The legend sits below the plots.

    **Arguments:**

    - `result`: a [`WalkForwardResult`][quantamm_eqx.evaluation.WalkForwardResult].
    - `path`: the PNG file to write (atomically).
    - `title`: the figure's title (default "Walk-forward evaluation").
    - `log_scale`: draw the values on a logarithmic axis.

    **Example:**

    ```python
    >>> import pathlib, tempfile
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx import MomentumPool
    >>> from quantamm_eqx.evaluation import (BootstrapInterval, DeflatedSharpe, Window,
    ...                                      WalkForwardResult)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0)
    >>> nan = float("nan")
    >>> result = WalkForwardResult(
    ...     windows=(Window(0, 4, 4, 7), Window(3, 7, 7, 10)), pools=(pool, pool),
    ...     in_sample=jnp.array([1.0, 2.0]), out_of_sample=jnp.array([0.5, 1.0]),
    ...     oos_minutes=jnp.arange(4, 10), oos_values=jnp.linspace(1.0, 1.2, 6),
    ...     hodl_values=jnp.linspace(1.0, 1.1, 6),
    ...     deflated_sharpe=DeflatedSharpe(nan, nan, nan, nan, nan, 0, 2),
    ...     sharpe_interval=BootstrapInterval(nan, nan, nan, nan), objective="sharpe")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "walk_forward.png"
    >>> plot_walk_forward(result, path)
    >>> path.read_bytes()[:4] == b"\\x89PNG"
    True
    ```
    """
    figure = _figure(result, title, log_scale)
    save_png(figure, path)


def _figure(result: WalkForwardResult, title: str | None, log_scale: bool):
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "Plots need matplotlib: `python -m pip install 'quantamm_eqx[plot]'`."
        ) from error
    figure = Figure(figsize=(10, 7), layout="constrained")
    objectives, values = figure.subplots(2, 1, height_ratios=(2, 3))
    _draw_objectives(objectives, result)
    _draw_values(values, result, log_scale)
    handles, labels = [], []
    for axes in (objectives, values):
        more_handles, more_labels = axes.get_legend_handles_labels()
        handles += more_handles
        labels += more_labels
    figure.legend(handles, labels, loc="outside lower center", ncols=4, fontsize="small")
    figure.suptitle(title or "Walk-forward evaluation")
    return figure


def _draw_objectives(axes, result: WalkForwardResult) -> None:
    """Bars of each window's in-sample and out-of-sample objective."""
    in_sample = np.asarray(result.in_sample, dtype=np.float64)
    out_of_sample = np.asarray(result.out_of_sample, dtype=np.float64)
    windows = np.arange(1, result.n_windows + 1)
    width = 0.4
    axes.bar(windows - width / 2, in_sample, width, label="in sample (training span)", color="C0")
    axes.bar(
        windows + width / 2, out_of_sample, width, label="out of sample (test span)", color="C1"
    )
    axes.axhline(0.0, color="black", linewidth=0.8)
    axes.set_xticks(windows)
    axes.set_xlabel("window")
    axes.set_ylabel(result.objective)
    axes.grid(alpha=0.3, axis="y")
    axes.set_title(
        f"{result.objective}: walk-forward efficiency {_number(result.walk_forward_efficiency)}, "
        f"gap {_number(result.gap)}",
        fontsize="medium",
    )


def _draw_values(axes, result: WalkForwardResult, log_scale: bool) -> None:
    """The stitched out-of-sample value and HODL over the test spans' days."""
    values = np.asarray(result.oos_values, dtype=np.float64)
    hodl = np.asarray(result.hodl_values, dtype=np.float64)
    days = np.arange(values.shape[0]) / MINUTES_PER_DAY
    axes.plot(days, values, label="pool, out of sample (stitched)", color="C1", linewidth=1.4)
    axes.plot(days, hodl, label="HODL", color="black", linewidth=1.0, alpha=0.7)
    starts = np.cumsum([0] + [window.test_length for window in result.windows[:-1]])
    for start in starts[1:]:
        axes.axvline(start / MINUTES_PER_DAY, color="grey", linestyle=":", linewidth=1.0)
    both = np.concatenate([values, hodl])
    finite = both[np.isfinite(both)]
    if finite.size:
        value_axis(axes, float(finite.min()), float(finite.max()), log_scale)
    axes.set_xlim(0, max(days[-1], 1 / MINUTES_PER_DAY) if days.size else 1)
    axes.set_xlabel("days out of sample (test spans, window after window)")
    axes.set_ylabel("value")
    axes.grid(alpha=0.3)
    deflated = result.deflated_sharpe
    interval = result.sharpe_interval
    axes.set_title(
        f"deflated Sharpe ratio {_number(deflated.probability)} ({deflated.n_trials} trials); "
        f"annualised Sharpe {_number(interval.point)} "
        f"[{_number(interval.low)}, {_number(interval.high)}]",
        fontsize="medium",
    )


def _number(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.3g}"

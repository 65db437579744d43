"""PNG plots of a run record (matplotlib, from the `plot` extra).

Each `plot_*` function saves the figure its `_*_figure` function builds (tests inspect
those); every legend sits below the plot, outside the axes, so it never covers the data.
"""

import os

import numpy as np

from ._figures import legend_below, new_figure, save_png, value_axis
from ._runs import ATTRIBUTION_PARTS, RunRecord


def plot_weights(record: RunRecord, path: str | os.PathLike, title: str | None = None) -> None:
    """Plot the pool's weights over time as stacked areas, to a PNG file.

    **Example:**

    ```python
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from quantamm_eqx.reports import RunRecord, plot_weights
    >>> times = np.datetime64("2024-01-01T00:00") + np.arange(3) * np.timedelta64(1, "h")
    >>> half = np.full((3, 2), 0.5)
    >>> record = RunRecord(times, ("A", "B"), half, half, half, *np.ones((3, 3)), {})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "weights.png"
    >>> plot_weights(record, path)
    >>> path.read_bytes()[:4] == b"\\x89PNG"
    True
    ```
    """
    save_png(_weights_figure(record, title), path)


def _weights_figure(record: RunRecord, title: str | None):
    figure, axes = new_figure()
    axes.stackplot(record.timestamps, record.weights.T, labels=record.assets, alpha=0.85)
    axes.set_ylim(0, 1)
    axes.set_ylabel("weight")
    axes.margins(x=0)
    legend_below(figure, axes, max_columns=8)
    axes.set_title(title or "Pool weights")
    return figure


def plot_values(
    record: RunRecord,
    path: str | os.PathLike,
    title: str | None = None,
    *,
    log_scale: bool = False,
) -> None:
    """Plot the pool's value against HODL, an equal-weight rebalanced portfolio and the
    record's `comparisons` (dashed), to a PNG.

    **Arguments:**

    - `record`: a [`RunRecord`][quantamm_eqx.reports.RunRecord].
    - `path`: the PNG file to write.
    - `title`: the plot's title (default "Pool value").
    - `log_scale`: draw the values on a log axis (equal vertical steps are equal returns).

    The pool's line is labelled with the record's `metadata["label"]` if it has one (e.g.
    "trained pool"), else "pool".

    **Example:**

    ```python
    >>> import dataclasses, pathlib, tempfile
    >>> import numpy as np
    >>> from quantamm_eqx.reports import RunRecord, plot_values
    >>> times = np.datetime64("2024-01-01T00:00") + np.arange(3) * np.timedelta64(1, "h")
    >>> half = np.full((3, 2), 0.5)
    >>> paths = np.array([[1.0, 1.1, 1.2], [1.0, 1.0, 1.1], [1.0, 1.05, 1.15]])
    >>> record = RunRecord(times, ("A", "B"), half, half, half, *paths, {})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "values.png"
    >>> plot_values(record, path)
    >>> path.stat().st_size > 0
    True
    >>> compared = dataclasses.replace(record, comparisons={"untrained": paths[1] * 0.9})
    >>> plot_values(compared, path, log_scale=True)
    >>> path.read_bytes()[:4] == b"\\x89PNG"
    True
    ```
    """
    save_png(_values_figure(record, title, log_scale), path)


def _values_figure(record: RunRecord, title: str | None, log_scale: bool):
    figure, axes = new_figure()
    times = record.timestamps
    label = record.metadata.get("label", "pool")
    axes.plot(times, record.values, label=label, color="C0", linewidth=1.6, zorder=3)
    axes.plot(times, record.hodl_values, label="HODL (initial reserves)", color="C1")
    axes.plot(times, record.rebalanced_values, label="equal weight, rebalanced", color="C2")
    for number, (label, values) in enumerate(record.comparisons.items()):
        color = f"C{3 + number % 7}"  # not the colours above
        axes.plot(times, values, label=label, color=color, linestyle="--", linewidth=1.2)
    paths = [record.values, record.hodl_values, record.rebalanced_values]
    drawn = np.concatenate([*paths, *record.comparisons.values()])
    drawn = drawn[np.isfinite(drawn) & ((drawn > 0) | (not log_scale))]
    low, high = (drawn.min(), drawn.max()) if drawn.size else (1.0, 1.0)
    value_axis(axes, float(low), float(high), log_scale)
    axes.set_ylabel("value (log scale)" if log_scale else "value")
    axes.margins(x=0)
    legend_below(figure, axes)
    axes.set_title(title or "Pool value")
    return figure


def plot_attribution(record: RunRecord, path: str | os.PathLike, title: str | None = None) -> None:
    """Plot where the pool's return came from, cumulative, to a PNG: the fees it kept, the
    value it gave up to arbitrage, the strategy's gain and the market's (HODL), with the
    total (see [`attribution`][quantamm_eqx.attribution]).

    **Raises:**

    `ValueError` for a record without an attribution (written by an older version).

    **Example:**

    ```python
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from quantamm_eqx.reports import RunRecord, plot_attribution
    >>> times = np.datetime64("2024-01-01T00:00") + np.arange(3) * np.timedelta64(1, "h")
    >>> half = np.full((3, 2), 0.5)
    >>> parts = np.array([[0, 0, 0, 0], [0.01, 0.002, -0.001, 0.001], [0.02, 0.0, -0.002, 0.002]])
    >>> record = RunRecord(times, ("A", "B"), half, half, half, *np.ones((3, 3)), {}, parts)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "attribution.png"
    >>> plot_attribution(record, path)
    >>> path.read_bytes()[:4] == b"\\x89PNG"
    True
    ```
    """
    if record.attribution is None:
        raise ValueError(
            "This record has no attribution (it was written before attributions were "
            "recorded): simulate the run again to draw it."
        )
    save_png(_attribution_figure(record, title), path)


def _attribution_figure(record: RunRecord, title: str | None):
    figure, axes = new_figure()
    parts = 100 * record.attribution
    styles = {
        "fees": dict(label="fees kept", color="tab:green"),
        "arbitrage": dict(label="arbitrage (loss versus rebalancing)", color="tab:red"),
        "strategy": dict(label="strategy (holdings vs initial)", color="tab:blue"),
        "hodl": dict(label="market (HODL)", color="tab:gray", linestyle="--"),
    }
    for column, name in enumerate(ATTRIBUTION_PARTS):
        axes.plot(record.timestamps, parts[:, column], linewidth=1.4, **styles[name])
    axes.plot(record.timestamps, parts.sum(axis=1), label="total", color="black", linewidth=1.8)
    axes.axhline(0.0, color="0.6", linewidth=0.8)
    axes.set_ylabel("cumulative, % of starting value")
    axes.margins(x=0)
    legend_below(figure, axes)
    axes.set_title(title or "Where the return came from")
    return figure

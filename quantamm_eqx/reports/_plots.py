"""PNG plots of a run record (matplotlib, from the `plot` extra)."""

import os

from .._atomic import atomic_path
from ._runs import RunRecord


def _save_figure(figure, path: str | os.PathLike) -> None:
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=120)


def _figure():
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "Plots need matplotlib: `python -m pip install 'quantamm_eqx[plot]'`."
        ) from error
    figure = Figure(figsize=(10, 4.5), layout="constrained")
    return figure, figure.add_subplot()


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
    figure, axes = _figure()
    axes.stackplot(record.timestamps, record.weights.T, labels=record.assets, alpha=0.85)
    axes.set_ylim(0, 1)
    axes.set_ylabel("weight")
    axes.margins(x=0)
    axes.legend(loc="upper left", ncols=min(len(record.assets), 8), fontsize="small")
    axes.set_title(title or "Pool weights")
    _save_figure(figure, path)


def plot_values(record: RunRecord, path: str | os.PathLike, title: str | None = None) -> None:
    """Plot the pool's value against HODL and an equal-weight rebalanced portfolio, to a PNG.

    **Example:**

    ```python
    >>> import pathlib, tempfile
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
    ```
    """
    figure, axes = _figure()
    axes.plot(record.timestamps, record.values, label="pool", linewidth=1.6)
    axes.plot(record.timestamps, record.hodl_values, label="HODL (initial reserves)")
    axes.plot(record.timestamps, record.rebalanced_values, label="equal weight, rebalanced")
    axes.set_ylabel("value")
    axes.margins(x=0)
    axes.legend(loc="upper left", fontsize="small")
    axes.set_title(title or "Pool value")
    _save_figure(figure, path)

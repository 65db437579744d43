"""PNG plots of a run record (matplotlib, from the `plot` extra)."""

import os

from .._atomic import atomic_path
from ._runs import ATTRIBUTION_PARTS, RunRecord


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
    figure, axes = _figure()
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
    axes.legend(loc="best", fontsize="small")
    axes.set_title(title or "Where the return came from")
    _save_figure(figure, path)

"""What every plot shares: its figure, its legend outside the data and its atomic PNG file
(matplotlib, from the `plot` extra)."""

import os

import numpy as np

from .._atomic import atomic_path


def new_figure():
    """A `(figure, axes)` pair with constrained layout, without pyplot (no global state)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "Plots need matplotlib: `python -m pip install 'quantamm_eqx[plot]'`."
        ) from error
    figure = Figure(figsize=(10, 4.5), layout="constrained")
    return figure, figure.add_subplot()


def legend_below(figure, axes, max_columns: int = 6):
    """The axes' legend, centred below the plot (outside the axes, so it never covers the
    data); constrained layout makes room for it."""
    handles, labels = axes.get_legend_handles_labels()
    columns = max(1, min(len(labels), max_columns))
    return figure.legend(
        handles, labels, loc="outside lower center", ncols=columns, fontsize="small"
    )


def value_axis(axes, low: float, high: float, log_scale: bool) -> None:
    """Set up the y axis of values from `low` to `high` (the data's range): log scale if
    asked, and tick labels written in full (`1,200,000`), not as an offset or powers of ten.

    On a log scale the labelled ticks are round values evenly spaced in value over a range
    under 4x; 1 to 9 times a power of ten under 12x; 1, 2 and 5 times over more."""
    from matplotlib import ticker

    if log_scale:
        axes.set_yscale("log")
        ratio = high / low if low > 0 else np.inf
        if ratio < 4:
            axes.yaxis.set_major_locator(ticker.MaxNLocator(7))
            axes.yaxis.set_minor_locator(ticker.NullLocator())
        else:
            subs = np.arange(1.0, 10.0) if ratio < 12 else (1.0, 2.0, 5.0)
            axes.yaxis.set_major_locator(ticker.LogLocator(subs=subs))
            axes.yaxis.set_minor_formatter(ticker.NullFormatter())
    if high >= 1e4:
        formatter = ticker.FuncFormatter(lambda value, _: f"{value:,.0f}")
    else:
        formatter = ticker.ScalarFormatter(useOffset=False)
        formatter.set_scientific(False)
    axes.yaxis.set_major_formatter(formatter)


def save_png(figure, path: str | os.PathLike) -> None:
    """Write the figure as a PNG file, atomically."""
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=120)

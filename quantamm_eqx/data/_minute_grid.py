"""`to_minute_grid`: irregular time stamps and prices onto a gap-free UTC minute grid."""

from collections.abc import Sequence

import numpy as np

from ._grid import _MINUTE, Duplicates, Fill, PriceData


def to_minute_grid(
    timestamps: np.ndarray | Sequence,
    values: np.ndarray,
    assets: Sequence[str],
    *,
    fill: Fill | None = None,
    duplicates: Duplicates = "error",
) -> PriceData:
    """Put price observations on a regular UTC minute grid.

    Observations are sorted by time. The grid runs from the first to the last timestamp.
    A missing value (NaN, or a minute with no row) is a gap: by default an error, or,
    opt-in, filled per asset from that asset's own observations:

    - `fill="ffill"`: the last observed price carries forward (a step path);
    - `fill="log-linear"`: geometric interpolation between the observations on either
      side, `p(t) = p0**(1 - s) * p1**s` with `s` the fraction of the way from one to the
      next (after an asset's last observation its price stays flat).

    Prices before an asset's first observation are never invented: trim the data instead.
    Non-positive and infinite prices are always an error.

    **Arguments:**

    - `timestamps`: one time per row, anything `numpy.datetime64` accepts (UTC), each on a
      whole minute.
    - `values`: prices `(rows, n_assets)`; NaN marks a missing value.
    - `assets`: one name per column.
    - `fill`: `None` (gaps are an error), `"ffill"` or `"log-linear"`.
    - `duplicates`: what to do with several rows at one time: `"error"`, or keep the
      `"first"` or `"last"` of them.

    **Returns:**

    A [`PriceData`][quantamm_eqx.data.PriceData].

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx.data import to_minute_grid
    >>> times = np.array(["2024-01-01T00:00", "2024-01-01T00:02"], dtype="datetime64[m]")
    >>> data = to_minute_grid(times, np.array([[1.0], [4.0]]), ["A"], fill="log-linear")
    >>> data.prices[:, 0].tolist()
    [1.0, 2.0, 4.0]
    ```
    """
    if fill not in (None, "ffill", "log-linear"):
        raise ValueError(f"`fill` must be None, 'ffill' or 'log-linear'; got {fill!r}.")
    if duplicates not in ("error", "first", "last"):
        raise ValueError(f"`duplicates` must be 'error', 'first' or 'last'; got {duplicates!r}.")
    values = np.array(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    try:
        stamps = np.asarray(timestamps, dtype="datetime64[ns]")
    except (ValueError, TypeError) as error:
        raise ValueError(f"`timestamps` could not be read as times: {error}") from error
    if stamps.ndim != 1 or stamps.shape[0] != values.shape[0]:
        raise ValueError(
            f"`timestamps` must be 1-dimensional with one time per row of `values`; got "
            f"{stamps.shape} times for values of shape {values.shape}."
        )
    if stamps.shape[0] == 0:
        raise ValueError("There are no observations: the data is empty.")
    assets = tuple(str(asset) for asset in assets)
    if len(assets) != values.shape[1]:
        raise ValueError(
            f"`assets` names {len(assets)} assets but `values` has {values.shape[1]} columns."
        )
    if np.isnat(stamps).any():
        row = int(np.flatnonzero(np.isnat(stamps))[0])
        raise ValueError(f"`timestamps` has a missing time at row {row}.")
    minutes = stamps.astype("datetime64[m]")
    off_minute = minutes != stamps
    if off_minute.any():
        row = int(np.flatnonzero(off_minute)[0])
        raise ValueError(
            f"Timestamps must fall on whole minutes; row {row} is at {stamps[row]}. Resample "
            "the data to minutes (e.g. keep each minute's last price) first."
        )
    _check_not_invalid(values, assets, minutes)

    order = np.argsort(minutes, kind="stable")
    minutes, values = minutes[order], values[order]
    repeated = minutes[1:] == minutes[:-1]
    if repeated.any():
        if duplicates == "error":
            row = int(np.flatnonzero(repeated)[0]) + 1
            raise ValueError(
                f"{int(repeated.sum())} duplicate timestamp(s), the first at {minutes[row]}. "
                "Remove them, or pass `duplicates='first'` or `'last'` (`--duplicates first` "
                "or `last` on the command line) to keep one row per minute."
            )
        keep = np.ones(minutes.shape[0], dtype=bool)
        if duplicates == "first":
            keep[1:] = ~repeated
        else:
            keep[:-1] = ~repeated
        minutes, values = minutes[keep], values[keep]

    start = minutes[0]
    offsets = ((minutes - start) // _MINUTE).astype(np.int64)
    n_minutes = int(offsets[-1]) + 1
    grid = np.full((n_minutes, len(assets)), np.nan)
    grid[offsets] = values
    missing = np.isnan(grid)
    if missing.any():
        if fill is None:
            rows = np.flatnonzero(missing.any(axis=1))
            raise ValueError(
                f"The prices have gaps: {int(missing.sum())} missing value(s) on the minute "
                f"grid, the first at {start + int(rows[0]) * _MINUTE} "
                f"({assets[int(np.argmax(missing[rows[0]]))]}). Fill them explicitly with "
                "`fill='ffill'` (carry the last price) or `fill='log-linear'` (geometric "
                "interpolation), `--fill ffill` or `--fill log-linear` on the command line, "
                "or supply gap-free data."
            )
        grid = _filled(grid, assets, start, fill)
    return PriceData(grid, assets, start)


def _check_not_invalid(values: np.ndarray, assets: tuple[str, ...], minutes: np.ndarray):
    """Non-positive and infinite prices are errors (NaN is a gap, handled by the grid)."""
    bad = ~np.isnan(values) & ~(np.isfinite(values) & (values > 0))
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"Prices must be finite and strictly positive; {assets[column]} is "
            f"{float(values[row, column])!r} at {minutes[row]} ({int(bad.sum())} bad value(s) in "
            "all). Remove or correct those rows."
        )


def _filled(grid: np.ndarray, assets: tuple[str, ...], start: np.datetime64, fill: Fill):
    positions = np.arange(grid.shape[0])
    filled = np.empty_like(grid)
    for column, asset in enumerate(assets):
        observed = np.flatnonzero(~np.isnan(grid[:, column]))
        if observed.size == 0:
            raise ValueError(f"{asset} has no prices at all.")
        if observed[0] > 0:
            raise ValueError(
                f"{asset} has no price before {start + int(observed[0]) * _MINUTE}, after the "
                f"data starts at {start}; prices before an asset's first observation are not "
                "filled. Start the data later or drop the asset."
            )
        known = grid[observed, column]
        if fill == "ffill":
            filled[:, column] = known[np.searchsorted(observed, positions, side="right") - 1]
        else:
            filled[:, column] = np.exp(np.interp(positions, observed, np.log(known)))
            filled[observed, column] = known  # exp(log(p)) can be an ulp away from p
    return filled

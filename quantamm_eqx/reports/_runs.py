"""Run records: what a run produced, with its summary; `_run_files` saves and loads them."""

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._validation import checked_int
from ..simulation._attribution import attribution
from ..simulation._hodl import hodl_values, rebalanced_values
from ..simulation._simulate import Simulation
from ._summary import summarise


@dataclasses.dataclass(frozen=True, eq=False)
class RunRecord:
    """What a run produced, every `every` minutes, and its metadata.

    **Fields:**

    - `timestamps`: the time of each row, `numpy.datetime64[m]` (UTC), `(rows,)`.
    - `assets`: the asset names.
    - `prices`, `weights`, `reserves`: `(rows, n_assets)`.
    - `values`: the pool's value; `hodl_values`: the initial reserves held;
      `rebalanced_values`: an equal-weight portfolio rebalanced every minute; `(rows,)`.
    - `metadata`: JSON-serialisable settings and results (pool, configuration, data,
      summary, ...).
    - `attribution`: the return's parts, cumulative, as fractions of the starting value,
      `(rows, 4)`: columns `ATTRIBUTION_PARTS` (HODL, strategy, arbitrage, fees; see
      [`attribution`][quantamm_eqx.attribution]); `None` in records without it.
    - `comparisons`: other value paths at the same rows, by label (say, the untrained
      pool's, `{"untrained pool": values}`), each `(rows,)`; empty in records without any.
    """

    timestamps: np.ndarray
    assets: tuple[str, ...]
    prices: np.ndarray
    weights: np.ndarray
    reserves: np.ndarray
    values: np.ndarray
    hodl_values: np.ndarray
    rebalanced_values: np.ndarray
    metadata: dict[str, Any]
    attribution: np.ndarray | None = None
    comparisons: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)


#: The columns of `RunRecord.attribution`.
ATTRIBUTION_PARTS = ("hodl", "strategy", "arbitrage", "fees")
#: The summary rows `record_run` writes besides the comparisons'.
_SUMMARY_KEYS = ("pool", "hodl", "equal-weight rebalanced")
#: The arrays every record has, saved under these names.
ARRAYS = ("prices", "weights", "reserves", "values", "hodl_values", "rebalanced_values")


def record_run(
    result: Simulation,
    *,
    start: np.datetime64 | str,
    assets: tuple[str, ...],
    every: int = 1,
    metadata: Mapping[str, Any] | None = None,
    comparisons: Mapping[str, Simulation] | None = None,
) -> RunRecord:
    """Record a simulation, keeping every `every`-th minute and the last one.

    The metadata gets a `summary` of the pool (with its return's
    [`attribution`][quantamm_eqx.attribution]), of both benchmarks and of each comparison
    (under its label, against its own HODL, with its attribution), computed at full
    (minute) resolution, and `record_every`.

    **Arguments:**

    - `result`: a [`Simulation`][quantamm_eqx.Simulation].
    - `start`: the time of the simulation's first row (the bout's first minute).
    - `assets`: the asset names.
    - `every`: the row stride kept in the record (e.g. 60 for hourly rows).
    - `metadata`: anything else to keep (JSON-serialisable).
    - `comparisons`: other simulations of the same minutes, by label (say, the untrained
      pool's); their values are kept at the same rows, as `RunRecord.comparisons`. A label
      may not be a benchmark's summary key (`pool`, `hodl`, `equal-weight rebalanced`).

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, simulate
    >>> from quantamm_eqx.reports import record_run
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.linspace([1.0, 2.0], [2.0, 1.0], 4 * 1440)
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=3 * 1440)
    >>> record = record_run(result, start="2024-01-02", assets=("A", "B"), every=60)
    >>> record.values.shape, str(record.timestamps[1])
    ((73,), '2024-01-02T01:00')
    >>> sorted(record.metadata["summary"])
    ['equal-weight rebalanced', 'hodl', 'pool']
    >>> untrained = simulate(pool, prices[::-1], config, start_index=1440, bout_length=3 * 1440)
    >>> record = record_run(result, start="2024-01-02", assets=("A", "B"), every=60,
    ...                     comparisons={"reversed prices": untrained})
    >>> record.comparisons["reversed prices"].shape, len(record.metadata["summary"])
    ((73,), 4)
    ```

    **Raises:**

    `ValueError` when `assets` does not name the simulation's assets, or a comparison's
    length differs from `result`'s, or its label is a benchmark's summary key.
    """
    every = checked_int(every, "every", 1)
    if len(assets) != result.prices.shape[1]:
        raise ValueError(
            f"`assets` names {len(assets)} assets; the simulation has {result.prices.shape[1]}."
        )
    compared = _comparison_values(comparisons or {}, np.shape(result.values))
    arrays = {
        "prices": result.prices,
        "weights": result.weights,
        "reserves": result.reserves,
        "values": result.values,
        "hodl_values": hodl_values(result),
        "rebalanced_values": rebalanced_values(result),
    }
    arrays = {name: np.asarray(array, dtype=np.float64) for name, array in arrays.items()}
    parts_array = attribution_table(result)
    hodl = arrays["hodl_values"]
    summary = {
        "pool": summarise(arrays["values"], hodl, parts_array[-1]),
        "hodl": summarise(hodl, hodl),
        "equal-weight rebalanced": summarise(arrays["rebalanced_values"], hodl),
    }
    for label, other in (comparisons or {}).items():
        parts = attribution_table(other)[-1]
        summary[label] = summarise(compared[label], np.asarray(hodl_values(other)), parts)
    rows = np.arange(0, arrays["values"].shape[0], every)
    if rows[-1] != arrays["values"].shape[0] - 1:
        rows = np.append(rows, arrays["values"].shape[0] - 1)
    first = np.datetime64(start).astype("datetime64[m]")
    return RunRecord(
        timestamps=first + rows * np.timedelta64(1, "m"),
        assets=tuple(assets),
        **{name: array[rows] for name, array in arrays.items()},
        metadata={**(metadata or {}), "summary": summary, "record_every": every},
        attribution=parts_array[rows],
        comparisons={label: values[rows] for label, values in compared.items()},
    )


def _comparison_values(
    comparisons: Mapping[str, Simulation], shape: tuple[int, ...]
) -> dict[str, np.ndarray]:
    """Each comparison's values as float64, checked to have the main result's `shape`."""
    compared = {}
    for label, other in comparisons.items():
        if not isinstance(label, str):
            raise TypeError(f"`comparisons` labels must be strings; got {label!r}.")
        if label in _SUMMARY_KEYS:
            raise ValueError(f"`comparisons` may not use the label {label!r}: a benchmark's.")
        compared[label] = np.asarray(other.values, dtype=np.float64)
        if compared[label].shape != shape:
            raise ValueError(
                f"`comparisons[{label!r}]` has values of shape {compared[label].shape}; "
                f"`result`'s are {shape}: simulate the same minutes."
            )
    return compared


def attribution_table(result: Simulation) -> np.ndarray:
    """The return's [`attribution`][quantamm_eqx.attribution] as a float64 `(rows, 4)`
    array, columns `ATTRIBUTION_PARTS`: what `RunRecord.attribution` holds.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig, simulate
    >>> from quantamm_eqx.reports import attribution_table
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.linspace([1.0, 2.0], [2.0, 1.0], 3000)
    >>> result = simulate(pool, prices, config, start_index=1440, bout_length=1440)
    >>> table = attribution_table(result)
    >>> table.shape, bool(np.allclose(table.sum(1), result.values / 1e6 - 1, atol=1e-12))
    ((1439, 4), True)
    ```
    """
    parts = attribution(result)
    columns = [np.asarray(getattr(parts, name), dtype=np.float64) for name in ATTRIBUTION_PARTS]
    return np.stack(columns, axis=1)

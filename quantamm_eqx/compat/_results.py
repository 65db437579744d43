"""Read a `quantammsim` training results file (`results/run_<hash>.json`) into a pool."""

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import equinox as eqx
import numpy as np

from .._config import SimulationConfig
from ..pools import POOLS, AbstractGradientPool, parameter_specs
from ._quantammsim import current_parameter_names, from_quantammsim

#: Where `select_by="auto"` looks, in order (the reference's trainer's choice).
AUTO_SCORES = ("validation_metrics", "train_objective")


class QuantammsimRun(eqx.Module):
    """One parameter set (or stack) of a `quantammsim` results file, as a pool.

    **Fields:**

    - `pool`: the pool (stacked when `parameter_set` is None);
    - `config`: its [`SimulationConfig`][quantamm_eqx.SimulationConfig], from the run's
      fingerprint;
    - `assets`: the token names in the order of the pool's parameters (the reference's:
      sorted), which is the order the price columns must have;
    - `rule`: the reference's rule name;
    - `step`: the position of the chosen saved step among the file's steps (0 first);
    - `iteration`: that step's own `step` number as the reference recorded it, or None;
    - `parameter_set`: the chosen parameter set, or None for the whole stack;
    - `objective`: the score of the chosen set (of the best set of a stack), NaN if none;
    - `objective_name`: where that score comes from, e.g. `"train_objective['sharpe']"`.
    """

    pool: AbstractGradientPool
    config: SimulationConfig
    assets: tuple[str, ...] = eqx.field(static=True)
    rule: str = eqx.field(static=True)
    step: int = eqx.field(static=True)
    iteration: int | None = eqx.field(static=True)
    parameter_set: int | None = eqx.field(static=True)
    objective: float = eqx.field(static=True)
    objective_name: str = eqx.field(static=True)


def _read(path: str | os.PathLike) -> list:
    hint = "pass a quantammsim results file (its `results/run_<hash>.json`)"
    if not os.path.isfile(path):
        raise ValueError(f"`path` {os.fspath(path)!r} is not a file: {hint}.")
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
        if isinstance(data, str):  # the reference writes a JSON string holding the JSON list
            data = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"`path` {os.fspath(path)!r} is not JSON ({error}): {hint}.") from error
    if not (isinstance(data, list) and len(data) > 1 and all(isinstance(e, dict) for e in data)):
        got = f"a list of {len(data)}" if isinstance(data, list) else type(data).__name__
        raise ValueError(
            f"`path` {os.fspath(path)!r} must hold a JSON list `[run_fingerprint, step, ...]` "
            f"of objects with at least one saved step; got {got}: {hint}."
        )
    return data


def _assets(fingerprint: Mapping[str, Any]) -> tuple[str, ...]:
    """The reference's asset order: every token of the pool and its subsidiary pools, sorted."""
    if not isinstance(fingerprint.get("tokens"), list):
        raise ValueError(
            "the results file's run fingerprint (its first entry) has no 'tokens' list; got "
            f"keys {sorted(fingerprint)!r}."
        )
    tokens = list(fingerprint["tokens"])
    for pool in fingerprint.get("subsidary_pools") or []:
        tokens += list(pool.get("tokens", []))
    return tuple(sorted({str(token) for token in tokens}))


def _check_columns(price_columns: Sequence[str], assets: tuple[str, ...]) -> None:
    columns = tuple(str(column) for column in price_columns)
    if sorted(columns) != sorted(assets):
        raise ValueError(
            f"`price_columns` {list(columns)!r} are not the run's assets {list(assets)!r}: "
            "pass the prices of exactly the tokens the run was trained on."
        )
    if columns != assets:
        order = [columns.index(asset) for asset in assets]
        raise ValueError(
            f"`price_columns` are in the order {list(columns)!r} but the pool's parameters are "
            f"in the reference's (sorted) order {list(assets)!r}: reorder the price columns to "
            f"that order, e.g. `prices[:, {order!r}]`."
        )


def _stacked_params(rule: str, entry: Mapping[str, Any], index: int) -> dict[str, np.ndarray]:
    """Saved step `index`'s pool parameters under their current names, one row per set."""
    params = current_parameter_names(rule, entry)
    names = [name for name in parameter_specs(POOLS[rule]) if name in params]
    try:
        arrays = {name: np.asarray(params[name], dtype=np.float64) for name in names}
    except (TypeError, ValueError) as error:
        message = f"saved step {index} holds parameters that are not numbers ({error})."
        raise ValueError(message) from error
    if arrays and all(value.ndim == 1 for value in arrays.values()):
        arrays = {name: value[None] for name, value in arrays.items()}
    shapes = {name: value.shape for name, value in arrays.items()}
    n_sets = {shape[0] if len(shape) == 2 else -1 for shape in shapes.values()}
    if "logit_lamb" not in arrays or len(n_sets) > 1 or -1 in n_sets:
        raise ValueError(
            f"saved step {index} must hold the {rule} pool's parameters, each of shape "
            f"(n_parameter_sets, n_assets) (n_ensemble_members > 1 is not supported); got "
            f"{shapes or sorted(entry)!r}."
        )
    return arrays


def _as_list(values: Any) -> list:
    return values if isinstance(values, list) else [values]


def _scores(entry: Mapping[str, Any], key: str, metric: str, n_sets: int) -> np.ndarray:
    """One score per parameter set: a number, or `metric` of a dict of metrics; NaN if none."""
    values = [v.get(metric) if isinstance(v, dict) else v for v in _as_list(entry.get(key))]
    numbers = [isinstance(v, int | float) and not isinstance(v, bool) for v in values]
    scores = np.array([v if ok else np.nan for v, ok in zip(values, numbers)], dtype=np.float64)
    return scores if scores.shape == (n_sets,) else np.full(n_sets, np.nan)


def _check_range(value: int, n: int, name: str, what: str, others: str) -> None:
    if not -n <= value < n:
        raise ValueError(
            f"{name} is {value} but there are {n} {what}: pass an int in [{-n}, {n - 1}], {others}."
        )


def _choose(
    step: int | str, parameter_set: int | str | None, finite: list, scores: list, name: str
) -> tuple[int, int | None, float]:
    """`(step, parameter set or None, its score)` by the rule of `from_quantammsim_results`."""
    eligible = [ok & np.isfinite(score) for ok, score in zip(finite, scores)]
    steps = range(len(finite)) if step == "best" else [-1 if step == "last" else step]
    steps = [index % len(finite) for index in steps]
    candidates = []  # (score, step, set): the eligible choices
    for index in steps:
        if parameter_set is None:
            if finite[index].all() and eligible[index].any():
                candidates.append((scores[index][eligible[index]].max(), index, None))
        else:
            sets = range(len(finite[index])) if parameter_set == "best" else [parameter_set]
            candidates += [(scores[index][j], index, j) for j in sets if eligible[index][j]]
    if step == "best" or parameter_set == "best":
        if not candidates:
            where = "no saved step has" if step == "best" else f"step {step!r} has no"
            raise ValueError(
                f"{where} eligible parameter set (finite parameters and a finite score "
                f"{name}{'; every set finite' if parameter_set is None else ''}): pass `step` "
                "and `parameter_set` explicitly, or another `select_by` or `metric`."
            )
        # The highest score; of equal ones, the earliest step and set.
        objective, index, chosen = max(candidates, key=lambda c: (c[0], -c[1], -(c[2] or 0)))
        return index, chosen, float(objective)
    index, chosen = steps[0], parameter_set
    bad = np.flatnonzero(~finite[index]).tolist()
    if bad if chosen is None else chosen in bad:
        raise ValueError(
            f"step {step!r} holds non-finite parameters (diverged) in parameter set(s) "
            f"{bad!r}: choose another with `parameter_set`, or pass parameter_set='best'."
        )
    values = scores[index] if chosen is None else scores[index][[chosen]]
    return index, chosen, float(np.nanmax(values)) if np.isfinite(values).any() else np.nan


def from_quantammsim_results(
    path: str | os.PathLike,
    *,
    step: int | str = "best",
    parameter_set: int | str | None = "best",
    select_by: str = "auto",
    metric: str | None = None,
    price_columns: Sequence[str] | None = None,
) -> QuantammsimRun:
    """A pool from a `quantammsim` training results file (`results/run_<hash>.json`).

    The reference writes a JSON *string* whose content is the list `[run_fingerprint,
    step, step, ...]`: each saved step holds the parameters of every parameter set
    (stored space, `(n_parameter_sets, n_assets)`) and per-set scores (`train_objective`,
    `test_objective`, `validation_metrics`, ...: numbers, or dicts of metrics). A plain
    JSON list is read too. Steps of several runs appended to one file all count.

    **Choosing.** A parameter set is *eligible* when all its pool parameters are finite
    (diverged sets hold NaN) and its score is finite. The score is `select_by` of the step:
    with `"auto"`, `validation_metrics` where the file has them, else `train_objective`, as
    the reference's trainer selects (`"best_val"` with a validation split, else
    `"best_train"`); for dicts, their `metric` entry: by default the fingerprint's
    `optimisation_settings["early_stopping_metric"]` (the trainer's selection metric),
    else `"sharpe"`. `step="best"` with `parameter_set="best"` takes the eligible set with
    the highest score over every step (ties: the earliest), as the reference's
    `load_manually("best_..._objective")` does.

    **Arguments:**

    - `path`: the results file.
    - `step`: `"best"` (the step holding the best eligible set), `"last"`, or the position
      of a saved step (0 first; negative counts from the end).
    - `parameter_set`: `"best"` (the best eligible set of that step), an index, or None
      for a stacked pool of all sets (`step="best"` then takes the best step whose sets
      are all finite).
    - `select_by`: `"auto"`, or the steps' key to score by, e.g. `"train_objective"`,
      `"validation_metrics"`, `"test_objective"` (test data: for inspection only),
      `"objective"`.
    - `metric`: the metric read from dict scores; see above.
    - `price_columns`: the token names of your price array's columns, checked against the
      run's assets, which are the fingerprint's `tokens` (and its subsidiary pools'),
      *sorted*, as the reference loads prices.

    **Returns:**

    A [`QuantammsimRun`][quantamm_eqx.compat.QuantammsimRun]: the pool, its configuration
    and assets, and where it comes from.

    **Raises:**

    `ValueError` naming the argument: a missing, non-JSON or malformed file; a rule with no
    pool here (or no `tokens`); `step` or `parameter_set` of the wrong kind or out of range
    (the message gives the range); a chosen set that is not finite, or no eligible set; and
    `price_columns` of other tokens or in another order (the message gives the order).

    **Example:**

    ```python
    >>> import json, pathlib, tempfile
    >>> from quantamm_eqx.compat import from_quantammsim_results
    >>> def saved(step, log_k, sharpes):  # two parameter sets, as quantammsim saves them
    ...     return {"step": step, "log_k": [[log_k, log_k], [5.0, 5.0]],
    ...             "logit_lamb": [[4.0, 4.0]] * 2, "logit_delta_lamb": [[0.0, 0.0]] * 2,
    ...             "initial_weights_logits": [[1.0, 1.0]] * 2,
    ...             "train_objective": [{"sharpe": s} for s in sharpes]}
    >>> fingerprint = {"rule": "momentum", "tokens": ["ETH", "BTC"], "chunk_period": 60,
    ...                "weight_interpolation_period": 60}
    >>> results = [fingerprint, saved(0, 4.0, [0.1, 0.2]), saved(1, 4.5, [0.7, 0.3])]
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "run_example.json"
    >>> _ = path.write_text(json.dumps(json.dumps(results)))
    >>> run = from_quantammsim_results(path, price_columns=["BTC", "ETH"])
    >>> run.assets, run.step, run.parameter_set, run.objective, run.pool.log_k.tolist()
    (('BTC', 'ETH'), 1, 0, 0.7, [4.5, 4.5])
    >>> from_quantammsim_results(path, step="last", parameter_set=None).pool.log_k.shape
    (2, 2)
    ```
    """
    data = _read(path)
    fingerprint, entries = data[0], data[1:]
    rule = fingerprint.get("rule")
    if rule not in POOLS:
        raise ValueError(
            f"the results file's rule is {rule!r}; from_quantammsim_results reads {sorted(POOLS)!r}"
            " (not composites such as 'bounded__momentum' or 'ensemble__momentum')."
        )
    assets = _assets(fingerprint)
    if price_columns is not None:
        _check_columns(price_columns, assets)
    if isinstance(step, bool) or not (isinstance(step, int) or step in ("best", "last")):
        raise ValueError(f"`step` must be 'best', 'last' or an int; got {step!r}.")
    if isinstance(parameter_set, bool) or not (
        parameter_set is None or isinstance(parameter_set, int) or parameter_set == "best"
    ):
        raise ValueError(f"`parameter_set` must be 'best', an int or None; got {parameter_set!r}.")
    if isinstance(step, int):
        _check_range(step, len(entries), "`step`", "saved steps", "'best' or 'last'")

    arrays = [_stacked_params(rule, entry, index) for index, entry in enumerate(entries)]
    finite = [np.all([np.isfinite(v).all(axis=-1) for v in a.values()], axis=0) for a in arrays]
    if isinstance(parameter_set, int):
        n_sets = len(finite[0])
        _check_range(parameter_set, n_sets, "`parameter_set`", "parameter sets", "'best' or None")
        parameter_set %= n_sets
    if metric is None:
        settings = fingerprint.get("optimisation_settings") or {}
        metric = settings.get("early_stopping_metric") or "sharpe"
    key = select_by
    if select_by == "auto":
        key = next((k for k in AUTO_SCORES if any(e.get(k) for e in entries)), AUTO_SCORES[-1])
    elif not any(select_by in entry for entry in entries):
        raise ValueError(
            f"`select_by` is {select_by!r} but no saved step has that key; they have "
            f"{sorted(entries[0])!r}."
        )
    scores = [_scores(entry, key, metric, len(ok)) for entry, ok in zip(entries, finite)]
    index, chosen, objective = _choose(step, parameter_set, finite, scores, f"{key}[{metric!r}]")
    params = arrays[index] if chosen is None else {k: v[chosen] for k, v in arrays[index].items()}
    pool, config = from_quantammsim(rule, params, fingerprint)
    if pool.n_assets != len(assets):
        raise ValueError(
            f"the parameters describe {pool.n_assets} assets but the run's tokens are "
            f"{list(assets)!r}."
        )
    iteration = entries[index].get("step")
    dicts = any(isinstance(value, dict) for value in _as_list(entries[index].get(key)))
    name = f"{key}[{metric!r}]" if dicts else key
    iteration = None if iteration is None else int(iteration)
    return QuantammsimRun(pool, config, assets, rule, index, iteration, chosen, objective, name)

"""`walk_forward`: train a pool on each window's training span, then score it on the test
span that follows, which it never saw."""

import inspect
from collections.abc import Callable
from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from .._config import SimulationConfig
from .._custom_types import PricesLike
from .._validation import ArgumentTypeError, checked_instance, checked_int, checked_prices
from ..metrics import objective_function
from ..pools import AbstractTFMMPool
from ..simulation import MarketSeries, Simulation
from ..training import fit, split_index
from ._result import WalkForwardResult
from ._spans import check_market_length, map_series, padded, span_simulation
from ._stitch import Stitched, curve_statistics
from ._windows import Window, walk_forward_windows

#: `fit`'s arguments that `walk_forward` sets itself, and where to set them instead.
_SET_BY_WALK_FORWARD = {
    "pool": "`pool`",
    "prices": "`prices`",
    "config": "`config`",
    "objective": "walk_forward's `objective`",
    "burn_in": "walk_forward's `burn_in` (each window's training span starts its bouts)",
    "market": "walk_forward's `market`",
}


def walk_forward(
    pool: AbstractTFMMPool,
    prices: PricesLike,
    config: SimulationConfig,
    *,
    train_length: int,
    test_length: int,
    step: int | None = None,
    mode: str = "rolling",
    objective: str | Callable[[Simulation], Array] = "daily_log_sharpe",
    progress: bool = True,
    fit_options: dict | None = None,
    burn_in: int | None = None,
    market: MarketSeries | None = None,
    n_trials: int | None = None,
) -> WalkForwardResult:
    """Walk-forward evaluation: does a trained pool generalise to data it never saw?

    The prices are cut into [`walk_forward_windows`][quantamm_eqx.evaluation.walk_forward_windows]
    (from minute `burn_in` on). In each window, [`fit`][quantamm_eqx.fit] trains `pool`
    afresh on the training span (its bouts start at the span's first minute; the estimator
    runs from minute 0, as always), and the trained pool is simulated twice: over its
    whole training span (the in-sample objective) and over the test span right after it
    (the out-of-sample objective). No window sees a price at or after the end of the span
    it is scored on: each simulation runs on a copy of the prices in which every minute
    from the span's end on repeats the span's last price (so the estimator's history
    before a test span may come from earlier prices, which is not lookahead). Each
    simulated span of `L` minutes gives `L` values, from the span's first minute to its
    last.

    The test spans' value curves are stitched into one out-of-sample curve, each window
    starting with what the previous one ended with (its last reserves, valued at the
    window's first prices; spans that overlap, with `step < test_length`, repeat minutes).
    Its daily returns give the deflated Sharpe ratio (`n_trials` trials, the variance of
    the windows' own per-day Sharpe ratios) and a block-bootstrap interval of the
    annualised Sharpe ratio (blocks of about `days^(1/3)` days, 2000 resamples, seed 0).

    **Arguments:**

    - `pool`: the starting pool (each window trains a copy of it), or a stacked population
      (each window keeps its best member).
    - `prices`: minute prices `(time, n_assets)`.
    - `config`: the simulation configuration.
    - `train_length`: minutes of each window's training span (the first one's, in
      `"expanding"` mode).
    - `test_length`: minutes of each test span; it must suit the objective (a daily
      objective needs 2 daily returns: over 2 days).
    - `step`: minutes between windows; default `test_length`.
    - `mode`: `"rolling"` (training spans of fixed length) or `"expanding"` (training spans
      from `burn_in` on).
    - `objective`: a name in [`OBJECTIVES`][quantamm_eqx.metrics.OBJECTIVES] or a function
      of a `Simulation`; maximised in training, reported in and out of sample.
    - `progress`: show a progress bar over the windows.
    - `fit_options`: keyword arguments of `fit` for every window, e.g.
      `{"steps": 200, "bout_length": 10 * 1440, "batch_size": 4, "key": jax.random.key(1)}`.
      Defaults: `steps=100`, `key=jax.random.key(0)` (split into one key per window),
      `progress=False`, and `bout_length` the whole training span (less `val_fraction`)
      with `batch_size=1`. A `val_fraction` is the share of each training span (at its
      end) that picks the best step.
    - `burn_in`: the first minute of the first window; default, and at least,
      `chunk_period`.
    - `market`: per-minute costs aligned with `prices`
      ([`MarketSeries`][quantamm_eqx.MarketSeries]), for training and scoring alike.
    - `n_trials`: the number of trials the deflated Sharpe ratio corrects for; default the
      number of windows.

    **Returns:**

    A [`WalkForwardResult`][quantamm_eqx.evaluation.WalkForwardResult], with
    `walk_forward_efficiency` (mean out-of-sample over mean in-sample objective) and `gap`.

    **Raises:**

    `ValueError` naming the argument: windows longer than the data or non-positive
    lengths (`train_length`, `test_length`, `step`), an unknown `mode` or objective, a
    `test_length` (or `train_length`) too short for the objective, `fit_options` that `fit`
    does not take or that `walk_forward` sets, `n_trials` below 1; and whatever `fit`
    raises for its options.

    **Example:**

    ```python
    >>> import jax, numpy as np
    >>> from quantamm_eqx import MomentumPool, SimulationConfig
    >>> from quantamm_eqx.evaluation import walk_forward
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> rng = np.random.default_rng(0)
    >>> prices = np.exp(np.cumsum(rng.normal(0, 1e-3, (10 * 1440, 2)), axis=0))
    >>> result = walk_forward(pool, prices, config, train_length=3 * 1440,
    ...                       test_length=3 * 1440, fit_options={"steps": 2}, progress=False)
    >>> result.n_windows, result.out_of_sample.shape, result.oos_values.shape
    (2, (2,), (8640,))
    >>> [tuple(window) for window in result.windows]
    [(60, 4380, 4380, 8700), (4380, 8700, 8700, 13020)]
    ```
    """
    checked_instance(pool, AbstractTFMMPool, "pool", "a pool, e.g. MomentumPool(...)")
    checked_instance(config, SimulationConfig, "config", "a SimulationConfig")
    prices = checked_prices(prices, pool=pool)
    n_minutes = prices.shape[0]
    burn_in = config.chunk_period if burn_in is None else checked_int(burn_in, "burn_in", 0)
    windows = walk_forward_windows(
        n_minutes,
        train_length=train_length,
        test_length=test_length,
        step=step,
        mode=mode,
        start=max(burn_in, config.chunk_period),
    )
    objective_fn = objective_function(objective)
    n_trials = len(windows) if n_trials is None else checked_int(n_trials, "n_trials", 1)
    options, key = _fit_options(fit_options)
    try:
        keys = jax.random.split(key, len(windows))
    except (TypeError, ValueError) as error:
        raise ValueError(f"`fit_options['key']` must be a JAX random key: {error}") from error
    if market is not None:
        checked_instance(market, MarketSeries, "market", "a MarketSeries")
        check_market_length(market, n_minutes)
    score = partial(_score, objective_fn, padded(prices), map_series(market, padded), config)

    first = windows[0]
    starting = _first_member(pool)
    score(starting, first.train_start, first.train_stop, "train_length")
    score(starting, first.test_start, first.test_stop, "test_length")

    bar = _progress(len(windows), progress)
    pools, in_sample, out_of_sample, stitched = [], [], [], Stitched()
    try:
        for window, window_key in zip(windows, keys):
            trained = fit(
                pool,
                prices[: window.train_stop],  # nothing after the training span
                config,
                objective=objective,
                burn_in=window.train_start,
                market=map_series(market, lambda series, stop=window.train_stop: series[:stop]),
                **_window_options(options, window, window_key),
            ).pool
            in_value, _ = score(trained, window.train_start, window.train_stop, "train_length")
            out_value, tested = score(trained, window.test_start, window.test_stop, "test_length")
            stitched.add(tested, window)
            pools.append(trained)
            in_sample.append(in_value)
            out_of_sample.append(out_value)
            bar.set_postfix(in_sample=f"{in_value:.4g}", out_of_sample=f"{out_value:.4g}")
            bar.update(1)
    finally:
        bar.close()
    values = np.concatenate(stitched.values)
    deflated, interval = curve_statistics(values, stitched.window_sharpes, n_trials)
    return WalkForwardResult(
        windows=tuple(windows),
        pools=tuple(pools),
        in_sample=jnp.asarray(in_sample),
        out_of_sample=jnp.asarray(out_of_sample),
        oos_minutes=jnp.asarray(np.concatenate(stitched.minutes)),
        oos_values=jnp.asarray(values),
        hodl_values=jnp.asarray(np.concatenate(stitched.hodl)),
        deflated_sharpe=deflated,
        sharpe_interval=interval,
        objective=objective if isinstance(objective, str) else _name(objective),
    )


def _fit_options(fit_options: object) -> tuple[dict, object]:
    """The checked options for `fit` (without `key`) and the key to split."""
    if fit_options is None:
        fit_options = {}
    if not isinstance(fit_options, dict):
        raise ArgumentTypeError(
            f"`fit_options` must be a dict of `fit`'s keyword arguments; got "
            f"{type(fit_options).__name__}."
        )
    accepted = inspect.signature(fit).parameters
    for name in fit_options:
        if name in _SET_BY_WALK_FORWARD:
            raise ValueError(
                f"`fit_options` sets {name!r}, which walk_forward sets for each window: use "
                f"{_SET_BY_WALK_FORWARD[name]}."
            )
        if name not in accepted:
            known = sorted(set(accepted) - set(_SET_BY_WALK_FORWARD))
            raise ValueError(f"`fit_options` has {name!r}, which `fit` does not take: {known}.")
    fraction = fit_options.get("val_fraction", 0.0)
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 <= fraction < 1:
        raise ValueError(f"`fit_options['val_fraction']` must lie in [0, 1); got {fraction!r}.")
    options = {"steps": 100, "progress": False} | fit_options
    key = options.pop("key", None)
    return options, jax.random.key(0) if key is None else key


def _window_options(options: dict, window: Window, key) -> dict:
    """`fit`'s options for one window: its key, and the validation share and default bout
    counted in the window's training span (`fit` counts them from minute 0)."""
    chosen = dict(options, key=key)
    fraction = options.get("val_fraction", 0.0)
    if fraction:
        chosen["val_fraction"] = fraction * window.train_length / window.train_stop
    if "bout_length" not in options:
        n_train = split_index(window.train_stop, chosen.get("val_fraction", 0.0))
        chosen["bout_length"] = n_train - window.train_start
        chosen.setdefault("batch_size", 1)  # every bout would be the same
    return chosen


def _score(objective_fn, padded_prices, padded_market, config, pool, start, stop, name):
    """`(objective, simulation)` of `pool` over minutes `[start, stop)`; `ValueError` naming
    `name` when the span does not suit the objective."""
    simulation = span_simulation(pool, padded_prices, padded_market, config, start, stop)
    try:
        value = objective_fn(simulation)
    except ValueError as error:
        span = "test span" if name == "test_length" else "training span"
        raise ValueError(
            f"The {span} (`{name}`={stop - start} minutes) is too short for the objective: "
            f"{error} Lengthen `{name}`."
        ) from error
    return float(value), simulation


def _first_member(pool: AbstractTFMMPool) -> AbstractTFMMPool:
    """The pool, or a stacked population's first member."""
    if pool.population_size is None:
        return pool
    return jax.tree_util.tree_map(lambda x: x[0] if eqx.is_array(x) else x, pool)


def _progress(total: int, enabled: bool):
    """A `tqdm` bar over the windows, or one that shows nothing."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="walk-forward", unit="window", disable=not enabled)


def _name(objective: object) -> str:
    return getattr(objective, "__name__", type(objective).__name__)

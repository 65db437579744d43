"""A confidence interval for a statistic of serially dependent returns: the circular block
bootstrap (host-side, NumPy)."""

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .._validation import ArgumentTypeError, checked_int
from ._statistics import ReturnsLike, checked_finite, checked_returns, sharpe_ratio


class BootstrapInterval(NamedTuple):
    """What [`block_bootstrap_interval`][quantamm_eqx.evaluation.block_bootstrap_interval]
    returns: the statistic of the returns (`point`), the bounds of its percentile interval
    (`low`, `high`) and the standard deviation of its resampled values (`std`)."""

    point: float
    low: float
    high: float
    std: float


def block_bootstrap_interval(
    returns: ReturnsLike,
    statistic: Callable[[np.ndarray], float] = sharpe_ratio,
    *,
    block_length: int,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> BootstrapInterval:
    """A percentile interval for a statistic of serially dependent returns, by the
    circular block bootstrap (Politis and Romano, 1992).

    Each resample joins blocks of `block_length` consecutive returns, started at uniformly
    drawn periods and wrapping around the end (so every period is drawn equally often),
    up to the series' length; blocks keep the dependence within them (volatility
    clustering) that resampling single returns would destroy. A block of about `T^(1/3)`
    returns is a common choice; 1 is the ordinary bootstrap.

    **Arguments:**

    - `returns`: the per-period returns, at least 2, finite.
    - `statistic`: a function of a 1-D array of returns to a number; by default the
      per-period [`sharpe_ratio`][quantamm_eqx.evaluation.sharpe_ratio] (annualise with
      `functools.partial(sharpe_ratio, periods_per_year=365)` for daily returns).
    - `block_length`: the block length, in `[1, len(returns)]`.
    - `n_resamples`: the number of resamples, at least 2.
    - `confidence`: the interval's coverage, in (0, 1).
    - `seed`: the NumPy random seed: the same seed gives the same interval.

    **Returns:**

    A [`BootstrapInterval`][quantamm_eqx.evaluation.BootstrapInterval]: `point` (the
    statistic of `returns`), `low` and `high` (the `(1 - confidence) / 2` and
    `(1 + confidence) / 2` quantiles of the resampled statistics; resamples whose statistic
    is not finite are left out) and `std` (their standard deviation).

    **Raises:**

    `ValueError` naming `returns`, `block_length`, `n_resamples` or `confidence`.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx.evaluation import block_bootstrap_interval
    >>> returns = np.random.default_rng(0).normal(0.001, 0.01, 500)
    >>> interval = block_bootstrap_interval(returns, block_length=8, n_resamples=500)
    >>> bool(interval.low < interval.point < interval.high)
    True
    >>> block_bootstrap_interval(returns, block_length=501)
    Traceback (most recent call last):
    ...
    ValueError: `block_length` must lie in [1, 500] (the number of returns); got 501.
    ```
    """
    array = checked_returns(returns, 2)
    n = array.shape[0]
    if isinstance(block_length, bool) or not isinstance(block_length, int | np.integer):
        raise ValueError(f"`block_length` must be an integer; got {block_length!r}.")
    if not 1 <= block_length <= n:
        raise ValueError(
            f"`block_length` must lie in [1, {n}] (the number of returns); got {block_length}."
        )
    n_resamples = checked_int(n_resamples, "n_resamples", 2)
    confidence = checked_finite(confidence, "confidence")
    if not 0 < confidence < 1:
        raise ValueError(f"`confidence` must lie in (0, 1); got {confidence!r}.")
    if not callable(statistic):
        raise ArgumentTypeError(f"`statistic` must be a function of returns; got {statistic!r}.")
    rng = np.random.default_rng(seed)
    n_blocks = -(-n // block_length)
    offsets = np.arange(block_length)
    values = np.empty(n_resamples)
    for index in range(n_resamples):
        starts = rng.integers(0, n, size=n_blocks)
        rows = ((starts[:, None] + offsets) % n).reshape(-1)[:n]
        values[index] = float(statistic(array[rows]))
    finite = values[np.isfinite(values)]
    point = float(statistic(array))
    if finite.size < 2:
        return BootstrapInterval(point, math.nan, math.nan, math.nan)
    tail = (1 - confidence) / 2
    low, high = np.quantile(finite, [tail, 1 - tail])
    return BootstrapInterval(point, float(low), float(high), float(np.std(finite, ddof=1)))

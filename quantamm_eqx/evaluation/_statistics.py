"""Statistics of a return series after training (host-side, NumPy and SciPy): the Sharpe
ratio and its probabilistic and deflated versions (Bailey and López de Prado)."""

import math
from collections.abc import Sequence
from typing import NamedTuple, TypeAlias

import numpy as np
from jaxtyping import Array, Real
from scipy.special import ndtr, ndtri

from .._validation import ArgumentTypeError, checked_int

#: A series of per-period returns as a user may pass it.
ReturnsLike: TypeAlias = Real[np.ndarray, " period"] | Real[Array, " period"] | Sequence[float]


class DeflatedSharpe(NamedTuple):
    """What [`deflated_sharpe_ratio`][quantamm_eqx.evaluation.deflated_sharpe_ratio] returns.

    **Fields:**

    - `sharpe`: the observed per-period (non-annualised) Sharpe ratio `SR`;
    - `expected_max_sharpe`: `SR0`, the largest per-period Sharpe ratio expected among
      `n_trials` trials of no skill (0 for one trial);
    - `probability`: the deflated Sharpe ratio, the probability that the true Sharpe ratio
      exceeds `SR0`;
    - `skewness`, `kurtosis`: the returns' sample skewness and (non-excess) kurtosis;
    - `n_returns`: the number of returns `T`;
    - `n_trials`: the number of trials `N`.
    """

    sharpe: float
    expected_max_sharpe: float
    probability: float
    skewness: float
    kurtosis: float
    n_returns: int
    n_trials: int


def checked_returns(returns: object, minimum: int, name: str = "returns") -> np.ndarray:
    """`returns` as a finite float64 1-D array of at least `minimum` entries, else an error
    naming `name`."""
    if returns is None or isinstance(returns, str | bytes):
        raise ArgumentTypeError(f"`{name}` must be a 1-D array of returns; got {returns!r}.")
    try:
        array = np.asarray(returns, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ArgumentTypeError(f"`{name}` must be a 1-D array of numbers.") from error
    if array.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D (one return per period); got {array.shape}.")
    if array.shape[0] < minimum:
        raise ValueError(
            f"`{name}` must hold at least {minimum} returns; got {array.shape[0]}. Use a "
            "longer series (or shorter periods)."
        )
    bad = ~np.isfinite(array)
    if bad.any():
        index = int(np.argmax(bad))
        raise ValueError(
            f"`{name}` must be finite; found {array[index]!r} at index {index} "
            f"({int(bad.sum())} non-finite in all)."
        )
    return array


def sharpe_ratio(returns: ReturnsLike, *, periods_per_year: int | float = 1) -> float:
    """The Sharpe ratio of per-period returns, `sqrt(periods_per_year) * mean / std`.

    The standard deviation is the sample one (`ddof=1`); no risk-free rate is subtracted
    (pass excess returns for one). NaN for constant returns, whose ratio is undefined.

    **Arguments:**

    - `returns`: the per-period returns, at least 2.
    - `periods_per_year`: 1 (the default) for the per-period ratio; 365 annualises daily
      returns, as [`daily_log_sharpe`][quantamm_eqx.metrics.daily_log_sharpe] does.

    **Returns:**

    The ratio, a Python float.

    **Example:**

    ```python
    >>> from quantamm_eqx.evaluation import sharpe_ratio
    >>> round(sharpe_ratio([0.01, 0.02, 0.03]), 6)
    2.0
    >>> round(sharpe_ratio([0.01, 0.02, 0.03], periods_per_year=4), 6)
    4.0
    ```
    """
    array = checked_returns(returns, 2)
    return _sharpe(array) * math.sqrt(periods_per_year)


def _sharpe(returns: np.ndarray) -> float:
    if np.ptp(returns) == 0:  # constant (a computed std would be rounding error, not 0)
        return math.nan
    return float(np.mean(returns)) / float(np.std(returns, ddof=1))


def _moments(returns: np.ndarray) -> tuple[float, float, float]:
    """`(SR, skewness, kurtosis)`: the Sharpe ratio (sample std) and the central-moment
    skewness `m3 / m2^1.5` and kurtosis `m4 / m2^2`; `ValueError` for constant returns."""
    deviations = returns - returns.mean()
    m2 = float(np.mean(deviations**2))
    if np.ptp(returns) == 0:
        raise ValueError(
            "`returns` are constant: their Sharpe ratio (mean / standard deviation) is undefined."
        )
    skewness = float(np.mean(deviations**3)) / m2**1.5
    kurtosis = float(np.mean(deviations**4)) / m2**2
    return _sharpe(returns), skewness, kurtosis


def _probability(sharpe: float, benchmark: float, n: int, skew: float, kurt: float) -> float:
    """`Phi((SR - SR*) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2))`."""
    variance = 1.0 - skew * sharpe + (kurt - 1.0) / 4.0 * sharpe**2
    difference = sharpe - benchmark
    if not variance > 0:  # a two-point distribution: the estimate has no spread
        return 0.5 if difference == 0 else float(difference > 0)
    return float(ndtr(difference * math.sqrt(n - 1) / math.sqrt(variance)))


def probabilistic_sharpe_ratio(returns: ReturnsLike, benchmark_sharpe: int | float = 0.0) -> float:
    """The probabilistic Sharpe ratio: the probability that the true Sharpe ratio of the
    process behind `returns` exceeds `benchmark_sharpe` (Bailey and López de Prado, 2012).

    `PSR = Phi((SR - SR*) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2))`, with the
    per-period Sharpe ratio `SR` (mean over sample standard deviation), the sample
    skewness `g3` and the (non-excess) kurtosis `g4` of the `T` returns (central moments,
    `m3 / m2^1.5` and `m4 / m2^2`). Fat tails and negative skew lower it.

    **Arguments:**

    - `returns`: the per-period returns (not annualised), at least 3, finite.
    - `benchmark_sharpe`: `SR*`, a per-period Sharpe ratio (0: is there any skill?).

    **Returns:**

    The probability, in [0, 1]: 0.5 when `SR == SR*`.

    **Raises:**

    `ValueError` naming `returns` for fewer than 3 returns, a non-finite or constant one, or
    naming `benchmark_sharpe` when it is not finite.

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx.evaluation import probabilistic_sharpe_ratio
    >>> returns = np.random.default_rng(0).normal(0.002, 0.01, 1000)  # SR about 0.16
    >>> round(probabilistic_sharpe_ratio(returns), 3)  # surely above 0
    1.0
    >>> round(probabilistic_sharpe_ratio(returns, benchmark_sharpe=0.3), 3)  # surely below
    0.0
    ```
    """
    array = checked_returns(returns, 3)
    benchmark = checked_finite(benchmark_sharpe, "benchmark_sharpe")
    sharpe, skewness, kurtosis = _moments(array)
    return _probability(sharpe, benchmark, array.shape[0], skewness, kurtosis)


def expected_max_sharpe(n_trials: int, trial_sharpes_variance: int | float) -> float:
    """`SR0`: the expected largest Sharpe ratio of `n_trials` independent trials whose
    true Sharpe ratio is 0 and whose estimates have variance `trial_sharpes_variance`.

    `SR0 = sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e)))`, `gamma` the
    Euler-Mascheroni constant (Bailey and López de Prado, 2014, eq. 2). One trial involves
    no selection: `SR0 = 0`.

    **Example:**

    ```python
    >>> from quantamm_eqx.evaluation import expected_max_sharpe
    >>> expected_max_sharpe(1, 0.5), round(expected_max_sharpe(100, 1.0), 4)
    (0.0, 2.5306)
    ```
    """
    n_trials = checked_int(n_trials, "n_trials", 1)
    variance = checked_finite(trial_sharpes_variance, "trial_sharpes_variance")
    if variance < 0:
        raise ValueError(
            f"`trial_sharpes_variance` must be >= 0 (a variance); got {trial_sharpes_variance!r}."
        )
    if n_trials == 1:
        return 0.0
    gamma = float(np.euler_gamma)
    quantiles = (1 - gamma) * ndtri(1 - 1 / n_trials) + gamma * ndtri(1 - 1 / (n_trials * math.e))
    return float(math.sqrt(variance) * quantiles)


def deflated_sharpe_ratio(
    returns: ReturnsLike, *, n_trials: int, trial_sharpes_variance: int | float
) -> DeflatedSharpe:
    """The deflated Sharpe ratio (Bailey and López de Prado, 2014, "The Deflated Sharpe
    Ratio: Correcting for Selection Bias, Backtest Overfitting and Non-Normality").

    The best of `n_trials` trials has a high Sharpe ratio by luck alone. The DSR is the
    [probabilistic Sharpe ratio][quantamm_eqx.evaluation.probabilistic_sharpe_ratio]
    against `SR0` = [`expected_max_sharpe`][quantamm_eqx.evaluation.expected_max_sharpe]
    `(n_trials, trial_sharpes_variance)`, the largest Sharpe ratio expected of that many
    trials without skill:
    `DSR = Phi((SR - SR0) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2))`. Every Sharpe
    ratio here is per period (not annualised); `g3` and `g4` are the returns' skewness and
    (non-excess) kurtosis. With one trial there is no selection: `SR0 = 0` and the DSR is
    the PSR against 0. A DSR above 0.95 rejects "no skill" at the 5% level.

    **Arguments:**

    - `returns`: the chosen strategy's per-period returns, at least 3, finite.
    - `n_trials`: `N`, the number of (independent) trials the strategy was chosen from.
    - `trial_sharpes_variance`: `V[SR_n]`, the variance across the trials of their
      per-period Sharpe ratios.

    **Returns:**

    A [`DeflatedSharpe`][quantamm_eqx.evaluation.DeflatedSharpe]; `probability` is the DSR.

    **Raises:**

    `ValueError` naming `returns` (fewer than 3, non-finite or constant), `n_trials`
    (below 1) or `trial_sharpes_variance` (negative or not finite).

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx.evaluation import deflated_sharpe_ratio
    >>> returns = np.random.default_rng(1).normal(0.002, 0.02, 250)  # SR about 0.1
    >>> one = deflated_sharpe_ratio(returns, n_trials=1, trial_sharpes_variance=0.0)
    >>> many = deflated_sharpe_ratio(returns, n_trials=100, trial_sharpes_variance=0.002)
    >>> one.expected_max_sharpe, bool(many.probability < one.probability)
    (0.0, True)
    ```
    """
    array = checked_returns(returns, 3)
    benchmark = expected_max_sharpe(n_trials, trial_sharpes_variance)
    sharpe, skewness, kurtosis = _moments(array)
    probability = _probability(sharpe, benchmark, array.shape[0], skewness, kurtosis)
    return DeflatedSharpe(
        sharpe, benchmark, probability, skewness, kurtosis, array.shape[0], int(n_trials)
    )


def checked_finite(value: object, name: str) -> float:
    """`value` as a float if it is a finite real number, else an error naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ArgumentTypeError(f"`{name}` must be a number; got {type(value).__name__}.")
    if not math.isfinite(value):
        raise ValueError(f"`{name}` must be finite; got {value!r}.")
    return float(value)

"""The out-of-sample curve of a walk-forward evaluation: the test spans' values stitched
window after window, the HODL curve over the same minutes, and their statistics."""

import math
from functools import partial

import numpy as np

from ..simulation import Simulation
from ._bootstrap import BootstrapInterval, block_bootstrap_interval
from ._statistics import DeflatedSharpe, deflated_sharpe_ratio, sharpe_ratio
from ._windows import Window

MINUTES_PER_DAY = 1440


class Stitched:
    """The out-of-sample curves, window by window: each starts with the previous window's
    last reserves valued at its first prices."""

    def __init__(self):
        self.values, self.hodl, self.minutes, self.window_sharpes = [], [], [], []
        self.scale, self.reserves, self.holdings = 1.0, None, None

    def add(self, simulation: Simulation, window: Window) -> None:
        values = np.asarray(simulation.values, dtype=np.float64)
        prices = np.asarray(simulation.prices, dtype=np.float64)
        if self.holdings is None:
            self.holdings = np.asarray(simulation.initial_reserves, dtype=np.float64)
        else:
            self.scale *= float(self.reserves @ prices[0]) / values[0]
        self.reserves = np.asarray(simulation.reserves[-1], dtype=np.float64)
        self.values.append(self.scale * values)
        self.hodl.append(prices @ self.holdings)
        self.minutes.append(np.arange(window.test_start, window.test_stop))
        returns = daily_returns(values)
        usable = returns.size >= 2 and bool(np.all(np.isfinite(returns)))
        self.window_sharpes.append(sharpe_ratio(returns) if usable else math.nan)


def daily_returns(values: np.ndarray) -> np.ndarray:
    """Simple returns between the values a day apart, from the first minute on."""
    daily = values[::MINUTES_PER_DAY]
    return daily[1:] / daily[:-1] - 1


def curve_statistics(values, window_sharpes, n_trials) -> tuple[DeflatedSharpe, BootstrapInterval]:
    """The deflated Sharpe ratio and the bootstrap interval of the curve's daily returns."""
    returns = daily_returns(values)
    if returns.size < 3 or not np.all(np.isfinite(returns)) or np.ptp(returns) == 0:
        nan = math.nan
        return DeflatedSharpe(nan, nan, nan, nan, nan, returns.size, n_trials), BootstrapInterval(
            nan, nan, nan, nan
        )
    sharpes = np.asarray(window_sharpes)
    sharpes = sharpes[np.isfinite(sharpes)]
    variance = float(np.var(sharpes, ddof=1)) if sharpes.size >= 2 else 0.0
    deflated = deflated_sharpe_ratio(returns, n_trials=n_trials, trial_sharpes_variance=variance)
    interval = block_bootstrap_interval(
        returns,
        partial(sharpe_ratio, periods_per_year=365.0),
        block_length=max(1, round(returns.size ** (1 / 3))),
    )
    return deflated, interval

"""Objectives of a simulated bout: pure functions of a `Simulation` or its values."""

from ._metrics import daily_log_sharpe as daily_log_sharpe
from ._metrics import returns as returns
from ._metrics import returns_over_hodl as returns_over_hodl

"""Objectives of a simulated bout: pure functions of a `Simulation` or its values.

All are oriented so that higher is better (drawdowns, VaR and the Ulcer index are <= 0).
"""

from ._metrics import annualised_returns as annualised_returns
from ._metrics import calmar as calmar
from ._metrics import daily_log_sharpe as daily_log_sharpe
from ._metrics import daily_sharpe as daily_sharpe
from ._metrics import max_drawdown as max_drawdown
from ._metrics import returns as returns
from ._metrics import returns_over_hodl as returns_over_hodl
from ._metrics import returns_over_uniform_hodl as returns_over_uniform_hodl
from ._metrics import sharpe as sharpe
from ._metrics import sterling as sterling
from ._metrics import ulcer as ulcer
from ._metrics import value_at_risk as value_at_risk

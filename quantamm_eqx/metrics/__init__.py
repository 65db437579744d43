"""Objectives of a simulated bout: pure functions of a `Simulation` or its values.

All are oriented so that higher is better (drawdowns, VaR and the Ulcer index are <= 0).
Those of the pool's values are net of every fee and cost the simulation charges: the values
include the swap fees the pool kept (arbitrage and retail, net of the protocol's share) and
what it gave up to arbitrage. `fee_return` and `arbitrage_return` are those two parts alone.
"""

from ._flows import arbitrage_return as arbitrage_return
from ._flows import fee_return as fee_return
from ._objectives import OBJECTIVES as OBJECTIVES
from ._objectives import objective_function as objective_function
from ._returns import annualised_returns as annualised_returns
from ._returns import daily_log_sharpe as daily_log_sharpe
from ._returns import daily_sharpe as daily_sharpe
from ._returns import returns as returns
from ._returns import returns_over_hodl as returns_over_hodl
from ._returns import returns_over_uniform_hodl as returns_over_uniform_hodl
from ._returns import sharpe as sharpe
from ._risk import calmar as calmar
from ._risk import max_drawdown as max_drawdown
from ._risk import sterling as sterling
from ._risk import ulcer as ulcer
from ._risk import value_at_risk as value_at_risk
from ._turnover import turnover as turnover

"""Does a trained pool generalise? Walk-forward evaluation and the statistics to judge it.

[`walk_forward`][quantamm_eqx.evaluation.walk_forward] trains a pool on each window's
training span and scores it on the test span that follows
([`walk_forward_windows`][quantamm_eqx.evaluation.walk_forward_windows]), stitching the
test spans into one out-of-sample value curve. The statistics (NumPy and SciPy, on the
host) judge a return series after training: the
[deflated Sharpe ratio][quantamm_eqx.evaluation.deflated_sharpe_ratio] corrects the
Sharpe ratio for the number of trials it was chosen from, and
[`block_bootstrap_interval`][quantamm_eqx.evaluation.block_bootstrap_interval] gives an
interval for it that respects serial dependence.
"""

from ._bootstrap import BootstrapInterval as BootstrapInterval
from ._bootstrap import block_bootstrap_interval as block_bootstrap_interval
from ._result import WalkForwardResult as WalkForwardResult
from ._statistics import DeflatedSharpe as DeflatedSharpe
from ._statistics import deflated_sharpe_ratio as deflated_sharpe_ratio
from ._statistics import expected_max_sharpe as expected_max_sharpe
from ._statistics import probabilistic_sharpe_ratio as probabilistic_sharpe_ratio
from ._statistics import sharpe_ratio as sharpe_ratio
from ._walk_forward import walk_forward as walk_forward
from ._windows import Window as Window
from ._windows import walk_forward_windows as walk_forward_windows

"""Estimators of TFMM rules: typed `init`/`step` pure functions and their sequence forms.

Each estimator has a small state (`NamedTuple`), an `*_init` that starts it from the first
price, a `*_step` that is usable directly as a `lax.scan` body, and a sequence function that
runs it over a whole price series, sequentially (`method="scan"`) or in parallel
(`method="associative"`).
"""

from ._arithmetic import A_ZERO_THRESHOLD as A_ZERO_THRESHOLD
from ._arithmetic import AbstractEstimatorArithmetic as AbstractEstimatorArithmetic
from ._arithmetic import GradientState as GradientState
from ._arithmetic import ProtocolArithmetic as ProtocolArithmetic
from ._arithmetic import SimulatorArithmetic as SimulatorArithmetic
from ._arithmetic import estimator_arithmetic as estimator_arithmetic
from ._contract import gradient_update as gradient_update
from ._ewma import EWMAState as EWMAState
from ._ewma import ewma as ewma
from ._ewma import ewma_init as ewma_init
from ._ewma import ewma_step as ewma_step
from ._gradient import ewma_gradients as ewma_gradients
from ._gradient import gradient_init as gradient_init
from ._gradient import gradient_step as gradient_step
from ._method import Method as Method

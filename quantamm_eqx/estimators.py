"""Estimators of TFMM rules: typed `init`/`step` pure functions and their sequence forms.

Each estimator has a small state (`NamedTuple`), an `*_init` that starts it from the first
price, a `*_step` that is usable directly as a `lax.scan` body, and a sequence function that
runs it over a whole price series, sequentially (`method="scan"`) or in parallel
(`method="associative"`).
"""

from ._estimators.ewma import EWMAState as EWMAState
from ._estimators.ewma import ewma as ewma
from ._estimators.ewma import ewma_init as ewma_init
from ._estimators.ewma import ewma_step as ewma_step
from ._estimators.gradient import A_ZERO_THRESHOLD as A_ZERO_THRESHOLD
from ._estimators.gradient import GradientState as GradientState
from ._estimators.gradient import ewma_gradients as ewma_gradients
from ._estimators.gradient import gradient_init as gradient_init
from ._estimators.gradient import gradient_step as gradient_step
from ._estimators.method import Method as Method

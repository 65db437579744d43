"""Protocol mode: the deployed QuantAMM-V1 contracts' rule and guard arithmetic.

`SimulationConfig(mode="protocol")` runs pools with these functions; they are also usable
on their own, to check a single update against the contracts. `*_fixed` functions repeat
the guard in exact 18-decimal fixed point (Python integers).
"""

from ._protocol.estimator import gradient_update as gradient_update
from ._protocol.fixed import clamp_weights_fixed as clamp_weights_fixed
from ._protocol.fixed import from_fixed as from_fixed
from ._protocol.fixed import guard_weights_fixed as guard_weights_fixed
from ._protocol.fixed import limit_update_fixed as limit_update_fixed
from ._protocol.fixed import to_fixed as to_fixed
from ._protocol.guard import clamp_weights as clamp_weights
from ._protocol.guard import guard_weights as guard_weights
from ._protocol.guard import limit_update as limit_update
from ._protocol.parameters import contract_parameters as contract_parameters
from ._protocol.parameters import pool_from_contract as pool_from_contract

"""Deprecated: the protocol-mode functions now live beside their simulator siblings.

- `gradient_update` → [`quantamm_eqx.estimators`][];
- `clamp_weights`, `limit_update`, `guard_weights` and the fixed-point `*_fixed`,
  `to_fixed`, `from_fixed` → [`quantamm_eqx.weights`][];
- `contract_parameters`, `pool_from_contract` → [`quantamm_eqx.compat`][].

The old names still resolve, with a `DeprecationWarning`, until the next release.
"""

import importlib
import warnings

_MOVED = {
    "gradient_update": "quantamm_eqx.estimators",
    "clamp_weights": "quantamm_eqx.weights",
    "limit_update": "quantamm_eqx.weights",
    "guard_weights": "quantamm_eqx.weights",
    "clamp_weights_fixed": "quantamm_eqx.weights",
    "limit_update_fixed": "quantamm_eqx.weights",
    "guard_weights_fixed": "quantamm_eqx.weights",
    "to_fixed": "quantamm_eqx.weights",
    "from_fixed": "quantamm_eqx.weights",
    "contract_parameters": "quantamm_eqx.compat",
    "pool_from_contract": "quantamm_eqx.compat",
}


def __getattr__(name: str) -> object:
    if name not in _MOVED:
        raise AttributeError(f"module 'quantamm_eqx.protocol' has no attribute {name!r}")
    home = _MOVED[name]
    warnings.warn(
        f"`quantamm_eqx.protocol.{name}` moved to `{home}.{name}`; the old name will be "
        "removed in the next release.",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module(home), name)

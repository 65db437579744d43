"""Differentiable Temporal-Function Market Maker (TFMM) pools in JAX and Equinox."""

import importlib.metadata

from . import estimators as estimators
from . import transforms as transforms

try:
    __version__ = importlib.metadata.version("quantamm_eqx")
except importlib.metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

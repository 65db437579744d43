"""The `quantamm-eqx` command line: `simulate`, `train` and `plot` (see `quantamm-eqx --help`)."""

from ._main import main as main
from ._parser import build_parser as build_parser

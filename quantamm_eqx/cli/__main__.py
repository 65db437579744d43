"""`python -m quantamm_eqx.cli`: the command line."""

from ._main import main

raise SystemExit(main())

"""The `quantamm-eqx` parser: its pool names are the registry's, and parsing imports no JAX."""

import subprocess
import sys
from pathlib import Path

import pytest

import quantamm_eqx
from quantamm_eqx.cli import build_parser
from quantamm_eqx.cli._options import OBJECTIVE_NAMES, POOL_NAMES
from quantamm_eqx.metrics import OBJECTIVES
from quantamm_eqx.pools import POOLS

PACKAGE = Path(__file__).parents[1] / "quantamm_eqx"


def test_pool_choices_are_the_registry():
    assert POOL_NAMES == tuple(POOLS)


def test_objective_choices_are_the_librarys_and_the_help_lists_them(capsys):
    assert OBJECTIVE_NAMES == tuple(OBJECTIVES)
    with pytest.raises(SystemExit) as exit:
        build_parser().parse_args(["train", "--help"])
    assert exit.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())  # the help text, re-wrapped
    assert all(name in shown for name in OBJECTIVE_NAMES)


def test_version_is_the_packages(capsys):
    with pytest.raises(SystemExit) as exit:
        build_parser().parse_args(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.strip() == f"quantamm-eqx {quantamm_eqx.__version__}"


@pytest.mark.parametrize("name", list(POOLS))
def test_every_registered_pool_parses(name):
    assert build_parser().parse_args(["simulate", "--pool", name]).pool == name


def test_parsing_imports_no_jax():
    """The command line's own modules import JAX (and the library) only once a command runs.

    The package `quantamm_eqx` is stubbed so that its `__init__` (which imports JAX) does not
    run: what is left is what the command line imports to parse its arguments.
    """
    script = f"""
import sys, types
package = types.ModuleType("quantamm_eqx")
package.__path__ = [{str(PACKAGE)!r}]
sys.modules["quantamm_eqx"] = package
from quantamm_eqx.cli import build_parser, main
build_parser().parse_args(["train", "--steps", "3", "--pool", "anti_momentum"])
try:
    build_parser().parse_args(["--version"])
except SystemExit as exit:
    assert exit.code == 0
try:
    main(["simulate", "--help"])
except SystemExit as exit:
    assert exit.code == 0
heavy = sorted(name for name in sys.modules if name.split(".")[0] in {{"jax", "jaxlib",
    "equinox", "optax", "matplotlib"}} or name.startswith("quantamm_eqx.") and not
    name.startswith(("quantamm_eqx.cli", "quantamm_eqx._version")))
assert not heavy, heavy
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "--pool" in result.stdout


def test_the_weight_clip_reaches_the_configuration():
    """`--weight-clip reference` keeps quantammsim's single pass; protocol mode refuses it."""
    import numpy as np

    from quantamm_eqx.cli._config import simulation_config

    parser = build_parser()
    default = simulation_config(parser.parse_args(["simulate"]), np.float64)
    chosen = parser.parse_args(["simulate", "--weight-clip", "reference"])
    assert default.weight_clip == "iterative"
    assert simulation_config(chosen, np.float64).weight_clip == "reference"
    protocol = parser.parse_args(["simulate", "--mode", "protocol", "--weight-clip", "reference"])
    with pytest.raises(ValueError, match="--weight-clip reference chooses the simulator's clip"):
        simulation_config(protocol, np.float64)


@pytest.mark.parametrize("option", ["--start", "--end"])
def test_a_date_that_is_not_one_names_the_option(option, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["simulate", option, "notadate"])
    error = capsys.readouterr().err
    assert f"argument {option}: 'notadate' is neither a minute index" in error
    assert "`when`" not in error


def test_the_realism_options_reach_the_configuration():
    import numpy as np

    from quantamm_eqx.cli._config import simulation_config

    parser = build_parser()
    argv = ["simulate", "--fees", "0.003", "--noise-trader-ratio", "1.5"]
    argv += ["--protocol-fee-split", "1", "--arb-frequency", "5"]
    config = simulation_config(parser.parse_args(argv), np.float64)
    assert (config.noise_trader_ratio, config.protocol_fee_split) == (1.5, 1.0)
    assert (config.arb_frequency, config.do_arb) == (5, True)
    assert not simulation_config(parser.parse_args(["simulate", "--no-arb"]), np.float64).do_arb
    for argv, message in [
        (["--noise-trader-ratio", "2"], "--noise-trader-ratio 2 shares out swap fees, and --fees"),
        (["--protocol-fee-split", "0.5"], "--protocol-fee-split 0.5 shares out swap fees"),
        (["--no-arb", "--arb-frequency", "5"], "--no-arb turns arbitrage off"),
    ]:
        with pytest.raises(ValueError, match=message):
            simulation_config(parser.parse_args(["simulate", *argv]), np.float64)


def test_a_protocol_share_above_one_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["simulate", "--protocol-fee-split", "1.5"])
    assert "argument --protocol-fee-split: must lie in [0, 1], got 1.5" in capsys.readouterr().err

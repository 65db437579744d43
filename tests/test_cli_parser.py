"""The `quantamm-eqx` parser: its pool names are the registry's, and parsing imports no JAX."""

import subprocess
import sys

import pytest

import quantamm_eqx
from quantamm_eqx.cli import build_parser
from quantamm_eqx.cli._options import OBJECTIVE_NAMES, POOL_NAMES
from quantamm_eqx.metrics import OBJECTIVES
from quantamm_eqx.pools import POOLS


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


def test_help_imports_no_jax():
    """`quantamm-eqx --help` is fast: parsing imports neither JAX nor NumPy nor the library
    (`import quantamm_eqx` imports its subpackages on first use)."""
    script = """
import sys
from quantamm_eqx.cli import build_parser, main
build_parser().parse_args(["train", "--steps", "3", "--pool", "anti_momentum"])
for argv in (["--version"], ["simulate", "--help"], ["train", "--help"]):
    try:
        main(argv)
    except SystemExit as exit:
        assert exit.code == 0
heavy = sorted(name for name in sys.modules if name.split(".")[0] in {"jax", "jaxlib",
    "equinox", "optax", "matplotlib", "numpy", "pandas"} or name.startswith("quantamm_eqx.")
    and not name.startswith(("quantamm_eqx.cli", "quantamm_eqx._version")))
assert not heavy, heavy
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "--pool" in result.stdout and "--test-fraction" in result.stdout


def test_the_package_imports_its_names_on_first_use():
    import quantamm_eqx

    assert quantamm_eqx.simulate is quantamm_eqx.simulation.simulate
    assert set(quantamm_eqx.__all__) <= set(dir(quantamm_eqx))
    with pytest.raises(AttributeError, match="has no attribute 'simulat'"):
        quantamm_eqx.simulat  # noqa: B018


def parsed(argv):
    """The resolved options of `argv`, as a command sees them (with data of 1000 days)."""
    from quantamm_eqx.cli._fit_to_data import fit_chunk_period
    from quantamm_eqx.cli._resolve import resolve

    args = build_parser().parse_args(argv)
    resolve(args)
    fit_chunk_period(args, 1000 * 1440)
    return args


def test_the_weight_clip_reaches_the_configuration():
    """`--weight-clip reference` keeps quantammsim's single pass; protocol mode refuses it."""
    import numpy as np

    from quantamm_eqx.cli._config import simulation_config

    default = simulation_config(parsed(["simulate"]), np.float64)
    chosen = parsed(["simulate", "--weight-clip", "reference"])
    assert default.weight_clip == "iterative"
    assert simulation_config(chosen, np.float64).weight_clip == "reference"
    protocol = parsed(["simulate", "--mode", "protocol", "--weight-clip", "reference"])
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

    argv = ["simulate", "--fees", "0.003", "--noise-trader-ratio", "1.5"]
    argv += ["--protocol-fee-split", "1", "--arb-frequency", "5"]
    config = simulation_config(parsed(argv), np.float64)
    assert (config.noise_trader_ratio, config.protocol_fee_split) == (1.5, 1.0)
    assert (config.arb_frequency, config.do_arb) == (5, True)
    assert not simulation_config(parsed(["simulate", "--no-arb"]), np.float64).do_arb
    for argv, message in [
        (["--noise-trader-ratio", "2"], "--noise-trader-ratio 2 shares out swap fees, and --fees"),
        (["--protocol-fee-split", "0.5"], "--protocol-fee-split 0.5 shares out swap fees"),
        (["--no-arb", "--arb-frequency", "5"], "--no-arb turns arbitrage off, so --arb-freq"),
        (["--no-arb", "--gas-cost", "1"], "--no-arb turns arbitrage off, so --gas-cost has"),
        (["--no-arb", "--fees", "0.01", "--noise-trader-ratio", "1"], "so --noise-trader-ratio"),
    ]:
        with pytest.raises(ValueError, match=message):
            simulation_config(parsed(["simulate", *argv]), np.float64)


def test_a_protocol_share_above_one_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["simulate", "--protocol-fee-split", "1.5"])
    assert "argument --protocol-fee-split: must lie in [0, 1], got 1.5" in capsys.readouterr().err

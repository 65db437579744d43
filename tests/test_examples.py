"""Every docstring example (doctest) and every Python block of the README and docs runs."""

import doctest
import importlib
import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
MODULES = [
    "quantamm_eqx._transforms",
    "quantamm_eqx._estimators.ewma",
    "quantamm_eqx._estimators.gradient",
    "quantamm_eqx._cli",
    "quantamm_eqx._config",
    "quantamm_eqx._pools.base",
    "quantamm_eqx._pools.params",
    "quantamm_eqx._pools.momentum",
    "quantamm_eqx._pools.anti_momentum",
    "quantamm_eqx._pools.channel",
    "quantamm_eqx._pools.ensemble",
    "quantamm_eqx._pools.bounded",
    "quantamm_eqx.compat",
    "quantamm_eqx._weights.guardrails",
    "quantamm_eqx._weights.coarse",
    "quantamm_eqx._weights.interpolation",
    "quantamm_eqx._weights.schedule",
    "quantamm_eqx._simulation.arbitrage",
    "quantamm_eqx._simulation.exact_arbitrage",
    "quantamm_eqx._simulation.reference_arbitrage",
    "quantamm_eqx._simulation.simulate",
    "quantamm_eqx._metrics",
    "quantamm_eqx._training.fit",
    "quantamm_eqx._atomic",
    "quantamm_eqx._data.grid",
    "quantamm_eqx._data.stocks",
    "quantamm_eqx._data.loaders",
    "quantamm_eqx._simulation.benchmarks",
    "quantamm_eqx.reports",
    "quantamm_eqx._protocol.estimator",
    "quantamm_eqx._protocol.guard",
    "quantamm_eqx._protocol.fixed",
    "quantamm_eqx._protocol.parameters",
]
_FENCE = re.compile(r"^\s*```.*$", flags=re.MULTILINE)


class FencedDocTestParser(doctest.DocTestParser):
    """Doctest parser for Markdown docstrings: code fences are not part of expected output."""

    def parse(self, string, name="<string>"):
        return super().parse(_FENCE.sub("", string), name)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(parser=FencedDocTestParser())
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [test for test in finder.find(module) if test.examples]
    assert tests, f"{module_name} has no examples"
    for test in tests:
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} example(s) failed in {module_name}"


def python_blocks(path):
    """The page's Python blocks, indented ones (in admonitions, lists) included."""
    found = re.findall(
        r"^([ \t]*)```python\n(.*?)^\1```", path.read_text(), flags=re.MULTILINE | re.DOTALL
    )
    return [textwrap.dedent(block) for _, block in found]


#: Pages run by a test of their own, which also checks what they compute.
OWN_TESTS = {ROOT / "docs" / "how-to" / "layers.md"}  # tests/test_layers.py

DOC_FILES = [
    path
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    if python_blocks(path) and path not in OWN_TESTS
]


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_documentation_code_blocks_run(path):
    """A page's blocks build on each other: run them in order, in one namespace."""
    namespace = {"__name__": "__documentation__"}
    for index, block in enumerate(python_blocks(path)):
        exec(compile(block, f"{path.name}[block {index}]", "exec"), namespace)

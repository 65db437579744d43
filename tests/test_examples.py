"""Every docstring example (doctest) and every Python block of the README and docs runs."""

import doctest
import importlib
import inspect
import pkgutil
import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _modules() -> list[str]:
    """Every module that defines a public function or class: one re-exported by the package
    or by one of its public subpackages (the command line's `main` module included)."""
    package = importlib.import_module("quantamm_eqx")
    namespaces = [package] + [
        importlib.import_module(info.name)
        for info in pkgutil.iter_modules(package.__path__, "quantamm_eqx.")
        if info.ispkg and not info.name.rpartition(".")[2].startswith("_")
    ]
    homes = {
        value.__module__
        for namespace in namespaces
        for key, value in vars(namespace).items()
        if not key.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
    }
    with_examples = {
        info.name
        for info in pkgutil.walk_packages(package.__path__, "quantamm_eqx.")
        if not info.name.endswith("__main__")
        and ">>> " in inspect.getsource(importlib.import_module(info.name))
    }
    return sorted(with_examples | {home for home in homes if home.startswith("quantamm_eqx.")})


MODULES = _modules()
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
OWN_TESTS = {
    ROOT / "docs" / "how-to" / "layers.md",  # tests/test_layers.py
    ROOT / "docs" / "how-to" / "custom-rule.md",  # tests/test_custom_rule.py
}

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

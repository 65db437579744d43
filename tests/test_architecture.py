"""The package layers of docs/concepts/architecture.md hold in the code: every package
imports only the packages its row allows, no two packages import each other (directly or
through others), and no private name crosses a package border."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "quantamm_eqx"
PAGE = ROOT / "docs" / "concepts" / "architecture.md"
EVERY_PACKAGE = "every package above"


def _unit(path: Path) -> str:
    """The package a source file belongs to: its first directory under quantamm_eqx, or
    the top-level module's name; the package's own `__init__.py` is the root."""
    parts = path.relative_to(PACKAGE).parts
    if len(parts) == 1:
        return "<root>" if parts[0] == "__init__.py" else parts[0][:-3]
    return parts[0]


def _units() -> set[str]:
    return {_unit(path) for path in PACKAGE.rglob("*.py")} - {"<root>"}


def _imports() -> list[tuple[str, str, str, Path]]:
    """`(importer, imported package, imported name, file)` for every import between units,
    function-level imports included."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        me = _unit(path)
        package_parts = path.relative_to(ROOT).parts[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name.split(".") for alias in node.names]
                for target in targets:
                    if target[0] == "quantamm_eqx" and len(target) > 1:
                        found.append((me, target[1], "", path))
                continue
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = list(package_parts[: len(package_parts) - node.level + 1])
                module = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "quantamm_eqx":
                module = node.module.split(".")
            else:
                continue
            for alias in node.names:
                if len(module) == 1:  # `from quantamm_eqx import x`: x is a unit or a root name
                    unit = alias.name if alias.name in _units() else "<root>"
                    found.append((me, unit, "", path))
                else:
                    found.append((me, module[1].removesuffix(".py"), alias.name, path))
    return [(a, b, name, path) for a, b, name, path in found if a != b]


def _allowed() -> dict[str, set[str]]:
    rows = re.findall(r"^\| `(\w+)` \|[^|]*\|([^|]*)\|$", PAGE.read_text(), flags=re.MULTILINE)
    assert rows, "the architecture page has no package table"
    allowed = {}
    for unit, imports in rows:
        if imports.strip() == EVERY_PACKAGE:
            allowed[unit] = {name for name, _ in rows if name != unit} | {"<root>"}
        else:
            allowed[unit] = set(re.findall(r"`(\w+)`", imports))
    return allowed


def test_the_table_names_every_package():
    assert set(_allowed()) == _units()


@pytest.mark.parametrize("unit", sorted(_units()))
def test_each_package_imports_only_what_its_row_allows(unit):
    allowed = _allowed()[unit]
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {target}"
        for me, target, _, path in _imports()
        if me == unit and target not in allowed
    )
    assert not wrong, wrong


def test_no_package_cycles():
    graph: dict[str, set[str]] = {}
    for me, target, _, _ in _imports():
        graph.setdefault(me, set()).add(target)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(unit for unit in graph if unit != "<root>" and reaches(unit, unit, set()))
    assert not cycles, cycles


def test_no_private_name_crosses_a_package_border():
    crossing = sorted(
        f"{path.relative_to(ROOT)} imports {name} from {target}"
        for _, target, name, path in _imports()
        if name.startswith("_") and not name.startswith("__")
    )
    assert not crossing, crossing


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    """The checks above can fail: a file importing upwards is reported."""
    fake = tmp_path / "quantamm_eqx"
    (fake / "weights").mkdir(parents=True)
    (fake / "pools").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "pools" / "__init__.py").write_text("")
    (fake / "weights" / "__init__.py").write_text("from ..pools._base import _secret\n")
    module = __import__(__name__)
    monkeypatch.setattr(module, "PACKAGE", fake)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    found = {(a, b, n) for a, b, n, _ in _imports()}
    assert ("weights", "pools", "_secret") in found
    assert "pools" not in _allowed()["weights"]  # so the row test would report it


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("quantamm_eqx.protocol.clamp_weights", "quantamm_eqx.weights.clamp_weights"),
        ("quantamm_eqx.protocol.gradient_update", "quantamm_eqx.estimators.gradient_update"),
        ("quantamm_eqx.protocol.pool_from_contract", "quantamm_eqx.compat.pool_from_contract"),
        ("quantamm_eqx.protocol.to_fixed", "quantamm_eqx.weights.to_fixed"),
        ("quantamm_eqx.AbstractPool", "quantamm_eqx.AbstractGradientPool"),
        ("quantamm_eqx.pools.AbstractPool", "quantamm_eqx.pools.AbstractGradientPool"),
    ],
)
def test_moved_names_still_resolve_with_a_deprecation_warning(old, new):
    import importlib

    def resolve(path):
        module, _, name = path.rpartition(".")
        return getattr(importlib.import_module(module), name)

    with pytest.warns(DeprecationWarning, match=new.rpartition(".")[2]):
        assert resolve(old) is resolve(new)


def test_unknown_names_are_still_attribute_errors():
    import quantamm_eqx
    import quantamm_eqx.protocol

    with pytest.raises(AttributeError):
        quantamm_eqx.protocol.simulate  # noqa: B018
    with pytest.raises(AttributeError):
        quantamm_eqx.no_such_name  # noqa: B018

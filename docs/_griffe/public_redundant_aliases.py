"""Griffe extension: `from ._x import name as name` marks `name` as public.

`quantamm_eqx` declares its public API by re-exporting with redundant aliases (the Equinox
convention) rather than with `__all__`. Griffe treats imported names as private by default,
so without this extension mkdocstrings would render none of the re-exported functions.
Loaded by path from `mkdocs.yml`; it is not part of the site.
"""

import ast
from typing import Any

import griffe


class PublicRedundantAliases(griffe.Extension):
    """Mark every alias created by `import a as a` / `from m import a as a` as public."""

    def on_alias_instance(
        self, *, node: ast.AST | griffe.ObjectNode, alias: griffe.Alias, **kwargs: Any
    ) -> None:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            return
        for name in node.names:
            imported = name.name.rsplit(".", 1)[-1]
            if name.asname == alias.name and imported == alias.name:
                alias.public = True

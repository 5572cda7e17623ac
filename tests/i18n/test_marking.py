"""Two mistakes that leave English on a Korean page although the catalog is complete: text
translated once at import time (before any request's language is known), and translation
functions imported under a name that makemessages does not look for."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP = {".venv", "node_modules", "tests", "var", "staticfiles", "migrations", "__pycache__"}
EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}
# The names xgettext is told to extract by makemessages (plus "_", its default).
EXTRACTED = EAGER | {f"{n}_lazy" for n in EAGER} | {"gettext_noop", "_"}


def modules() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if not SKIP.intersection(path.relative_to(ROOT).parts)
    ]


def translation_imports(tree: ast.Module) -> dict[str, str]:
    """Local name → function, for ``from django.utils.translation import …``."""
    return {
        alias.asname or alias.name: alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
    }


def import_time_calls(node: ast.AST, names: set[str]) -> list[int]:
    """Lines where one of ``names`` is called outside any function body."""
    found = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Name)
            and child.func.id in names
        ):
            found.append(child.lineno)
        found.extend(import_time_calls(child, names))
    return found


def test_the_check_finds_import_time_translation():
    tree = ast.parse(
        "from django.utils.translation import gettext as _\n"
        "TITLE = _('Hello')\n"
        "class View:\n    label = _('Send')\n"
        "def page():\n    return _('Fine: runs per request')\n"
    )
    eager = {local for local, name in translation_imports(tree).items() if name in EAGER}
    assert import_time_calls(tree, eager) == [2, 4]


def test_no_module_translates_text_at_import_time():
    found = []
    for path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        eager = {local for local, name in translation_imports(tree).items() if name in EAGER}
        found += [f"{path.relative_to(ROOT)}:{line}" for line in import_time_calls(tree, eager)]
    assert found == [], "use gettext_lazy for module and class level text"


def test_translation_functions_are_imported_under_names_makemessages_extracts():
    found = []
    for path in modules():
        imports = translation_imports(ast.parse(path.read_text(encoding="utf-8")))
        found += [
            f"{path.relative_to(ROOT)}: {name} as {local}"
            for local, name in imports.items()
            if name in EXTRACTED and local not in EXTRACTED
        ]
    assert found == []

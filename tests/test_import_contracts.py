"""The import contracts in pyproject.toml hold today, and they fail when a forbidden arrow is
drawn: an import of a higher app from a lower one (also when hidden inside a function), or a
model importing a service. Each case runs ``lint-imports`` on a copy of the source tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "core",
    "applications",
    "documents",
    "accounts",
    "supervision",
    "sanctions",
    "committees",
    "register",
    "notifications",
    "portal",
    "reviews",
    "api",
    "demo",
]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("tree")
    for name in [*PACKAGES, "sandbox"]:
        shutil.copytree(
            ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
        )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def with_line(tree: Path, module: str, line: str, tmp_path: Path) -> Path:
    """A copy of ``tree`` whose ``module`` ends with ``line``."""
    copy = tmp_path / "changed"
    shutil.copytree(tree, copy)
    path = copy / module
    path.write_text(path.read_text() + "\n" + line + "\n")
    return copy


def test_the_contracts_hold_for_the_code_as_it_is(tree: Path) -> None:
    result = lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "arrow"),
    [
        (
            "applications/selectors.py",
            "from documents.models import Document  # noqa",
            "applications.selectors -> documents.models",
        ),
        (
            "applications/services/kernel.py",
            "def _late():\n    from documents import tasks  # noqa",
            "applications.services.kernel -> documents.tasks",
        ),
        (
            "documents/models.py",
            "from reviews import selectors  # noqa",
            "documents.models -> reviews.selectors",
        ),
        (
            "applications/models/case.py",
            "from applications import services  # noqa",
            "applications.models.case -> applications.services",
        ),
    ],
    ids=[
        "kernel-imports-documents",
        "late-import",
        "documents-imports-reviews",
        "model-imports-service",
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tree: Path, tmp_path: Path, module: str, line: str, arrow: str
) -> None:
    result = lint(with_line(tree, module, line, tmp_path))
    assert result.returncode == 1, result.stdout
    assert arrow in result.stdout

"""The engine's layers hold: import-linter's contracts (pyproject.toml) pass on the tree, and break on a bad import."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint(root: Path) -> subprocess.CompletedProcess:
    # lint-imports reads the contracts from the project's pyproject.toml and finds the
    # packages on sys.path: the copy's src/ first, so a changed copy is what it analyses.
    return subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                           "sys.exit(lint_imports_command())"],
                          cwd=root, env={"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)


def test_contracts_are_kept():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("module, bad_import, contract", [
    ("src/phased/declare/sql.py", "import gaingrid.phases", "The engine knows nothing of GainGrid"),
    ("src/phased/state/ledger.py", "from phased.lifecycle import commands", "The engine's rooms are layers"),
    ("src/gaingrid/service/phase.py", "from phased.state import state", "The service uses only what the engine exports"),
    ("src/phased/dialects/base.py", "from phased.dialects import postgresql", "No import circles"),
])
def test_a_bad_import_breaks_a_contract(tmp_path, module, bad_import, contract):
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    target = copy / module
    target.write_text(target.read_text() + f"\n{bad_import}  # deliberately bad\n")
    result = lint(copy)
    assert result.returncode == 1, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken

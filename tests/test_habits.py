"""The house rules a tool can check, run with the tests so CI enforces them (issue 16).

Each runs the tool as a developer would, from the project folder, and shows its own report
when it fails.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from ingest.settings import PROJECT_ROOT

MAX_SOURCE_LINES = 350  # a module fits in a head; past this, split it


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.parametrize(
    "command",
    [
        ("lint-imports", "--no-cache"),  # the floors only look down; no import cycles inside one
        ("ruff", "check", "."),
        ("ruff", "format", "--check", "."),
        (sys.executable, "-m", "mypy"),  # ingest/, retriever/ and answering/ ([tool.mypy] files)
    ],
    ids=["import-linter", "ruff-check", "ruff-format", "mypy"],
)
def test_tool_is_clean(command):
    """The tool reports nothing: the floors, lint, formatting and types hold as the README says."""
    if shutil.which(command[0]) is None and command[0] != sys.executable:
        pytest.fail(f"{command[0]} is not installed; pip install -e '.[test]'")
    result = _run(*command)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_no_source_file_is_too_long():
    """Modules stay small enough to read in one sitting (tests included)."""
    folders = ["ingest", "retriever", "answering", "page", "savol", "eval", "tests"]
    files = [p for folder in folders for p in (PROJECT_ROOT / folder).rglob("*.py")] + [PROJECT_ROOT / "chat_app.py"]
    long = {
        str(p.relative_to(PROJECT_ROOT)): n for p in files if (n := len(p.read_text().splitlines())) > MAX_SOURCE_LINES
    }
    assert not long, long

"""In CI a missing Chromium fails the browser tests; on a developer's machine it skips them."""

from __future__ import annotations

import pytest

from tests.browser import MISSING, REQUIRE, launch, skip_reason


def test_missing_chromium_skips_only_outside_ci(tmp_path):
    """Without SAVOL_REQUIRE_BROWSER a missing Chromium skips; with it (CI), the tests run."""
    absent = tmp_path / "chromium"
    assert skip_reason(absent, env={}) == MISSING
    assert skip_reason(absent, env={REQUIRE: "1"}) is None
    present = tmp_path / "present"
    present.touch()
    assert skip_reason(present, env={}) is None


def test_launch_without_chromium_fails_naming_the_fix(tmp_path):
    """When the tests must run, a missing browser is a failure that says how to install it."""
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        launch(playwright=None, chromium=tmp_path / "chromium")


def test_ci_requires_the_browser():
    """.ci/run sets SAVOL_REQUIRE_BROWSER before the README's test command."""
    from ingest.settings import PROJECT_ROOT

    script = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"export {REQUIRE}=1" in script
    assert script.index(f"export {REQUIRE}=1") < script.index("python -m pytest")

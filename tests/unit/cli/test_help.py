"""``--help`` says each command's purpose whole, and ``run --help``'s examples are true."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from harness.paths import FLOE_TEST, REPO_ROOT


def help_text(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    result = subprocess.run(
        [FLOE_TEST, *args, "--help"], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout


def test_every_command_summary_is_whole() -> None:
    commands = help_text().split("Commands:", 1)[1]
    lines = [line.strip() for line in commands.splitlines() if line.strip()]
    assert len(lines) >= 9
    for line in lines:
        assert not line.endswith("..."), line
        assert line.endswith((".", ")")), line


def test_run_help_lists_every_exit_code_and_names_files_that_exist() -> None:
    text = help_text("run")
    for code in ("0 passed", "1 tests failed", "2 usage", "3 infrastructure", "130 interrupted"):
        assert code in " ".join(text.split()), code
    suites = [s for s in re.findall(r"--suite (\S+)", text) if not s.startswith("<")]
    assert suites
    for suite in suites:
        assert (REPO_ROOT / Path(suite)).exists(), suite

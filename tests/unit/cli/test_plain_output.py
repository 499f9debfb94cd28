"""Output without a TTY (a pipe, a file, a GitHub Actions log) is whole: nothing cut short.

Rich assumes 80 columns when it cannot ask a terminal; without care, `floe-test tiers` ends the
contract's variable names in an ellipsis and the run summary's title wraps mid-phrase.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest

from floe_testing.config import load_project
from floe_testing.core.ui import Ui, make_console
from floe_testing.report.junit import Totals
from floe_testing.report.summary import RunSummary, print_summary
from harness.paths import FLOE_TEST

ROOT = Path(__file__).resolve().parents[3]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TERMINAL_ENV = ("COLUMNS", "FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")


def contract_env_names() -> set[str]:
    config = load_project(ROOT / "pyproject.toml").config
    names: set[str] = set()
    for profile in config.profiles:
        for service in config.profile_services(profile):
            names.update(e for e in (service.host_env, *(p.env for p in service.ports)) if e)
            names.update(s.env for s in service.secrets)
    return names


def tiers_output(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in TERMINAL_ENV}
    result = subprocess.run(
        [FLOE_TEST, "tiers"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,  # pipes: no TTY, like a CI log
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_tiers_without_a_tty_names_every_contract_variable_whole() -> None:
    names = contract_env_names()
    assert len(names) >= 10  # the full profile's contract, not an empty config
    output = tiers_output()
    words = set(re.findall(r"[A-Z][A-Z0-9_]+", output))
    assert names <= words, f"cut or missing: {sorted(names - words)}"
    assert "…" not in output
    assert not ANSI.search(output)  # no colour codes in a log unless asked for


def test_tiers_honours_columns_by_folding_never_truncating() -> None:
    output = tiers_output(COLUMNS="60")
    assert max(len(line) for line in output.splitlines()) <= 60
    assert "…" not in output


def test_tiers_colours_when_forced() -> None:
    assert ANSI.search(tiers_output(FORCE_COLOR="1"))


def test_run_summary_without_a_tty_keeps_its_title_on_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in TERMINAL_ENV:  # as in a CI log (pytest-xdist's workers get COLUMNS=80)
        monkeypatch.delenv(name, raising=False)
    buffer = io.StringIO()
    summary = RunSummary(
        run_id="20250101-120000-abcdef12",
        tier="integration",
        profile="minimal",
        backend="kind",
        exit_code=1,
        verdict="tests failed",
        timings={"provision": 41.2, "deploy": 63.9, "run": 118.04, "collect": 2.5},
        totals=Totals(tests=42, failures=2),
        junit="test-results/integration/junit.xml",
    )
    print_summary(Ui(make_console(file=buffer)), summary)
    output = buffer.getvalue()
    title = "floe-test integration · kind backend · run 20250101-120000-abcdef12"
    assert title in output.splitlines()[0]
    assert "test-results/integration/junit.xml" in output
    assert "…" not in output
    for phase in summary.timings:
        assert re.search(rf"\b{phase}\b", output)


@pytest.mark.parametrize("columns", ["", "100"])
def test_long_messages_are_not_hard_wrapped_in_a_log(
    columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    buffer = io.StringIO()
    message = "the kind backend needs the `kind` command, which is not on PATH; " * 3
    Ui(make_console(file=buffer)).error(message.strip())
    lines = buffer.getvalue().splitlines()
    if columns:  # the user asked for that width
        assert len(lines) > 1
    else:  # one line: the log viewer folds it
        assert len(lines) == 1

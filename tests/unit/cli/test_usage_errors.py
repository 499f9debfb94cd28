"""Every command-line usage error exits 2 with the usage line and one sentence, never a traceback.

Through the real entry point (the installed ``floe-test`` script in a subprocess), without a
TTY, as CI runs it. None of these may start anything, so each runs in well under a second.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.paths import FLOE_TEST

ROOT = Path(__file__).resolve().parents[3]


def floe_test(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
    return subprocess.run(
        [FLOE_TEST, *args],
        cwd=ROOT,
        env={**environment, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_usage_error(result: subprocess.CompletedProcess[str], usage: str, *says: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"Usage: {usage} ")
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr  # one sentence, on one line (no hard wrap in a log)
    for text in says:
        assert text in errors[0]
    assert len(lines) <= 5, result.stderr  # one screen, not a help page


@pytest.mark.parametrize(
    ("args", "usage", "says"),
    [
        (["nosuch"], "floe-test", ["No such command 'nosuch'"]),
        (["tierz"], "floe-test", ["No such command 'tierz'", "Did you mean 'tiers'?"]),
        (["chart", "rendr"], "floe-test chart", ["No such command 'rendr'", "'render'"]),
        (["run", "integration", "--bogus"], "floe-test run", ["No such option: --bogus"]),
        (["run", "integration", "--timout", "3"], "floe-test run", ["Did you mean --timeout?"]),
        (["run"], "floe-test run", ["Missing argument 'tier'"]),
        (
            ["run", "integration", "--timeout", "abc"],
            "floe-test run",
            ["Invalid value 'abc' for '--timeout'", "valid integer"],
        ),
        (
            ["run", "integration", "--shards", "100"],
            "floe-test run",
            ["Invalid value '100' for '--shards'", "less than or equal to 64"],
        ),
        (["run", "integration", "--timeout"], "floe-test run", ["'--timeout' requires a"]),
        (
            ["run", "integraton"],
            "floe-test run",
            ["unknown tier 'integraton'", "Did you mean 'integration'?"],
        ),
        (
            ["run", "integration", "--backend", "lokal"],
            "floe-test run",
            ["unknown backend 'lokal'", "Did you mean 'local'?"],
        ),
        (
            ["run", "e2e", "--profile", "ful"],
            "floe-test run",
            ["unknown profile 'ful'", "Did you mean 'full'?"],
        ),
    ],
    ids=[
        "unknown-command",
        "unknown-command-suggestion",
        "unknown-subcommand",
        "unknown-option",
        "unknown-option-suggestion",
        "missing-argument",
        "bad-value",
        "out-of-range",
        "option-without-value",
        "unknown-tier-suggestion",
        "unknown-backend-suggestion",
        "unknown-profile-suggestion",
    ],
)
def test_usage_error_exits_2_with_usage_and_one_sentence(
    args: list[str], usage: str, says: list[str], tmp_path: Path
) -> None:
    results = tmp_path / "results"
    if args[0] == "run":  # a results folder of its own, to see that nothing started
        args = ["run", "--results-dir", str(results), *args[1:]]
    assert_usage_error(floe_test(*args), usage, *says)
    assert not results.exists()


def test_usage_error_names_the_help_to_read() -> None:
    result = floe_test("run", "integration", "--bogus")
    assert "next step: see floe-test run --help" in result.stderr


def test_unknown_profile_exits_2_naming_the_known_ones() -> None:
    result = floe_test("chart", "render", "--profile", "nosuch")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "unknown profile 'nosuch'" in result.stderr
    assert "minimal, full" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["chart", "render", "--help"]])
def test_help_exits_0_on_stdout(args: list[str]) -> None:
    result = floe_test(*args)
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: floe-test")
    assert result.stderr == ""


def test_bare_command_shows_the_help_and_exits_2() -> None:
    result = floe_test()
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Commands:" in result.stderr
    assert "tiers" in result.stderr


def test_ctrl_c_while_parsing_exits_130_without_traceback() -> None:
    """A Ctrl-C that lands while click resolves the command (simulated at that exact point)."""
    script = (
        "import sys, typer.core\n"
        "def interrupted(*args, **kwargs):\n"
        "    raise KeyboardInterrupt\n"
        "typer.core.TyperGroup.resolve_command = interrupted\n"
        "from floe_testing.cli.app import main\n"
        "sys.argv = ['floe-test', 'tiers']\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr

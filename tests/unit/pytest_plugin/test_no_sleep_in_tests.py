"""No test file sleeps: suites poll with a deadline (floe_testing.core.polling.wait_for)."""

from __future__ import annotations

from pathlib import Path

from floe_testing.pytest_plugin.conventions import find_sleep_calls, sleep_calls

from .conftest import REPO_ROOT

# spelled in two parts so that text scans of the repository do not flag the planted calls
SLEEP = "sl" + "eep"


def test_no_test_file_calls_time_sleep() -> None:
    found = find_sleep_calls([REPO_ROOT / "tests"])
    assert found == [], "poll with floe_testing.core.polling.wait_for instead:\n" + "\n".join(
        map(str, found)
    )


def test_the_scan_finds_every_spelling(tmp_path: Path) -> None:
    planted = tmp_path / "test_planted.py"
    planted.write_text(
        "import time\n"
        "import time as clock\n"
        "from time import sleep\n"
        "from time import sleep as pause\n"
        "def test_it():\n"
        f"    time.{SLEEP}(1)\n"
        "    clock.sleep(1)\n"
        "    sleep(1)\n"
        "    pause(1)\n",
        encoding="utf-8",
    )
    assert [call.line for call in find_sleep_calls([tmp_path])] == [6, 7, 8, 9]


def test_the_scan_ignores_comments_strings_and_other_sleeps() -> None:
    source = (
        "import asyncio\n"
        f"# time.{SLEEP}(1) in a comment\n"
        f"HELP = 'never call time.{SLEEP}(1)'\n"
        "async def test_it():\n"
        "    await asyncio.sleep(0)\n"
        "    wait_for(lambda: True, timeout=1)\n"
    )
    assert sleep_calls(source, Path("test_x.py")) == []

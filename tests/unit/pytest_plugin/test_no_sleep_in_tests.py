"""No test file sleeps: suites poll with a deadline (floe_testing.polling.wait_for)."""

from __future__ import annotations

from pathlib import Path

from floe_testing.pytest_plugin.conventions import find_sleep_calls, sleep_calls

from .conftest import REPO_ROOT


def test_no_test_file_calls_time_sleep() -> None:
    found = find_sleep_calls([REPO_ROOT / "tests"])
    assert found == [], "poll with floe_testing.polling.wait_for instead:\n" + "\n".join(
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
        "    time.sleep(1)\n"
        "    clock.sleep(1)\n"
        "    sleep(1)\n"
        "    pause(1)\n",
        encoding="utf-8",
    )
    assert [call.line for call in find_sleep_calls([tmp_path])] == [6, 7, 8, 9]


def test_the_scan_ignores_comments_strings_and_other_sleeps() -> None:
    source = (
        "import asyncio\n"
        "# time.sleep(1) in a comment\n"
        "HELP = 'never call time.sleep(1)'\n"
        "async def test_it():\n"
        "    await asyncio.sleep(0)\n"
        "    wait_for(lambda: True, timeout=1)\n"
    )
    assert sleep_calls(source, Path("test_x.py")) == []

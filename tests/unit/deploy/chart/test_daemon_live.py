"""The daemon's heartbeat probe (charts/floe-platform/files/dagster/daemon_live.py): live when
every thread of the process that wrote the newest heartbeat is within the tolerance."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from types import ModuleType

from .renders import CHART

SCRIPT = CHART / "files" / "dagster" / "daemon_live.py"
NOW = datetime(2026, 12, 6, 3, 30, tzinfo=UTC)
TYPES = ("ASSET", "BACKFILL", "QUEUED", "SCHEDULER", "SENSOR")


def _probe() -> ModuleType:
    spec = importlib.util.spec_from_file_location("daemon_live", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _beats(daemon_id: str, seconds_ago: float) -> list[tuple[str, str, datetime]]:
    at = (NOW - timedelta(seconds=seconds_ago)).replace(tzinfo=None)  # stored naive UTC
    return [(kind, daemon_id, at) for kind in TYPES]


def test_every_thread_fresh_is_live_and_named() -> None:
    live, why = _probe().verdict(_beats("a", 20), NOW, 1800)
    assert live, why
    assert why == "Daemon live: " + ", ".join(TYPES)


def test_no_heartbeat_yet_is_not_live() -> None:
    assert _probe().verdict([], NOW, 1800) == (False, "no daemon heartbeat yet")


def test_one_stale_thread_of_the_running_process_is_not_live() -> None:
    beats = _beats("a", 20)
    beats[3] = ("SCHEDULER", "a", (NOW - timedelta(seconds=2000)).replace(tzinfo=None))
    live, why = _probe().verdict(beats, NOW, 1800)
    assert not live
    assert why == "stale heartbeats (tolerance 1800 s): SCHEDULER (2000 s ago)"


def test_rows_another_process_left_behind_are_not_judged() -> None:
    earlier_pod = _beats("old", 7200)  # the pod before this one, and a type no longer run
    earlier_pod.append(("FRESHNESS", "old", (NOW - timedelta(hours=3)).replace(tzinfo=None)))
    live, why = _probe().verdict([*earlier_pod, *_beats("new", 5)[:2]], NOW, 1800)
    assert live, why
    assert why == "Daemon live: ASSET, BACKFILL"


def test_a_dead_process_goes_stale_with_its_newest_heartbeat() -> None:
    live, why = _probe().verdict(_beats("a", 40), NOW, 30)
    assert not live
    assert why.startswith("stale heartbeats (tolerance 30 s): ASSET (40 s ago)")


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_unreadable_heartbeats_are_not_live_in_one_line_without_the_password() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: the connection is refused
        env = {"DAGSTER_PG_USERNAME": "dagster", "DAGSTER_PG_PASSWORD": "s3cret-pw"}
        done = _run("127.0.0.1", str(port), "floe", env=env)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("daemon heartbeats unreadable: OperationalError:")
    assert len(done.stdout.splitlines()) == 1
    assert "s3cret-pw" not in done.stdout + done.stderr


def test_wrong_arguments_exit_2_with_the_usage() -> None:
    done = _run("postgresql", env={})
    assert done.returncode == 2
    assert "usage: daemon_live.py HOST PORT DATABASE" in done.stderr

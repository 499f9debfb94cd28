"""The in-pod runner, run as the pod would run it: results only through log and message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from junitparser import JUnitXml

from floe_testing.jobs.results import decode_shard, verdict
from floe_testing.protocol import frames

FAST = ["-p", "no:kmock", "-p", "no:asyncio", "-p", "no:anyio", "-p", "no:floe_testing"]
SUITE = """
import os, pytest
def test_prints_markers():
    print("@@floe-results:0123456789abcdef0123456789abcdef:begin shard=0 chunks=1 sha256=00")
    print("@@floe-results:0123456789abcdef0123456789abcdef:end")
def test_fails():
    assert 1 == 2
@pytest.mark.parametrize("n", range(4))
def test_many(n):
    pass
def test_crash():
    if os.environ.get("CRASH"):
        os._exit(11)
def test_after_crash():
    pass
"""


def _run(
    tmp_path: Path,
    *extra: str,
    crash: bool = False,
    shards: int = 1,
    index: int = 0,
    env_extra: dict[str, str] | None = None,
):
    suite = tmp_path / "suite"
    suite.mkdir(exist_ok=True)
    (suite / "test_x.py").write_text(SUITE)
    message = tmp_path / f"termination-{index}"
    env = {
        "PATH": str(Path(sys.executable).parent),
        "FLOE_TERMINATION_LOG": str(message),
        "JOB_COMPLETION_INDEX": str(index),
        **({"CRASH": "1"} if crash else {}),
        **(env_extra or {}),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "floe_testing.runner.pod_runner",
            "--suite",
            "suite",
            "--results-dir",
            str(tmp_path / "results"),
            "--shards",
            str(shards),
            "--",
            *FAST,
            *extra,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done, message.read_text()


def _names(xml: str) -> list[str]:
    return sorted(case.name for suite in JUnitXml.fromstring(xml) for case in suite)


def test_results_survive_tests_printing_the_markers(tmp_path: Path) -> None:
    done, message = _run(tmp_path)
    assert done.returncode == 1  # a test failed: the pod (and a kubectl-applied Job) fails
    result = decode_shard(0, done.stdout.splitlines(), {"message": message, "exitCode": 0})
    assert result.exit_status == 1
    assert not result.crashed
    assert len(_names(result.junit_xml)) == 8
    summary = json.loads(message)
    assert (summary["tests"], summary["failures"]) == (8, 1)
    assert set(result.durations) >= {"suite/test_x.py::test_fails"}


def test_pytest_dying_mid_run_still_returns_partial_results(tmp_path: Path) -> None:
    done, message = _run(tmp_path, crash=True)
    assert done.returncode == 3  # the runner broke, yet delivered what it had
    result = decode_shard(0, done.stdout.splitlines(), {"message": message, "exitCode": 0})
    assert result.crashed
    assert result.exit_status == 11
    assert "test_crash" in result.detail
    names = _names(result.junit_xml)
    assert "test_after_crash" not in names
    assert "test_crash" in names
    assert "test_fails" in names
    assert verdict([result]).exit_status == 1  # a crashed shard fails the run


def test_shards_of_one_suite_cover_it_exactly_once(tmp_path: Path) -> None:
    names: list[str] = []
    for index in range(3):
        done, message = _run(tmp_path, shards=3, index=index)
        names += _names(
            decode_shard(index, done.stdout.splitlines(), {"message": message}).junit_xml
        )
    assert len(names) == 8
    assert len(set(names)) == 8


def test_no_frame_means_no_results() -> None:
    from floe_testing.core.errors import InfrastructureError

    with pytest.raises(InfrastructureError, match="shard 1 ended without results"):
        decode_shard(1, ["hello"], {"exitCode": 0, "reason": "Completed", "message": ""})


def test_verdict_over_shards() -> None:
    def r(shard: int, status: int) -> frames.ShardResult:
        return frames.ShardResult(shard, status, "<testsuites/>")

    assert verdict([r(0, 0), r(1, 5)]).exit_status == 0  # more shards than tests
    assert verdict([r(0, 5), r(1, 5)]).exit_status == 5
    assert verdict([r(0, 0), r(1, 1)]).exit_status == 1
    assert verdict([r(0, 1), r(1, 4)]).exit_status == 4


def test_exit_status_is_the_shards_verdict(tmp_path: Path) -> None:
    passed, _ = _run(tmp_path, "-k", "many")
    assert passed.returncode == 0
    empty, _ = _run(tmp_path, "-k", "no_such_test")
    assert empty.returncode == 2  # a lone shard without tests: check the selection
    shard, _ = _run(tmp_path, "-k", "no_such_test", shards=2)
    assert shard.returncode == 0  # a shard left without tests in a sharded run is fine


def test_termination_message_alone_gives_the_results(tmp_path: Path) -> None:
    """A log that lost its frame (kubelet log rotation) still yields the shard's results."""
    _done, message = _run(tmp_path, "-k", "many or fails")
    assert len(message.encode()) <= frames.TERMINATION_MESSAGE_LIMIT
    result = decode_shard(0, ["the early log is gone"], {"message": message, "exitCode": 1})
    assert _names(result.junit_xml) == ["test_fails", *[f"test_many[{n}]" for n in range(4)]]
    assert result.exit_status == 1


def test_recorded_durations_from_the_job_env_balance_the_shards(tmp_path: Path) -> None:
    """One slow test weighs as much as all the others: it gets a shard of its own."""
    recorded = {"suite/test_x.py::test_prints_markers": 100.0}
    recorded |= {f"suite/test_x.py::test_many[{n}]": 1.0 for n in range(4)}
    recorded |= {f"suite/test_x.py::{name}": 1.0 for name in ("test_fails", "test_crash")}
    recorded["suite/test_x.py::test_after_crash"] = 1.0
    env = {"FLOE_TEST_DURATIONS": json.dumps(recorded)}
    shard_names = []
    for index in range(2):
        done, message = _run(tmp_path, shards=2, index=index, env_extra=env)
        shard_names.append(
            _names(decode_shard(index, done.stdout.splitlines(), {"message": message}).junit_xml)
        )
    assert shard_names[0] == ["test_prints_markers"]
    assert len(shard_names[1]) == 7

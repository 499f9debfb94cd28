"""The runner counts the kernel's OOM kills in its own memory cgroup (v2 or v1 file), so an
OOM kill is named even when the runtime reported the container's end as a plain Error."""

from __future__ import annotations

from pathlib import Path

from floe_testing.runner import pod_runner
from floe_testing.runner.oom import killed_since, oom_kills

V2 = "low 0\nhigh 0\nmax 12\noom 1\noom_kill {n}\noom_group_kill 0\n"
V1 = "oom_kill_disable 0\nunder_oom 0\noom_kill {n}\n"


def test_the_count_comes_from_the_first_readable_file(tmp_path: Path) -> None:
    v2, v1 = tmp_path / "memory.events", tmp_path / "memory.oom_control"
    v1.write_text(V1.format(n=3))
    assert oom_kills([v2, v1]) == 3  # no v2 file here: v1's
    v2.write_text(V2.format(n=1))
    assert oom_kills([v2, v1]) == 1
    assert oom_kills([tmp_path / "absent"]) is None
    (tmp_path / "odd").write_text("under_oom 0\n")
    assert oom_kills([tmp_path / "odd"]) is None


def test_a_kill_is_a_count_that_grew(tmp_path: Path) -> None:
    counter = tmp_path / "memory.oom_control"
    counter.write_text(V1.format(n=2))
    assert not killed_since(2, [counter])
    counter.write_text(V1.format(n=3))
    assert killed_since(2, [counter])
    assert not killed_since(None, [counter])  # nothing known from before: no claim


def test_a_crashed_shard_says_the_kernel_killed_it(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    journal.write_text('{"event": "start", "nodeid": "t.py::test_hog"}\n')
    result = pod_runner._result(0, -9, tmp_path / "none.xml", journal, oom_killed=True)
    assert result.crashed
    assert result.oom_killed
    assert result.detail == (
        "pytest ended with status -9 without its JUnit report while running t.py::test_hog "
        "(the kernel OOM-killed it: the container's memory limit)"
    )

"""The in-pod runner: pytest for one shard, results handed back through the log only.

Run as ``python -m floe_testing.runner.pod_runner --suite PATH --results-dir /results
[--shards N] [--durations FILE] -- PYTEST_ARGS`` from the repository root (the image's working
directory) with the venv on PATH, so the same command runs from a checkout.

It relays pytest's output live (that is the pod log), then frames the shard's JUnit into the
log (``frames``) and writes a compact summary to the termination message file named by
``FLOE_TERMINATION_LOG``. If pytest dies mid-run (signal, ``os._exit``, OOM in a child), the
JUnit is rebuilt from the per-test journal the shard plugin flushed, with an error case naming
the test that was running, and the shard is reported as crashed (failed).

The container's exit status is the shard's verdict, so ``kubectl apply -f test-job.yaml`` ends in
a Failed Job when a test fails, exactly like pytest on a laptop (``exit_status``):

- 0: every test passed (or, in a sharded run, this shard got no tests);
- 1: tests failed, or pytest stopped on collection errors: results delivered;
- 2: pytest rejected its arguments, or a single shard collected no tests;
- 3: the runner itself broke (pytest crashed or died mid-run, an internal error): partial
  results delivered when the journal had any.

Results are delivered before the exit in every case, so floe-test reads a Failed pod's log and
termination message like a Completed one's. Sharded Jobs use ``backoffLimitPerIndex: 0`` (see
``manifest``), so one shard's failing tests never cancel the others.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import pytest

from floe_testing.protocol import frames
from floe_testing.protocol.shards import ENV_DURATIONS
from floe_testing.runner import oom, shard_plugin
from floe_testing.runner.junit_build import build_from_journal, durations_from_journal, totals_of

ENV_TERMINATION_LOG = "FLOE_TERMINATION_LOG"
ENV_INDEX = "JOB_COMPLETION_INDEX"
_PYTEST_STATUSES = frozenset(code.value for code in pytest.ExitCode)  # any other: pytest died
EXIT_PASSED, EXIT_TESTS_FAILED, EXIT_USAGE, EXIT_RUNNER_BROKEN = 0, 1, 2, 3


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="floe_testing.runner.pod_runner")
    parser.add_argument("--suite", required=True, help="test path, relative to the working dir")
    parser.add_argument("--results-dir", required=True, type=Path)
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--durations", type=Path, default=None)
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.pytest_args[:1] == ["--"]:
        args.pytest_args = args.pytest_args[1:]
    return args


def _relay(process: subprocess.Popen[bytes]) -> bool:
    """Copy the child's output to ours as it comes; True when it ended with a newline."""
    assert process.stdout is not None
    out = sys.stdout.buffer
    last = b"\n"
    fd = process.stdout.fileno()
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        out.write(chunk)
        out.flush()
        last = chunk[-1:]
    return last == b"\n"


def run_shard(args: argparse.Namespace) -> frames.ShardResult:
    index = int(os.environ.get(ENV_INDEX, "0") or 0)
    results: Path = args.results_dir
    results.mkdir(parents=True, exist_ok=True)
    junit, journal = results / f"junit-{index}.xml", results / f"journal-{index}.jsonl"
    for stale in (junit, journal):
        stale.unlink(missing_ok=True)
    durations = _durations_file(args, results)
    env = {
        **os.environ,
        shard_plugin.ENV_INDEX: str(index),
        shard_plugin.ENV_COUNT: str(args.shards),
        shard_plugin.ENV_JOURNAL: str(journal),
        shard_plugin.ENV_DURATIONS: str(durations),
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        args.suite,
        f"--junitxml={junit}",
        "-p",
        "floe_testing.runner.shard_plugin",
        "-p",
        "no:cacheprovider",
        "-o",
        f"junit_suite_name=shard-{index}",
        *args.pytest_args,
    ]
    kills = oom.oom_kills()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def forward(signum: int, _frame: FrameType | None) -> None:
        process.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    ended_with_newline = _relay(process)
    status = process.wait()
    if not ended_with_newline:
        sys.stdout.write("\n")
    return _result(index, status, junit, journal, oom_killed=oom.killed_since(kills))


def _durations_file(args: argparse.Namespace, results: Path) -> Path:
    """Recorded durations: ``$FLOE_TEST_DURATIONS`` (JSON the host put into the Job from its
    previous run), else ``--durations``, else ``<suite>/.test_durations`` from the image."""
    inline = os.environ.get(ENV_DURATIONS)
    if inline:
        path = results / "durations-in.json"
        path.write_text(inline, encoding="utf-8")
        return path
    return args.durations or Path(args.suite) / ".test_durations"


def exit_status(result: frames.ShardResult, shards: int) -> int:
    """The container's exit status for this shard's result (see the module docstring)."""
    if result.crashed or result.exit_status == 3:
        return EXIT_RUNNER_BROKEN
    if result.exit_status == 0 or (result.exit_status == 5 and shards > 1):
        return EXIT_PASSED
    if result.exit_status in (1, 2):
        return EXIT_TESTS_FAILED
    return EXIT_USAGE


def _result(
    index: int, status: int, junit: Path, journal: Path, oom_killed: bool = False
) -> frames.ShardResult:
    xml = junit.read_text(encoding="utf-8") if junit.is_file() else ""
    crashed = status not in _PYTEST_STATUSES or not xml
    detail = ""
    if crashed:
        xml, running = build_from_journal(journal, index, status)
        detail = f"pytest ended with status {status} without its JUnit report"
        if running:
            detail += f" while running {running}"
        if oom_killed:
            detail += " (the kernel OOM-killed it: the container's memory limit)"
    return frames.ShardResult(
        shard=index,
        exit_status=status,
        junit_xml=xml,
        crashed=crashed,
        detail=detail,
        durations=durations_from_journal(journal),
        oom_killed=oom_killed,
    )


def emit(result: frames.ShardResult) -> frames.Summary:
    """Print the frames and write the termination message; returns the summary."""
    lines, digest, chunks = frames.encode(result)
    nonce = lines[0].split(":")[1]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    totals = totals_of(result.junit_xml)
    summary = frames.Summary(
        nonce=nonce,
        shard=result.shard,
        exit_status=result.exit_status,
        sha256=digest,
        chunks=chunks,
        crashed=result.crashed,
        tests=totals["tests"],
        failures=totals["failures"],
        errors=totals["errors"],
        skipped=totals["skipped"],
    ).with_payload(result)
    target = os.environ.get(ENV_TERMINATION_LOG)
    if target:
        try:
            Path(target).write_text(summary.encode())
        except OSError as exc:
            print(f"floe-test: cannot write the termination message to {target}: {exc}")
    return summary


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    result = run_shard(args)
    summary = emit(result)
    from floe_testing.history.deliver import deliver_scheduled

    deliver_scheduled(result.junit_xml, result.exit_status, time.monotonic() - started)
    status = exit_status(result, args.shards)
    print(
        f"floe-test: shard {summary.shard} done (pytest status {summary.exit_status}, "
        f"{summary.tests} tests, {summary.failures} failures, {summary.errors} errors); "
        f"exit {status}",
        flush=True,
    )
    return status


if __name__ == "__main__":
    sys.exit(main())

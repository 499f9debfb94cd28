"""Result framing through the pod log: survives noise, look-alike markers, size, damage."""

from __future__ import annotations

import gzip
import json
import random
import string

from floe_testing.protocol import frames

JUNIT = '<?xml version="1.0"?><testsuites><testsuite name="s" tests="1"/></testsuites>'


def _result(xml: str = JUNIT) -> frames.ShardResult:
    return frames.ShardResult(shard=2, exit_status=1, junit_xml=xml, durations={"t::a": 0.5})


def test_round_trip_among_noise_and_look_alike_markers() -> None:
    lines, digest, chunks = frames.encode(_result())
    nonce = lines[0].split(":")[1]
    forged, _, _ = frames.encode(frames.ShardResult(0, 0, "<forged/>"))
    noise = ["collected 3 items", f"{frames.PREFIX}:{'0' * 32}:begin shard=0 chunks=1 sha256=x"]
    log = [*noise, *forged, "PASSED", *lines, "done"]
    assert frames.decode(log, nonce) == _result()
    assert len(digest) == 64
    assert chunks == 1


def test_pinned_nonce_ignores_a_valid_frame_with_another_nonce() -> None:
    forged, _, _ = frames.encode(frames.ShardResult(0, 0, "<forged/>"))
    real, _, _ = frames.encode(_result())
    nonce = real[0].split(":")[1]
    assert frames.decode([*real, *forged], nonce) == _result()
    assert frames.decode([*real, *forged]) == frames.ShardResult(0, 0, "<forged/>")


def test_large_junit_is_compressed_and_chunked_below_the_log_line_limit() -> None:
    rng = random.Random(7)  # noqa: S311 - test data, not crypto
    body = "".join(rng.choice(string.ascii_letters) for _ in range(300_000))
    lines, _, chunks = frames.encode(_result(f"<x>{body}</x>"))
    assert chunks > 1
    assert max(len(line) for line in lines) < 16 * 1024
    assert frames.decode(lines) == _result(f"<x>{body}</x>")


def test_damaged_or_incomplete_frames_are_rejected() -> None:
    lines, _, _ = frames.encode(_result())
    nonce = lines[0].split(":")[1]
    damaged = [*lines]
    damaged[1] = damaged[1][:-4] + ("AAAA" if not damaged[1].endswith("AAAA") else "BBBB")
    assert frames.decode(damaged, nonce) is None
    assert frames.decode(lines[:-1], nonce) is None  # no end line: the pod died mid-frame
    assert frames.decode([lines[0], lines[-1]], nonce) is None  # chunks missing


def test_summary_fits_the_termination_message_and_round_trips() -> None:
    summary = frames.Summary("ab" * 16, 3, 1, "f" * 64, 12, 100, 2, 1, 3, crashed=True)
    text = summary.encode()
    assert len(text.encode()) < 4096
    assert frames.Summary.decode(text) == summary
    assert frames.Summary.decode("Traceback (most recent call last):") is None
    assert frames.Summary.decode('{"v": 99}') is None


def test_frame_lines_are_recognised_for_hiding() -> None:
    lines, _, _ = frames.encode(_result())
    assert all(frames.is_frame(line) for line in lines)
    assert not frames.is_frame("tests/test_a.py::test_x PASSED")


def test_an_oom_kill_travels_and_a_newer_runners_extra_fields_are_skipped() -> None:
    result = frames.ShardResult(shard=0, exit_status=-9, junit_xml="<x/>", oom_killed=True)
    assert frames.ShardResult.from_envelope(result.envelope()) == result
    data = {"v": frames.FORMAT_VERSION, "shard": 1, "exit_status": 0, "junit_xml": "", "new": 1}
    payload = gzip.compress(json.dumps(data).encode())
    assert frames.ShardResult.from_envelope(payload) == frames.ShardResult(1, 0, "")

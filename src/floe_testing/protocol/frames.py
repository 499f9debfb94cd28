"""Results that travel only through the pod log and the termination message.

Why: the ``/results`` emptyDir dies with the pod, ``kubectl cp`` cannot exec into a finished
container, and a PVC or an exec needs RBAC. The log stream and the termination message stay
readable after the container exited (until the Job's TTL), so the in-pod runner frames its
results into the log and puts a compact summary into the termination message.

Framing, robust to anything the tests print:

- the nonce is drawn *after* pytest exited, so no test output can contain it;
- the payload (gzip of a JSON envelope holding the JUnit XML) is base64 in numbered chunks
  short enough for the kubelet's 16 KiB log-line limit;
- a SHA-256 of the payload is in the begin line and in the termination message;
- the termination message (<= 4 KiB) pins the nonce, so look-alike frames are ignored;
- when the payload is small enough, the termination message carries it too (``payload``), so
  a log that lost its frame (kubelet log rotation, a log read cut short) still gives results.

The frame is printed last (just before the runner's closing line): with kubelet log rotation
the early part of a long log is gone, the end is not.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

PREFIX = "@@floe-results"
CHUNK_CHARS = 4000
TERMINATION_MESSAGE_LIMIT = 4096  # bytes the kubelet keeps of a termination message
FORMAT_VERSION = 1
_LINE = re.compile(
    rf"^{re.escape(PREFIX)}:(?P<nonce>[0-9a-f]{{16,64}}):(?P<kind>begin|end|\d+)"
    r"(?: (?P<rest>.*))?$"
)


@dataclass(frozen=True)
class ShardResult:
    """What one shard hands back: pytest's verdict, its JUnit and test durations.

    ``oom_killed``: the container's memory cgroup counted an OOM kill while pytest ran (the
    runner's own observation: the container runtime may report the container's end before
    the kernel's OOM event, as a plain ``Error``).
    """

    shard: int
    exit_status: int
    junit_xml: str
    crashed: bool = False
    detail: str = ""
    durations: dict[str, float] = field(default_factory=dict)
    oom_killed: bool = False

    def envelope(self) -> bytes:
        data = {"v": FORMAT_VERSION, **asdict(self)}
        return gzip.compress(json.dumps(data, separators=(",", ":")).encode(), mtime=0)

    @classmethod
    def from_envelope(cls, payload: bytes) -> ShardResult:
        data: dict[str, Any] = json.loads(gzip.decompress(payload))
        if data.pop("v", None) != FORMAT_VERSION:
            raise ValueError("unknown result format version")
        known = {f.name for f in fields(cls)}  # a newer runner's extra fields are skipped
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True)
class Summary:
    """The termination message: small, and enough to find and verify the framed payload."""

    nonce: str
    shard: int
    exit_status: int
    sha256: str
    chunks: int
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    crashed: bool = False
    payload: str = ""  # base64 of the envelope, when the whole message fits the limit

    def encode(self) -> str:
        return json.dumps({"v": FORMAT_VERSION, **asdict(self)}, separators=(",", ":"))

    def with_payload(self, result: ShardResult) -> Summary:
        """This summary carrying the result itself, if that still fits the kubelet's limit."""
        text = base64.b64encode(result.envelope()).decode()
        candidate = replace(self, payload=text)
        fits = len(candidate.encode().encode()) <= TERMINATION_MESSAGE_LIMIT
        return candidate if fits else self

    def result(self) -> ShardResult | None:
        """The result carried by the message, when present and matching its checksum."""
        if not self.payload:
            return None
        try:
            payload = base64.b64decode(self.payload)
            if hashlib.sha256(payload).hexdigest() != self.sha256:
                return None
            return ShardResult.from_envelope(payload)
        except (ValueError, TypeError, OSError):
            return None

    @classmethod
    def decode(cls, text: str) -> Summary | None:
        """The summary in a termination message, or None when it holds something else."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.pop("v", None) != FORMAT_VERSION:
                return None
            return cls(**data)
        except (ValueError, TypeError):
            return None


def encode(result: ShardResult, nonce: str | None = None) -> tuple[list[str], str, int]:
    """Frame lines for the log, plus the payload's checksum and chunk count."""
    nonce = nonce or secrets.token_hex(16)
    payload = result.envelope()
    digest = hashlib.sha256(payload).hexdigest()
    text = base64.b64encode(payload).decode()
    chunks = [text[i : i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)] or [""]
    head = f"{PREFIX}:{nonce}"
    lines = [f"{head}:begin shard={result.shard} chunks={len(chunks)} sha256={digest}"]
    lines += [f"{head}:{index} {chunk}" for index, chunk in enumerate(chunks)]
    lines.append(f"{head}:end")
    return lines, digest, len(chunks)


def is_frame(line: str) -> bool:
    """Frame lines are hidden from the live log view."""
    return line.startswith(PREFIX + ":")


@dataclass
class _Partial:
    digest: str = ""
    chunks: dict[int, str] = field(default_factory=dict)
    expected: int = -1
    ended: bool = False


def decode(lines: Iterable[str], nonce: str | None = None) -> ShardResult | None:
    """The shard's result from its log lines, or None when no complete, verified frame exists.

    With ``nonce`` (from the termination message) only that frame counts; without it the last
    frame whose checksum verifies wins (the termination message was lost).
    """
    frames: dict[str, _Partial] = {}
    order: list[str] = []
    for raw in lines:
        match = _LINE.match(raw.rstrip("\r\n"))
        if not match or (nonce is not None and match["nonce"] != nonce):
            continue
        key, kind, rest = match["nonce"], match["kind"], match["rest"] or ""
        if kind == "begin":
            fields = dict(part.split("=", 1) for part in rest.split() if "=" in part)
            frames[key] = _Partial(
                digest=fields.get("sha256", ""), expected=int(fields.get("chunks", "-1"))
            )
            order.append(key)
        elif key in frames and kind == "end":
            frames[key].ended = True
        elif key in frames:
            frames[key].chunks[int(kind)] = rest
    for key in reversed(order):
        result = _assemble(frames[key])
        if result is not None:
            return result
    return None


def _assemble(frame: _Partial) -> ShardResult | None:
    if not frame.ended or sorted(frame.chunks) != list(range(frame.expected)):
        return None
    try:
        payload = base64.b64decode("".join(frame.chunks[i] for i in range(frame.expected)))
    except ValueError:
        return None
    if hashlib.sha256(payload).hexdigest() != frame.digest:
        return None
    try:
        return ShardResult.from_envelope(payload)
    except (ValueError, TypeError, OSError):
        return None

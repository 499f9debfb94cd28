"""Where a followed pod log got to, so that a re-read neither repeats nor loses lines.

A followed log ends early for many reasons: the connection drops, the read times out while a
test is quiet, the API server restarts. Counting the lines already seen and skipping as many
on the re-read breaks as soon as the kubelet rotates the container's log (the early part is
gone, so the count no longer lines up). Instead the log is read with ``timestamps=true`` and
re-read from ``sinceTime`` = the last line's second; lines older than the last one seen are
skipped, and of the lines stamped exactly like it, as many as were already taken.

A server that ignores ``timestamps`` (the test harness' emulator) sends bare lines; then the
cursor falls back to counting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z ?")

Stamp = tuple[str, int]  # (whole seconds as RFC 3339 without zone, nanoseconds)


def split_stamp(raw: str) -> tuple[Stamp | None, str]:
    """(the kubelet's timestamp, the line's text); (None, raw) when the line has none."""
    match = _STAMP.match(raw)
    if match is None:
        return None, raw
    nanos = int((match[2] or "0").ljust(9, "0"))
    return (match[1], nanos), raw[match.end() :]


@dataclass
class LogCursor:
    last: Stamp | None = None
    taken_at_last: int = 0  # lines stamped ``last`` already taken
    taken: int = 0  # lines taken in total (the fallback for unstamped logs)
    _read_at_last: int = 0
    _read: int = 0

    def since_time(self) -> str | None:
        """``sinceTime`` for the next read: the last line's whole second (the API's precision)."""
        return f"{self.last[0]}Z" if self.last else None

    def restart(self) -> None:
        """A new read begins (from ``since_time()``)."""
        self._read_at_last = 0
        self._read = 0

    def accept(self, raw: str) -> str | None:
        """The line's text when it is new, None when a re-read repeats it."""
        stamp, text = split_stamp(raw)
        self._read += 1
        if stamp is None:
            if self._read <= self.taken:
                return None
            self.taken += 1
            return text
        if self.last is not None and stamp < self.last:
            return None
        if stamp == self.last:
            self._read_at_last += 1
            if self._read_at_last <= self.taken_at_last:
                return None
            self.taken_at_last += 1
        else:
            self.last, self.taken_at_last, self._read_at_last = stamp, 1, 1
        self.taken += 1
        return text

"""Append-only JSON Lines: one record per line, safe with several writers at once.

Each append takes an exclusive ``flock`` on the file, writes one complete line and fsyncs,
so two runs appending at the same time never interleave. Readers skip (and count) a line
that is not valid JSON, e.g. the tail of a file copied while a machine lost power.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from floe_testing.core.errors import UsageError

FILE_NAME = "runs.jsonl"


@dataclass(frozen=True)
class History:
    directory: Path

    @property
    def path(self) -> Path:
        return self.directory / FILE_NAME

    def prepare(self) -> None:
        """Create the directory (before a run starts, so a bad path is a usage error)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise UsageError(
                f"--history {self.directory}: cannot write there ({exc.strerror})",
                "pass a writable directory; it is created when missing",
            ) from None

    def append(self, record: dict[str, Any]) -> None:
        self.append_many([record])

    def append_many(self, records: Iterable[dict[str, Any]]) -> None:
        lines = "".join(
            json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in records
        )
        if not lines:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                handle.write(lines)
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def records(self) -> list[dict[str, Any]]:
        return list(self._read())

    def _read(self) -> Iterator[dict[str, Any]]:
        if not self.path.is_file():
            return
        with self.path.open(encoding="utf-8") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
            try:
                lines = handle.readlines()
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        for line in lines:
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                yield value

    def record_ids(self) -> set[str]:
        return {str(r.get("record_id")) for r in self._read()}

    def merge(self, records: Iterable[dict[str, Any]]) -> int:
        """Append the records whose ``record_id`` is not in the history yet; how many."""
        known = self.record_ids()
        new = []
        for record in records:
            key = str(record.get("record_id"))
            if key not in known:
                known.add(key)
                new.append(record)
        self.append_many(new)
        return len(new)

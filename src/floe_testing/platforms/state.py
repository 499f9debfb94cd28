"""The registry of kept platforms: ``<cache>/platforms/<name>.json``, one file per platform.

Each file is written whole to a temporary name and renamed over the old one, so a reader
never sees half a record. Commands coordinate through ``<name>.lock`` (``flock``): a run
against the platform holds it shared for its whole duration (so any number run at once),
``platform up`` and ``platform down`` hold it exclusive (so they wait for those runs, and
two of them never act on one platform at once). The record holds no secret: the local
backend's credentials stay in its 0600 ``endpoints.env``, the cluster's in its Secrets.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from floe_testing.core.cache import cache_dir
from floe_testing.core.errors import BadValueError, UsageError

PLATFORMS_ENV = "FLOE_TEST_PLATFORMS"  # where the records live (default <cache>/platforms)
NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$")
SCHEMA_VERSION = 1


class KeptPlatform(BaseModel):
    """One kept platform: what it runs, how it was started, and the backend's own record."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = SCHEMA_VERSION
    name: str
    backend: str
    tier: str
    profile: str
    created: float = Field(default_factory=time.time)  # seconds since the epoch
    command: tuple[str, ...]  # the `floe-test platform up ...` that starts it (again)
    where: str  # endpoints or namespace, as `platform status` shows them
    details: dict[str, Any]  # the backend's record (its Keeper reads it back)

    @property
    def restart_command(self) -> str:
        import shlex

        return shlex.join(self.command)

    def age(self, now: float | None = None) -> str:
        """``42s``, ``7m``, ``3h05m``, ``2d04h``: how long it has been up."""
        seconds = max(0, int((now if now is not None else time.time()) - self.created))
        if seconds < 60:
            return f"{seconds}s"
        minutes, hours = seconds // 60, seconds // 3600
        if hours == 0:
            return f"{minutes}m"
        if hours < 24:
            return f"{hours}h{minutes % 60:02d}m"
        return f"{hours // 24}d{hours % 24:02d}h"


def check_name(name: str) -> str:
    """A platform name: lower-case letters, digits and dashes, at most 40 characters (it
    becomes part of a namespace and of file names)."""
    if not NAME.match(name):
        raise UsageError(
            f"platform name {name!r} is not valid: use lower-case letters, digits and dashes, "
            "starting and ending with a letter or digit, at most 40 characters",
            "pass e.g. --name my-platform",
        )
    return name


def default_root() -> Path:
    given = os.environ.get(PLATFORMS_ENV)
    return Path(given) if given else cache_dir("platforms")


class Registry:
    """The kept platforms' records in ``root`` (default: ``$FLOE_TEST_PLATFORMS`` or
    ``<cache>/platforms``)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_root()

    def path(self, name: str) -> Path:
        return self.root / f"{check_name(name)}.json"

    def _lock_path(self, name: str) -> Path:
        return self.root / f"{check_name(name)}.lock"

    # -- records ----------------------------------------------------------------------------
    def save(self, kept: KeptPlatform) -> Path:
        """Write the record atomically (mode 0600)."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.path(kept.name)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(kept.model_dump_json(indent=2) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
        return path

    def load(self, name: str) -> KeptPlatform | None:
        path = self.path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return KeptPlatform.model_validate(json.loads(text))
        except (ValueError, ValidationError) as exc:
            raise UsageError(
                f"the record of platform {name} ({path}) is unreadable: {exc}",
                f"take it down by hand and remove {path}",
            ) from None

    def get(self, name: str) -> KeptPlatform:
        """The platform called ``name``; exit 2 listing the known ones when there is none."""
        kept = self.load(name)
        if kept is not None:
            return kept
        known = self.names()
        start = "start one with `floe-test platform up TIER`"
        if not known:
            raise UsageError(f"unknown platform {name!r}: no platform is kept", start)
        raise BadValueError(
            "platform", name, known, f"list them with `floe-test platform status`, or {start}"
        )

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.stem for p in self.root.glob("*.json") if NAME.match(p.stem))

    def all(self) -> list[KeptPlatform]:
        found = (self.load(name) for name in self.names())
        return [kept for kept in found if kept is not None]

    def remove(self, name: str, *, lock_file: bool = False) -> None:
        """Forget the platform, holding ``lock(name, exclusive=True)``; ``lock_file``: remove
        that too, when nothing more happens under the lock (waiters start over on a new one)."""
        self.path(name).unlink(missing_ok=True)
        if lock_file:
            self._lock_path(name).unlink(missing_ok=True)

    # -- coordination -------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(
        self, name: str, *, exclusive: bool, on_wait: Callable[[], None] | None = None
    ) -> Iterator[None]:
        """Hold the platform's lock (shared: a run; exclusive: up or down) until the block ends.

        ``on_wait`` is called once when the lock is busy, before blocking on it. A lock file
        removed by ``remove`` while waiting is not held: the wait starts over on the new one.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        path = self._lock_path(name)
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        waited = False
        while True:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                try:
                    fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
                except BlockingIOError:
                    if on_wait is not None and not waited:
                        on_wait()
                    waited = True
                    fcntl.flock(descriptor, mode)
                if _same_file(descriptor, path):
                    yield
                    return
            finally:
                os.close(descriptor)  # releases the lock


def _same_file(descriptor: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``descriptor`` (not removed meanwhile)."""
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(descriptor)
    return (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino)

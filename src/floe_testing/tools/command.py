"""Run an external command with a deadline and turn its failure into an actionable error.

The one place that spawns docker, podman, kind and helm: every call has a timeout (no
command can hang a run), output is captured, and a failure names the command, its exit
status and the tail of its stderr.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from floe_testing.core.errors import InfrastructureError

_TAIL_LINES = 15


@dataclass(frozen=True)
class Result:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self) -> str:
        """The last lines of stderr (or stdout), enough to name a failure."""
        text = (self.stderr or self.stdout).strip()
        return "\n".join(text.splitlines()[-_TAIL_LINES:])


def which(name: str) -> str | None:
    """The executable's path on ``PATH`` (stand-ins placed first on PATH win, as intended)."""
    return shutil.which(name)


@dataclass(frozen=True)
class Tool:
    """A binary plus the environment it needs (e.g. KIND_EXPERIMENTAL_PROVIDER=podman)."""

    name: str
    path: str
    env: Mapping[str, str] | None = None

    def run(
        self,
        args: Sequence[str],
        *,
        timeout: float,
        check: bool = True,
        stdin: bytes | IO[bytes] | None = None,
        cwd: Path | None = None,
        what: str | None = None,
    ) -> Result:
        """Run ``<tool> args``; with ``check`` a non-zero exit raises InfrastructureError."""
        argv = (self.path, *args)
        env = {**os.environ, **self.env} if self.env else None
        try:
            done = subprocess.run(
                argv,
                input=stdin if isinstance(stdin, bytes) else None,
                stdin=None if stdin is None or isinstance(stdin, bytes) else stdin,
                capture_output=True,
                timeout=timeout,
                cwd=cwd,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise InfrastructureError(
                f"{what or self.describe(args)} did not finish within {timeout:g}s",
                f"check that {self.name} is healthy (`{self.name} info`/`{self.name} version`) "
                "and re-run",
                cause="tool-timeout",
            ) from None
        except OSError as exc:
            raise InfrastructureError(
                f"cannot run {self.path}: {exc}", f"reinstall {self.name}", cause="tool-missing"
            ) from None
        result = Result(
            argv=tuple(argv),
            returncode=done.returncode,
            stdout=done.stdout.decode(errors="replace"),
            stderr=done.stderr.decode(errors="replace"),
        )
        if check and not result.ok:
            raise InfrastructureError(
                f"{what or self.describe(args)} failed (exit {result.returncode}):\n"
                f"{result.tail()}",
                f"run it by hand to see the whole output: {self.describe(args)}",
                cause=f"{self.name}-failed",
            )
        return result

    def stream(self, args: Sequence[str], merge_stderr: bool = True) -> subprocess.Popen[bytes]:
        """Start ``<tool> args`` with its output on a pipe, for output read while it comes
        (``logs --follow``; ``save`` into another program, where stderr must stay out of the
        data and goes to ours instead). The caller waits for it or kills it."""
        env = {**os.environ, **self.env} if self.env else None
        stderr = subprocess.STDOUT if merge_stderr else None
        try:
            return subprocess.Popen(
                (self.path, *args), stdout=subprocess.PIPE, stderr=stderr, env=env
            )
        except OSError as exc:
            raise InfrastructureError(
                f"cannot run {self.path}: {exc}", f"reinstall {self.name}", cause="tool-missing"
            ) from None

    def describe(self, args: Sequence[str]) -> str:
        return shlex.join([self.name, *args])

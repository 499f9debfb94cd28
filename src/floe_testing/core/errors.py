"""Errors a user can act on, each carrying the exit code the CLI returns.

Exit codes: 0 all tests passed, 1 tests failed, 2 usage or configuration error
(nothing started), 3 infrastructure failure (a service, deadline, cluster or Job problem).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

EXIT_PASSED = 0
EXIT_TESTS_FAILED = 1
EXIT_USAGE = 2
EXIT_INFRASTRUCTURE = 3
EXIT_INTERRUPTED = 130


class FloeTestError(Exception):
    """Base error: what failed, and the next step (``hint``)."""

    exit_code = EXIT_INFRASTRUCTURE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  next step: {self.hint}"


class UsageError(FloeTestError):
    """Bad input or configuration; raised before anything was started or changed."""

    exit_code = EXIT_USAGE


class BadValueError(UsageError):
    """A command-line value that names nothing known (a tier, backend or profile): shown like
    click's own bad values, with the usage line and a "Did you mean" when one is close."""

    def __init__(self, what: str, given: str, known: Iterable[str], hint: str) -> None:
        choices = list(known)
        close = difflib.get_close_matches(given, choices, n=1, cutoff=0.6)
        message = f"unknown {what} {given!r}; known {what}s: {', '.join(choices)}"
        if close:
            message += f". Did you mean {close[0]!r}?"
        super().__init__(message, hint)
        self.suggestion = close[0] if close else None


class ConfigError(UsageError):
    """The ``[tool.floe-test]`` configuration is malformed: names the file and the key."""

    def __init__(self, path: object, key: str, problem: str, hint: str | None = None) -> None:
        super().__init__(f"{path}: [{key}] {problem}", hint)
        self.path = path
        self.key = key


class InfrastructureError(FloeTestError):
    """The platform, a cluster or a Job failed; the tests could not give a verdict."""

    exit_code = EXIT_INFRASTRUCTURE

    def __init__(
        self, message: str, hint: str | None = None, cause: str = "infrastructure"
    ) -> None:
        super().__init__(message, hint)
        self.cause = cause


class Interrupted(FloeTestError):
    """SIGINT or SIGTERM arrived; collectors and teardown still run."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self, signal_name: str) -> None:
        super().__init__(
            f"interrupted by {signal_name}", "re-run the command; use --keep to inspect"
        )
        self.signal_name = signal_name

"""pytest's exit statuses, as a shard reports them and the host judges them.

The values of ``pytest.ExitCode``, kept here so that the host reads a verdict without
importing pytest (about 0.3 s on an idle machine, seconds on a busy one, paid after the JUnit
is already on disk); ``tests/unit/protocol/test_exit_status.py`` fails if pytest changes them.
"""

from __future__ import annotations

from enum import IntEnum


class PytestExit(IntEnum):
    OK = 0
    TESTS_FAILED = 1
    INTERRUPTED = 2
    INTERNAL_ERROR = 3
    USAGE_ERROR = 4
    NO_TESTS_COLLECTED = 5
    MAX_WARNINGS_ERROR = 6

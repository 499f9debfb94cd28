"""The host's copy of pytest's exit statuses is pytest's, name for name and value for value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from floe_testing.protocol.exit_status import PytestExit


def test_the_copy_matches_pytest() -> None:
    assert {c.name: c.value for c in PytestExit} == {c.name: c.value for c in pytest.ExitCode}


def test_reading_a_cluster_verdict_does_not_import_pytest() -> None:
    code = (
        "import sys\n"
        "from floe_testing.jobs.results import verdict\n"
        "from floe_testing.protocol.frames import ShardResult\n"
        "assert verdict([ShardResult(shard=0, exit_status=1, junit_xml='')]).exit_status == 1\n"
        "print('pytest' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"

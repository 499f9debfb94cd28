"""The full profile on the local backend: SeaweedFS, the catalog, Cube and Dagster as processes.

Each service answers at the address the contract's variables give the suite, endpoints.env
carries them (secrets included, mode 0600), and nothing survives a pass or a SIGTERM.
"""

from __future__ import annotations

import signal
import stat
import subprocess
from pathlib import Path

import httpx

from floe_testing.core.polling import wait_for
from floe_testing.protocol import endpoints_file

from .conftest import BLOCKING, LocalRun, write_suite

SERVICES_ANSWER = """
import os

import httpx
from pyiceberg.catalog.rest import RestCatalog

from floe_testing.config.endpoints import service
from floe_testing.pytest_plugin.polaris import connect_catalog


def test_every_data_service_answers_through_the_contract():
    assert httpx.get(service("seaweedfs").url + "/healthz").status_code == 200
    assert httpx.get(service("cube").url + "/readyz").status_code == 200
    assert isinstance(connect_catalog(), RestCatalog)
    assert os.environ["CUBE_API_SECRET"] and os.environ["AWS_SECRET_ACCESS_KEY"]
"""


def test_full_profile_serves_every_service_then_leaves_no_process(
    local_run: LocalRun, tmp_path: Path
) -> None:
    local_run.tier = "e2e"
    suite = write_suite(tmp_path / "suite", SERVICES_ANSWER)
    result = local_run.run("--suite", str(suite), "--keep")
    assert result.returncode == 0, result.stdout + result.stderr
    # the start line names what really runs, and why Polaris-only tests are left out
    output = result.stdout + result.stderr
    assert "the catalog (Iceberg REST stand-in for polaris)" in output
    assert "polaris_only" in output
    assert "deselected" in output
    endpoints = local_run.results / "e2e" / "endpoints.env"
    assert stat.S_IMODE(endpoints.stat().st_mode) == 0o600
    env = endpoints_file.read(endpoints)
    for name in ("DAGSTER_PORT", "S3_PORT", "POLARIS_PORT", "CUBE_PORT", "CUBE_API_SECRET"):
        assert env.get(name), name
    # still serving after floe-test exited: that is what --keep is for
    cube = f"http://127.0.0.1:{env['CUBE_PORT']}/readyz"
    wait_for(lambda: httpx.get(cube, timeout=2).status_code == 200, timeout=10, description=cube)
    names = {line.split()[1] for line in local_run.survivors()}
    assert any("weed" in n for n in names), names
    assert any("java" in n for n in names), names
    assert any("node" in n for n in names), names
    stop = next(line for line in result.stderr.splitlines() if "stop it:" in line)
    subprocess.run(stop.split("stop it:", 1)[1].strip(), shell=True, check=True)  # noqa: S602
    wait_for(lambda: not local_run.survivors(), timeout=30, description="the platform to stop")


def test_sigterm_during_the_full_profile_leaves_no_process(
    local_run: LocalRun, tmp_path: Path
) -> None:
    local_run.tier = "e2e"
    suite = write_suite(tmp_path / "suite", BLOCKING)
    process = local_run.start("--suite", str(suite))
    output = local_run.signal_while_blocked(process, signal.SIGTERM)
    assert process.returncode == 130, output
    assert local_run.survivors() == []

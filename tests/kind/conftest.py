"""Real Kind (issue 19): kind v0.33 clusters on this machine's Docker engine, from the node image
``scripts/kind-node`` builds, driven by floe-test and by the seed's own commands.

Session fixture ``kind_machine``: the engine, the kind CLI, a kubectl, the node image and the
project's images, each made by the project's scripts (see ``harness.kind``). It skips, naming
the reason, only when this machine cannot run a node (not root, no Debian apt) or when a
cluster named floe-dev already exists (a developer's: these tests create and delete their
own). Any floe-dev cluster left by a failed test is deleted at the end, with kind's network.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.kind import CLUSTER, NETWORK, KindMachine


def _why_not_here() -> str | None:
    if os.geteuid() != 0:
        return "the Docker engine with the runc wrapper (scripts/images engine) needs root"
    if shutil.which("apt-get") is None:
        return "scripts/images engine installs Docker with Debian's apt-get"
    return None


@pytest.fixture(scope="session")
def kind_machine() -> Iterator[KindMachine]:
    reason = _why_not_here()
    if reason:
        pytest.skip(f"no real Kind on this machine: {reason}")
    with tempfile.TemporaryDirectory(prefix="floe-kind-state-") as state:
        machine = KindMachine(Path(state))
        machine.prepare()
        if CLUSTER in machine.clusters():
            pytest.skip(
                f"a Kind cluster {CLUSTER} already exists; these tests create and delete their "
                f"own (delete it first: `kind delete cluster --name {CLUSTER}`)"
            )
        try:
            yield machine
        finally:
            if CLUSTER in machine.clusters():
                machine.kind_cli("delete", "cluster", "--name", CLUSTER)
            no_cluster = not machine.clusters()
            if no_cluster and machine.docker("network", "inspect", NETWORK).returncode == 0:
                machine.docker("network", "rm", NETWORK)

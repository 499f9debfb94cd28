"""A Kind cluster floe-test can create, reuse, inspect and delete — and only delete its own.

State lives outside the repository, per cluster: a private kubeconfig (the user's
``~/.kube/config`` is never touched) and a marker written when floe-test created the
cluster, which is what ``down`` checks before deleting anything.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from floe_testing.core.cache import cache_root
from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.core.polling import WaitTimeout, wait_for
from floe_testing.tools.kind import KindCli

if TYPE_CHECKING:
    from floe_testing.tools.docker import ContainerEngine

CLUSTER_ENV = "FLOE_TEST_KIND_CLUSTER"
NODE_IMAGE_ENV = "FLOE_TEST_KIND_NODE_IMAGE"
STATE_ENV = "FLOE_TEST_STATE_DIR"
DEFAULT_NAME = "floe-dev"
CONFIG_PATH = Path("kind") / "kind-config.yaml"
READY_TIMEOUT = 120.0
# The Docker network kind puts every cluster's nodes on (kind's own default name).
NETWORK_ENV = "KIND_EXPERIMENTAL_DOCKER_NETWORK"
DEFAULT_NETWORK = "kind"


def cluster_name() -> str:
    return os.environ.get(CLUSTER_ENV) or DEFAULT_NAME


def state_root() -> Path:
    explicit = os.environ.get(STATE_ENV)
    if explicit:
        return Path(explicit)
    return cache_root()


@dataclass(frozen=True)
class ClusterStatus:
    name: str
    exists: bool
    created_by_floe_test: bool
    kubeconfig: Path

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "exists": self.exists,
            "created_by_floe_test": self.created_by_floe_test,
            "kubeconfig": str(self.kubeconfig),
        }


class KindCluster:
    def __init__(
        self,
        kind: KindCli,
        name: str,
        config: Path,
        root: Path | None = None,
        engine: ContainerEngine | None = None,
    ) -> None:
        self.kind = kind
        self.engine = engine
        self.name = name
        self.config = config
        self.dir = (root or state_root()) / "kind" / name

    @property
    def kubeconfig(self) -> Path:
        return self.dir / "kubeconfig"

    @property
    def marker(self) -> Path:
        return self.dir / "created-by-floe-test.json"

    def exists(self) -> bool:
        return self.name in self.kind.clusters()

    def status(self) -> ClusterStatus:
        exists = self.exists()
        return ClusterStatus(self.name, exists, exists and self.marker.exists(), self.kubeconfig)

    def up(self, run_id: str | None = None) -> bool:
        """Create the cluster, or reuse it when it exists; True when this call created it."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.exists():
            self.kind.export_kubeconfig(self.name, self.kubeconfig)
            return False
        if not self.config.is_file():
            raise UsageError(
                f"the Kind config {self.config} does not exist",
                "run floe-test from the project's checkout (it holds kind/)",
            )
        self.marker.unlink(missing_ok=True)
        self.kubeconfig.unlink(missing_ok=True)
        self.kubeconfig.touch(mode=0o600)
        try:
            self.kind.create(
                self.name, self.config, self.kubeconfig, os.environ.get(NODE_IMAGE_ENV) or None
            )
        finally:
            # a half-created cluster is still ours to delete
            if self.exists():
                self.marker.write_text(
                    json.dumps({"name": self.name, "run_id": run_id, "created_at": time.time()})
                    + "\n",
                    encoding="utf-8",
                )
        return True

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """The API answers and the ``default`` ServiceAccount exists (pods need it)."""
        from lightkube.resources.core_v1 import ServiceAccount

        from floe_testing.deploy.release import client_for

        client = client_for(self.kubeconfig)

        def has_default_account() -> bool:
            client.get(ServiceAccount, "default", namespace="default")
            return True

        try:
            wait_for(
                has_default_account,
                timeout=timeout,
                interval=0.5,
                backoff=1.5,
                description=f"Kind cluster {self.name} to serve the default ServiceAccount",
            )
        except WaitTimeout as exc:
            raise InfrastructureError(
                str(exc),
                f"is the node running? `docker ps --filter name={self.name}-control-plane`; "
                f"recreate it with `floe-test cluster down --force && floe-test cluster up`",
                cause="cluster-not-ready",
            ) from exc

    def down(self, force: bool = False) -> bool:
        """Delete the cluster if floe-test created it (or ``force``); True when deleted."""
        if not self.exists():
            shutil.rmtree(self.dir, ignore_errors=True)
            return False
        if not self.marker.exists() and not force:
            raise UsageError(
                f"Kind cluster {self.name} was not created by floe-test; leaving it alone",
                f"delete it anyway with `floe-test cluster down --force --name {self.name}`",
            )
        self.kind.delete(self.name, self.kubeconfig)
        shutil.rmtree(self.dir, ignore_errors=True)
        self._remove_network()
        return True

    def _remove_network(self) -> None:
        """kind deletes the node containers and their volumes but keeps its Docker network
        for the next cluster; the last cluster's ``down`` removes it too (kind makes it
        again on the next ``create``)."""
        if self.engine is None or self.engine.name != "docker" or self.kind.clusters():
            return
        self.engine.remove_network_if_unused(os.environ.get(NETWORK_ENV) or DEFAULT_NETWORK)

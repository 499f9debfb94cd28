"""A machine that runs real Kind (issue 19): the engine with its runc wrapper, the kind CLI and a
kubectl built from the Go module proxy, the node image and the project's images, all made by
the project's own scripts. Test code only: the product's kind and docker calls live in
``floe_testing.tools``.

``KindMachine.prepare()`` runs ``scripts/images engine``, ``scripts/kind-node`` and
``scripts/images build`` and keeps the ``NAME=ref`` lines they print. ``env`` is what every
command of a test runs with: the node image, Debian's docker client (the newer client some
machines carry first on PATH has no buildx), local base images, the kind CLI first on PATH,
and a private state directory and kubeconfig so a developer's own clusters are never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from floe_testing.tools.command import Result
from floe_testing.tools.kube import run_kubectl
from harness.paths import FLOE_TEST, REPO_ROOT

CLUSTER = "floe-dev"  # the seed's name, and floe-test's default
NODE = f"{CLUSTER}-control-plane"
NETWORK = "kind"
DEBIAN_DOCKER = Path("/usr/bin/docker")


def script(name: str, *args: str, timeout: float = 3600) -> dict[str, str]:
    """``scripts/NAME ARGS``; its ``KEY=value`` lines. Progress goes to the session's output."""
    done = subprocess.run(
        [str(REPO_ROOT / "scripts" / name), *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"scripts/{name} {' '.join(args)} failed with exit {done.returncode}")
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


@dataclass
class KindMachine:
    state: Path
    kind: str = ""
    kubectl_binary: str = ""
    node_image: str = ""
    images: dict[str, str] = field(default_factory=dict)

    def prepare(self) -> None:
        script("images", "engine", timeout=600)
        node = script("kind-node")
        self.kind, self.kubectl_binary = node["KIND"], node["KUBECTL"]
        self.node_image = node["KIND_NODE_IMAGE"]
        self.images = script("images", "build")

    @property
    def kubeconfig(self) -> Path:
        """Where plain ``kind create cluster`` writes (``$KUBECONFIG``), and floe-test's own
        kubeconfig of the cluster (``FLOE_TEST_STATE_DIR``/kind/NAME/kubeconfig)."""
        return self.state / "kube" / "config"

    def floe_kubeconfig(self) -> Path:
        return self.state / "kind" / CLUSTER / "kubeconfig"

    @property
    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "PATH": f"{Path(self.kind).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "FLOE_TEST_KIND_NODE_IMAGE": self.node_image,
            "FLOE_TEST_BASE": "local",
            "FLOE_TEST_STATE_DIR": str(self.state),
            "KUBECONFIG": str(self.kubeconfig),
            "COLUMNS": "200",
        }
        if DEBIAN_DOCKER.is_file():
            env["FLOE_TEST_DOCKER"] = str(DEBIAN_DOCKER)
        return env

    def run(self, *argv: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Any command with this machine's environment; output kept and echoed for failures."""
        done = subprocess.run(
            list(argv),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=self.env,
        )
        sys.stdout.write(done.stdout[-6000:])
        sys.stderr.write(done.stderr[-6000:])
        return done

    def floe_test(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return self.run(FLOE_TEST, *args, timeout=timeout)

    def kind_cli(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return self.run(self.kind, *args, timeout=timeout)

    def docker(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        client = str(DEBIAN_DOCKER) if DEBIAN_DOCKER.is_file() else "docker"
        return self.run(client, *args, timeout=timeout)

    def kubectl(
        self, kubeconfig: Path, *args: str, stdin: str | None = None, timeout: float = 120
    ) -> Result:
        return run_kubectl(
            Path(self.kubectl_binary), kubeconfig, *args, stdin=stdin, check=False, timeout=timeout
        )

    def clusters(self) -> list[str]:
        return self.kind_cli("get", "clusters").stdout.split()

    def node(self) -> dict[str, Any] | None:
        """``docker inspect`` of the cluster's node container; None when there is none."""
        done = self.docker("container", "inspect", NODE)
        return json.loads(done.stdout)[0] if done.returncode == 0 else None

    def leftovers(self, volumes: list[str]) -> list[str]:
        """What of a deleted cluster is still in the engine: its node container, kind's
        network, the node's volumes."""
        found = []
        if self.node() is not None:
            found.append(f"container {NODE}")
        if self.docker("network", "inspect", NETWORK).returncode == 0:
            found.append(f"network {NETWORK}")
        found += [
            f"volume {v}" for v in volumes if self.docker("volume", "inspect", v).returncode == 0
        ]
        return found


def node_volumes(node: dict[str, Any]) -> list[str]:
    return [m["Name"] for m in node.get("Mounts", []) if m.get("Type") == "volume"]

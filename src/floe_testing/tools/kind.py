"""The ``kind`` binary behind a small interface: list, create, delete, kubeconfig, load.

Kind talks to docker by default; with podman it needs ``KIND_EXPERIMENTAL_PROVIDER=podman``,
which ``for_engine`` sets so callers never think about it.
"""

from __future__ import annotations

from pathlib import Path

from floe_testing.core.cache import cache_dir
from floe_testing.core.errors import InfrastructureError
from floe_testing.tools.command import Tool, which

KIND_VERSION = "v0.33.0"  # pins/versions.env KIND_VERSION (tests/unit/test_pins.py)
INSTALL_HINT = (
    "install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation): "
    f"`go install sigs.k8s.io/kind@{KIND_VERSION}`, or on Linux x86_64 "
    f"`curl -Lo ./kind https://kind.sigs.k8s.io/dl/{KIND_VERSION}/kind-linux-amd64 && "
    "chmod +x ./kind && sudo mv ./kind /usr/local/bin/kind`, or on macOS `brew install kind`"
)
CREATE_TIMEOUT = 600.0
LOAD_TIMEOUT = 900.0
SHORT_TIMEOUT = 30.0
BUILD_TIMEOUT = 1800.0


def _cached_kind() -> str | None:
    """The kind binary ``floe_testing.kindnode.gobuild`` builds (``<cache>/kind/<version>``)."""
    path = cache_dir("kind", KIND_VERSION, "bin", "kind")
    return str(path) if path.is_file() else None


class KindCli:
    def __init__(self, tool: Tool) -> None:
        self.tool = tool

    @classmethod
    def find(cls, engine_name: str = "docker") -> KindCli | None:
        """``kind`` on PATH, else the one built from the Go module proxy into the cache
        (``scripts/kind-node`` and ``floe-test cluster up`` build it when missing)."""
        path = which("kind") or _cached_kind()
        if path is None:
            return None
        env = {"KIND_EXPERIMENTAL_PROVIDER": "podman"} if engine_name == "podman" else None
        return cls(Tool("kind", path, env))

    @classmethod
    def at(cls, path: str, engine_name: str = "docker") -> KindCli:
        env = {"KIND_EXPERIMENTAL_PROVIDER": "podman"} if engine_name == "podman" else None
        return cls(Tool("kind", path, env))

    def clusters(self) -> list[str]:
        result = self.tool.run(["get", "clusters"], timeout=SHORT_TIMEOUT)
        return [line.strip() for line in result.stdout.splitlines() if line.strip()]

    def create(self, name: str, config: Path, kubeconfig: Path, node_image: str | None) -> None:
        args = [
            "create",
            "cluster",
            "--name",
            name,
            "--config",
            str(config),
            "--kubeconfig",
            str(kubeconfig),
            "--wait",
            "120s",
        ]
        if node_image:
            args += ["--image", node_image]
        self.tool.run(args, timeout=CREATE_TIMEOUT, what=f"creating Kind cluster {name}")

    def delete(self, name: str, kubeconfig: Path) -> None:
        self.tool.run(
            ["delete", "cluster", "--name", name, "--kubeconfig", str(kubeconfig)],
            timeout=CREATE_TIMEOUT,
            what=f"deleting Kind cluster {name}",
        )

    def export_kubeconfig(self, name: str, kubeconfig: Path) -> None:
        """Write the cluster's credentials to a private file, never the user's ~/.kube/config."""
        result = self.tool.run(["get", "kubeconfig", "--name", name], timeout=SHORT_TIMEOUT)
        kubeconfig.parent.mkdir(parents=True, exist_ok=True)
        kubeconfig.touch(mode=0o600, exist_ok=True)
        kubeconfig.write_text(result.stdout, encoding="utf-8")

    def load_image(self, name: str, ref: str) -> None:
        self.tool.run(
            ["load", "docker-image", ref, "--name", name],
            timeout=LOAD_TIMEOUT,
            what=f"loading {ref} into Kind cluster {name}",
        )

    def build_node_image(self, tarball: Path, base_image: str, image: str, log: Path) -> None:
        """``kind build node-image --type file``: kind's own assembly of a node image from a
        Kubernetes server tarball on ``base_image`` (whole output in ``log``)."""
        args = ["build", "node-image", "--type", "file", str(tarball)]
        args += ["--base-image", base_image, "--image", image]
        result = self.tool.run(args, timeout=BUILD_TIMEOUT, check=False)
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(result.stdout + result.stderr, encoding="utf-8")
        if not result.ok:
            raise InfrastructureError(
                f"kind build node-image failed (exit {result.returncode}):\n{result.tail()}",
                f"the whole output is in {log}",
                cause="kind-failed",
            )

    def load_archive(self, name: str, archive: Path) -> None:
        self.tool.run(
            ["load", "image-archive", str(archive), "--name", name],
            timeout=LOAD_TIMEOUT,
            what=f"loading {archive.name} into Kind cluster {name}",
        )

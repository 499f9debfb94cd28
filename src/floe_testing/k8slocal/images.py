"""Images for the node without a registry: tiny ones written here, Docker's imported.

``single_binary_image`` writes a Docker-archive tarball (what ``docker save`` makes) of a
FROM-scratch image holding one static binary, with a fixed timestamp so the same binary
gives the same image id. ``ctr images import`` puts archives into containerd's ``k8s.io``
namespace, the only one the kubelet sees.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import IO

from floe_testing.core.errors import UsageError
from floe_testing.k8slocal.layout import Layout
from floe_testing.tools.command import Result, Tool, which
from floe_testing.tools.docker import ContainerEngine

NAMESPACE = "k8s.io"


def _layer(binary: Path, name: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = binary.stat().st_size, 0o755, 0
        with binary.open("rb") as data:
            tar.addfile(info, data)
    return buffer.getvalue()


def single_binary_image(
    binary: Path, ref: str, entrypoint: list[str], out: Path, user: str = "65532:65532"
) -> Path:
    """A Docker-archive of a scratch image with ``binary`` at ``/<name>``; returns ``out``."""
    layer = _layer(binary, binary.name)
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": "1970-01-01T00:00:00Z",
            "config": {"Entrypoint": entrypoint, "User": user, "WorkingDir": "/"},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "floe-k8s-local"}],
        },
        sort_keys=True,
    ).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps(
        [{"Config": config_name, "RepoTags": [ref], "Layers": ["layer.tar"]}]
    ).encode()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, mode="w") as tar:
        for name, data in (
            ("layer.tar", layer),
            (config_name, config),
            ("manifest.json", manifest),
        ):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    return out


CTR_TIMEOUT = 600.0  # an import of a few hundred MiB on a loaded machine


def ctr(layout: Layout, *args: str, check: bool = True, stdin: IO[bytes] | None = None) -> Result:
    """containerd's ``ctr`` on the node's own socket, in the kubelet's namespace."""
    tool = Tool("ctr", which("ctr") or "ctr")
    address = ["--address", str(layout.containerd_socket), "--namespace", NAMESPACE]
    return tool.run([*address, *args], timeout=CTR_TIMEOUT, check=check, stdin=stdin)


def present(layout: Layout) -> set[str]:
    """Image references already in the node's containerd."""
    return set(ctr(layout, "images", "list", "--quiet").stdout.split())


def import_archive(layout: Layout, archive: Path) -> None:
    ctr(layout, "images", "import", str(archive))


def normalize(ref: str) -> str:
    """The name containerd and the kubelet give a Docker short reference."""
    name, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "latest")
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    return f"{name}:{tag}"


def load_from_docker(layout: Layout, docker: ContainerEngine, ref: str) -> str:
    """``docker save REF | ctr images import -``; returns the name the kubelet will see."""
    if not docker.image_exists(ref):
        raise UsageError(
            f"no image {ref} in Docker",
            "build it first (`scripts/images build`; `docker images` lists what there is)",
        )
    docker.save_into(ref, lambda archive: ctr(layout, "images", "import", "-", stdin=archive))
    return normalize(ref)

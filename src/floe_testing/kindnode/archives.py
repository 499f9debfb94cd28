"""Docker-archive tarballs (what ``docker save`` writes) of the node's images, written here.

kind's ``build node-image --type file`` loads the ``kube-*.tar`` archives of the server
tarball into the node's containerd and counts every ``repo:tag`` of an archive's first
metadata entry as already present (it fetches only the others). So one archive carries the
API server together with the other images the node runs — etcd, CoreDNS, pause, kube-router,
the storage provisioner and its helper — and its ``repositories`` entry, written first,
names them all. Each image is one or two layers: an optional shared base (the ``net`` Debian
rootfs) and one layer holding the binary; timestamps are fixed, so equal inputs give equal
image ids.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
EPOCH = "1970-01-01T00:00:00Z"
CHUNK = 1 << 20


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def binary_layer(binary: Path, target: str) -> bytes:
    """An uncompressed layer holding ``binary`` at ``target`` (0755, root, mtime 0)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        parts = target.strip("/").split("/")
        for depth in range(1, len(parts)):
            directory = tarfile.TarInfo("/".join(parts[:depth]))
            directory.type, directory.mode, directory.mtime = tarfile.DIRTYPE, 0o755, 0
            tar.addfile(directory)
        info = tarfile.TarInfo("/".join(parts))
        info.size, info.mode, info.mtime = binary.stat().st_size, 0o755, 0
        with binary.open("rb") as data:
            tar.addfile(info, data)
    return buffer.getvalue()


@dataclass
class Layer:
    """A layer from a file (a rootfs tarball) or from bytes (a binary layer)."""

    path: Path | None = None
    data: bytes | None = None
    _digest: str | None = field(default=None, repr=False)

    @property
    def digest(self) -> str:
        if self._digest is None:
            if self.data is not None:
                self._digest = hashlib.sha256(self.data).hexdigest()
            else:
                assert self.path is not None
                self._digest = _sha256_file(self.path)
        return self._digest

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size


@dataclass
class Image:
    """One image: its tags, layers (bottom first) and run configuration."""

    tags: list[str]
    layers: list[Layer]
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    user: str = "0:0"
    labels: dict[str, str] = field(default_factory=dict)

    def config(self) -> bytes:
        run: dict[str, object] = {"Env": [PATH_ENV], "User": self.user, "WorkingDir": "/"}
        if self.entrypoint is not None:
            run["Entrypoint"] = self.entrypoint
        if self.cmd is not None:
            run["Cmd"] = self.cmd
        if self.labels:
            run["Labels"] = dict(sorted(self.labels.items()))
        document = {
            "architecture": "amd64",
            "os": "linux",
            "created": EPOCH,
            "config": run,
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{x.digest}" for x in self.layers]},
            "history": [
                {"created": EPOCH, "created_by": "floe-test kind-node"} for _ in self.layers
            ],
        }
        return json.dumps(document, sort_keys=True).encode()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 0, 0o644
    tar.addfile(info, io.BytesIO(data))


def write_archive(images: Iterable[Image], out: Path) -> Path:
    """A Docker archive of ``images``: ``repositories`` first (every tag), then the blobs
    (shared layers once) and ``manifest.json``; written to a temporary name, then renamed."""
    images = list(images)
    configs = [(image, image.config()) for image in images]
    repositories: dict[str, dict[str, str]] = {}
    manifest = []
    for image, config in configs:
        config_id = hashlib.sha256(config).hexdigest()
        for ref in image.tags:
            repo, _, tag = ref.rpartition(":")
            repositories.setdefault(repo, {})[tag] = config_id
        manifest.append(
            {
                "Config": f"{config_id}.json",
                "RepoTags": image.tags,
                "Layers": [f"{layer.digest}/layer.tar" for layer in image.layers],
            }
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tarfile.open(partial, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, "repositories", json.dumps(repositories, sort_keys=True).encode())
        written: set[str] = set()
        for image, config in configs:
            _add_bytes(tar, f"{hashlib.sha256(config).hexdigest()}.json", config)
            for layer in image.layers:
                if layer.digest in written:
                    continue
                written.add(layer.digest)
                info = tarfile.TarInfo(f"{layer.digest}/layer.tar")
                info.size, info.mtime, info.mode = layer.size, 0, 0o644
                if layer.data is not None:
                    tar.addfile(info, io.BytesIO(layer.data))
                else:
                    assert layer.path is not None
                    with layer.path.open("rb") as data:
                        tar.addfile(info, data)
        _add_bytes(tar, "manifest.json", json.dumps(manifest).encode())
    partial.replace(out)
    return out


def archive_tags(path: Path) -> list[str]:
    """The tags kind counts as present: every ``repo:tag`` of the first metadata entry."""
    with tarfile.open(path) as tar:
        for member in tar:
            if member.name in ("repositories", "manifest.json"):
                extracted = tar.extractfile(member)
                assert extracted is not None
                data = json.loads(extracted.read())
                if member.name == "manifest.json":
                    return list(data[0]["RepoTags"])
                return [f"{repo}:{tag}" for repo, tags in data.items() for tag in tags]
    return []

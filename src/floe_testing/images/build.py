"""The two images a Kind run needs, tagged by content and loaded into the cluster.

A tag is derived from the git tree of exactly the paths an image copies (plus a hash of
uncommitted changes to them), so a changed source always yields a new tag and an unchanged
one is never rebuilt — Kind nodes never run a stale ``latest``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from floe_testing.tools.command import Tool, which
from floe_testing.tools.docker import ContainerEngine, EngineInfo
from floe_testing.tools.kind import KindCli

REGISTRY_ENV = "FLOE_TEST_REGISTRY"
_SKIP = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


@dataclass(frozen=True)
class ImageSpec:
    """An image: its repository name, Dockerfile and the paths its COPY lines read."""

    name: str
    dockerfile: str
    paths: tuple[str, ...]
    role: str

    def ref(self, tag: str, registry: str | None = None) -> str:
        return f"{registry.rstrip('/')}/{self.name}:{tag}" if registry else f"{self.name}:{tag}"


_COMMON = ("pyproject.toml", "uv.lock", "README.md", ".dockerignore", "src")
RUNNER = ImageSpec(
    "floe-test-runner", "tests/Dockerfile", (*_COMMON, "tests", "tests/Dockerfile"), "test runner"
)
PLATFORM = ImageSpec(
    "floe-platform",
    "docker/platform.Dockerfile",
    (*_COMMON, "docker/platform.Dockerfile"),
    "platform (Dagster user code)",
)
IMAGES = (RUNNER, PLATFORM)
# PostgreSQL from Debian's packages (the chart's upstream postgres image needs a registry);
# built by scripts/images build FROM the local Debian base, used by values-k8s-local.yaml.
POSTGRESQL = ImageSpec(
    "floe-local/postgresql",
    "docker/postgresql.Dockerfile",
    (".dockerignore", "docker/postgresql.Dockerfile", "docker/postgresql-entrypoint.sh"),
    "PostgreSQL (Debian packages)",
)


def content_tag(root: Path, paths: Sequence[str]) -> str:
    """``git-<hash>`` from the tree entries of ``paths`` at HEAD and any local changes to them;
    ``src-<hash>`` of the files themselves outside a git checkout."""
    git = which("git")
    if git is not None and (root / ".git").exists():
        tool = Tool("git", git)
        tree = tool.run(["ls-tree", "HEAD", "--", *paths], timeout=30, cwd=root, check=False)
        if tree.ok:
            digest = hashlib.sha256(tree.stdout.encode())
            changed = tool.run(
                ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths],
                timeout=30,
                cwd=root,
            ).stdout
            dirty = sorted({entry[3:] for entry in changed.split("\0") if len(entry) > 3})
            _hash_files(digest.update, root, dirty)
            return f"git-{digest.hexdigest()[:12]}"
    digest = hashlib.sha256()
    _hash_files(digest.update, root, sorted(_walk(root, paths)))
    return f"src-{digest.hexdigest()[:12]}"


def _walk(root: Path, paths: Iterable[str]) -> Iterable[str]:
    for path in paths:
        full = root / path
        if full.is_file():
            yield path
            continue
        for dirpath, dirnames, filenames in os.walk(full):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP)
            for filename in filenames:
                if not filename.endswith(".pyc"):
                    yield str((Path(dirpath) / filename).relative_to(root))


def _hash_files(update: Callable[[bytes], None], root: Path, files: Iterable[str]) -> None:
    for rel in files:
        update(rel.encode() + b"\0")
        path = root / rel
        update(path.read_bytes() if path.is_file() else b"<deleted>")
        update(b"\0")


@dataclass(frozen=True)
class BuiltImage:
    spec: ImageSpec
    ref: str
    built: bool


BASE_LABEL = "org.floe-test.base"


def build_images(
    engine: ContainerEngine,
    root: Path,
    specs: Sequence[ImageSpec] = IMAGES,
    registry: str | None = None,
    build_args: dict[str, str] | None = None,
    log_dir: Path | None = None,
    say: Callable[[str], None] | None = None,
) -> list[BuiltImage]:
    """Build each image unless its content tag already exists, built from the same base.

    The one place that builds the images: ``scripts/images build`` calls it with the local
    base images as ``build_args`` (PYTHON_IMAGE, UV_IMAGE), the kind backend without (the
    Dockerfiles' upstream defaults) unless ``FLOE_TEST_BASE=local``. The base's image IDs
    are a label, so a rebuilt base image rebuilds the images on it.
    """
    images: list[BuiltImage] = []
    base = _base_key(engine, build_args or {})
    for spec in specs:
        tag = content_tag(root, spec.paths)
        ref = spec.ref(tag, registry)
        if engine.image_exists(ref) and (engine.image_label(ref, BASE_LABEL) or "") == base:
            images.append(BuiltImage(spec, ref, built=False))
            continue
        if say is not None:
            say(f"building {spec.role} image {ref}")
        engine.build(
            context=root,
            dockerfile=root / spec.dockerfile,
            tag=ref,
            labels={
                "org.opencontainers.image.revision": tag,
                "org.opencontainers.image.title": spec.name,
                BASE_LABEL: base,
            },
            build_args=build_args,
            log=log_dir / f"{spec.name}.log" if log_dir else None,
        )
        images.append(BuiltImage(spec, ref, built=True))
    return images


def _base_key(engine: ContainerEngine, build_args: dict[str, str]) -> str:
    """``ARG=<image id>`` of each base image given as a build arg ('' for upstream bases)."""
    parts = []
    for key, ref in sorted(build_args.items()):
        parts.append(f"{key}={engine.image_id(ref) or ref}")
    return ",".join(parts)


def load_images(
    engine: ContainerEngine,
    info: EngineInfo,
    kind: KindCli,
    cluster: str,
    refs: Sequence[str],
    registry: str | None = None,
) -> str:
    """Make ``refs`` pullable by the cluster's nodes; returns how it was done.

    A configured registry gets a push. Otherwise docker's classic store uses
    ``kind load docker-image`` (which skips an image the node already has); docker's
    containerd store and podman go through a single-platform archive and
    ``kind load image-archive``.
    """
    if registry:
        for ref in refs:
            engine.push(ref)
        return f"pushed to {registry}"
    if engine.kind_loads_from_store(info):
        for ref in refs:
            kind.load_image(cluster, ref)
        return "kind load docker-image"
    platform = engine.archive_platform(info)
    with tempfile.TemporaryDirectory(prefix="floe-images-") as tmp:
        for index, ref in enumerate(refs):
            archive = Path(tmp) / f"image-{index}.tar"
            engine.save(ref, archive, platform)
            kind.load_archive(cluster, archive)
    saved = f"{engine.name} save" + (f" --platform {platform}" if platform else "")
    return f"{saved} | kind load image-archive"


def registry() -> str | None:
    return os.environ.get(REGISTRY_ENV) or None

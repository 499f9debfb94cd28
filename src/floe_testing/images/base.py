"""Local base images for machines that reach no container registry.

The Dockerfiles build ``FROM ${PYTHON_IMAGE}`` and copy ``/uv`` from ``${UV_IMAGE}``. Without
a registry both are made here, from what the machine can reach:

- the Python image: a Debian rootfs from Debian's own packages (``debootstrap --variant=minbase
  --include=python3``), docs and package lists removed, with the machine's CA bundle (the one
  ``PIP_CERT``/``SSL_CERT_FILE`` name, so TLS to PyPI works inside builds), ``docker import``-ed;
- the uv image: ``/uv`` and ``/uvx`` from PyPI's ``uv`` wheel (sha256 checked against PyPI),
  ``docker import``-ed as a one-layer image, the shape of the upstream image.

Each image carries a label with the hash of its inputs (pins, CA bundle, recipe), so it is
rebuilt exactly when one of them changed; the rootfs tarball and the wheel are cached under
``$FLOE_TEST_CACHE/images/`` so a wiped Docker store does not download them again.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from floe_testing.core.cache import cache_root, content_key
from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.tools.command import Tool, which
from floe_testing.tools.docker import ContainerEngine

INPUTS_LABEL = "org.floe-test.base-inputs"
RECIPE = "1"  # bump when the way a base image is made changes
CA_BUNDLE = Path(os.environ.get("FLOE_TEST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"))
PYPI_SIMPLE = "https://pypi.org/simple/uv/"  # PEP 691 JSON: every file with its sha256
_PRUNE = (
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "var/cache/apt",
    "var/lib/apt/lists",
    "var/log",
    "var/cache/debconf",
)
DEBOOTSTRAP_TIMEOUT = 1800
IMPORT_TIMEOUT = 600


@dataclass(frozen=True)
class BaseImages:
    """The two images the Dockerfiles take as build args."""

    python: str
    uv: str

    def build_args(self) -> dict[str, str]:
        return {"PYTHON_IMAGE": self.python, "UV_IMAGE": self.uv}


BASE_ENV = "FLOE_TEST_BASE"


def build_args_from_env(
    engine: ContainerEngine, root: Path, say: Callable[[str], None]
) -> dict[str, str] | None:
    """``FLOE_TEST_BASE=local``: build FROM the local base images (made when missing), as
    ``scripts/images build`` does; unset or ``upstream``: the Dockerfiles' defaults."""
    from floe_testing.config import pins

    choice = os.environ.get(BASE_ENV) or "upstream"
    if choice == "upstream":
        return None
    if choice != "local":
        raise UsageError(
            f"{BASE_ENV}={choice!r} is not a base", f"set {BASE_ENV} to local or upstream"
        )
    return ensure_local_base(engine, pins.load(root), say).build_args()


def ensure_local_base(
    engine: ContainerEngine, pins: dict[str, str], say: Callable[[str], None]
) -> BaseImages:
    """Both local base images, made only when missing or when their inputs changed."""
    images = BaseImages(pins["LOCAL_PYTHON_IMAGE"], pins["LOCAL_UV_IMAGE"])
    _ensure(
        engine, images.python, _python_inputs(pins), say, lambda d: _python_rootfs(pins, d, say)
    )
    _ensure(engine, images.uv, _uv_inputs(pins), say, lambda d: _uv_rootfs(pins, d, say))
    return images


def _ensure(
    engine: ContainerEngine,
    ref: str,
    inputs: str,
    say: Callable[[str], None],
    make: Callable[[Path], Path],
) -> None:
    if engine.image_label(ref, INPUTS_LABEL) == inputs:
        say(f"base image {ref}: up to date")
        return
    archive_dir = cache_root() / "images" / "base"
    archive_dir.mkdir(parents=True, exist_ok=True)
    archive = archive_dir / f"{ref.replace('/', '_').replace(':', '_')}-{inputs[:12]}.tar"
    if not archive.is_file():
        archive = make(archive)
    say(f"base image {ref}: importing {archive.name}")
    changes = [
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ENV LANG=C.UTF-8",
        f"ENV SSL_CERT_FILE=/etc/ssl/certs/{CA_BUNDLE.name}",
        f"LABEL {INPUTS_LABEL}={inputs}",
    ]
    engine.import_archive(archive, ref, changes, timeout=IMPORT_TIMEOUT)


def _ca_bytes() -> bytes:
    try:
        return CA_BUNDLE.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"cannot read the machine's CA bundle {CA_BUNDLE}: {exc}",
            "install ca-certificates, or point FLOE_TEST_CA_BUNDLE at a PEM bundle",
        ) from None


def _python_inputs(pins: dict[str, str]) -> str:
    return content_key(RECIPE, pins["DEBIAN_SUITE"], pins["DEBIAN_MIRROR"], _ca_bytes(), *_PRUNE)


def _uv_inputs(pins: dict[str, str]) -> str:
    return content_key(RECIPE, pins["UV_VERSION"], platform.machine())


def _python_rootfs(pins: dict[str, str], archive: Path, say: Callable[[str], None]) -> Path:
    debootstrap = which("debootstrap")
    if debootstrap is None or os.geteuid() != 0:
        raise UsageError(
            "making the local Python base image needs root and debootstrap",
            "run as root after `apt-get install -y debootstrap` (scripts/images engine "
            "installs it), or build with internet: plain `docker build` (no build args)",
        )
    with tempfile.TemporaryDirectory(prefix="floe-rootfs-", dir=archive.parent) as tmp:
        rootfs = Path(tmp) / "rootfs"
        suite, mirror = pins["DEBIAN_SUITE"], pins["DEBIAN_MIRROR"]
        say(f"debootstrap {suite} (minbase + python3) from {mirror}: a few minutes, once")
        log = archive.with_suffix(".debootstrap.log")
        done = Tool("debootstrap", debootstrap).run(
            ["--variant=minbase", "--include=python3", suite, str(rootfs), mirror],
            timeout=DEBOOTSTRAP_TIMEOUT,
            check=False,
        )
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
        if done.returncode != 0:
            raise InfrastructureError(
                f"debootstrap {suite} failed (exit {done.returncode})",
                f"read {log}; check that {mirror} answers (`apt-get update`)",
                cause="base-image",
            )
        for rel in _PRUNE:
            target = rootfs / rel
            if target.is_dir():
                shutil.rmtree(target)
                target.mkdir(mode=0o755)
        (rootfs / "etc/ssl/certs").mkdir(parents=True, exist_ok=True)
        (rootfs / "etc/ssl/certs" / CA_BUNDLE.name).write_bytes(_ca_bytes())
        partial = archive.with_suffix(".partial")
        Tool("tar", which("tar") or "tar").run(
            ["--numeric-owner", "--xattrs", "-C", str(rootfs), "-cf", str(partial), "."],
            timeout=IMPORT_TIMEOUT,
        )
        partial.replace(archive)
    return archive


def _uv_rootfs(pins: dict[str, str], archive: Path, say: Callable[[str], None]) -> Path:
    version = pins["UV_VERSION"]
    wheel = _uv_wheel(version, archive.parent, say)
    partial = archive.with_suffix(".partial")
    with zipfile.ZipFile(wheel) as zipped, tarfile.open(partial, "w") as tar:
        for name in ("uv", "uvx"):
            data = zipped.read(f"uv-{version}.data/scripts/{name}")
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    partial.replace(archive)
    return archive


def _uv_wheel(version: str, where: Path, say: Callable[[str], None]) -> Path:
    """PyPI's manylinux ``uv`` wheel for this machine's architecture, sha256-verified."""
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    request = urllib.request.Request(
        PYPI_SIMPLE, headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - a fixed https URL
        files = json.load(answer)["files"]
    candidates = [
        f
        for f in files
        if f["filename"].startswith(f"uv-{version}-")
        and "manylinux" in f["filename"]
        and f["filename"].endswith(f"{arch}.whl")
        and not f.get("yanked")
    ]
    if not candidates:
        raise UsageError(
            f"PyPI has no manylinux {arch} wheel of uv {version}",
            "pin a UV_VERSION in pins/versions.env that PyPI has (`pip index versions uv`)",
        )
    chosen = candidates[0]
    expected = str(chosen["hashes"]["sha256"])
    wheel: Path = where / str(chosen["filename"])
    if (
        not wheel.is_file()
        or hashlib.sha256(wheel.read_bytes()).hexdigest() != chosen["hashes"]["sha256"]
    ):
        say(f"downloading {chosen['filename']} from PyPI")
        with urllib.request.urlopen(str(chosen["url"]), timeout=300) as answer:  # noqa: S310
            data: bytes = answer.read()
        if hashlib.sha256(data).hexdigest() != expected:
            raise InfrastructureError(
                f"{chosen['filename']}: sha256 differs from PyPI's",
                "re-run; if it persists, something between this machine and PyPI alters downloads",
                cause="base-image",
            )
        wheel.write_bytes(data)
    return wheel

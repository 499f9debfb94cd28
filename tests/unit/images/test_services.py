"""The full profile's service images: FROM the local bases with their pins as build args,
tagged by content and with the stable names values-k8s-local.yaml uses; the catalog from a
staged context holding the jar scripts/catalog fetched. Plus: their Dockerfiles agree with
pins/versions.env, run as the chart's uids, and the names agree with values-k8s-local.yaml."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from floe_testing.config import pins
from floe_testing.core.errors import InfrastructureError
from floe_testing.images import services
from floe_testing.tools.command import Tool
from floe_testing.tools.docker import ContainerEngine

REPO = Path(__file__).resolve().parents[3]
PINS = pins.load(REPO)
BASES = {"PYTHON_IMAGE": "floe-local/python:3.11-bookworm", "UV_IMAGE": "floe-local/uv:0.13.9"}


class FakeEngine(ContainerEngine):
    def __init__(self) -> None:
        super().__init__(Tool("docker", "/nonexistent/docker"))
        self.present: set[str] = set()
        self.builds: list[dict[str, Any]] = []
        self.tags: list[tuple[str, str]] = []

    def image_exists(self, ref: str) -> bool:
        return ref in self.present

    def image_label(self, ref: str, key: str) -> str | None:
        return next((b["labels"].get(key) for b in self.builds if b["tag"] == ref), None)

    def image_id(self, ref: str) -> str | None:
        return f"sha256:{ref}"

    def build(self, **kwargs: Any) -> None:  # type: ignore[override]
        self.builds.append(kwargs)
        self.present.add(kwargs["tag"])

    def tag(self, source: str, target: str) -> None:
        self.tags.append((source, target))


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout with the three Dockerfiles and a scripts/catalog printing a fetched jar."""
    monkeypatch.setenv("FLOE_TEST_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "repo"
    (root / "docker").mkdir(parents=True)
    (root / "platform" / "cube").mkdir(parents=True)
    (root / "scripts").mkdir()
    for name in ("cube", "seaweedfs", "catalog"):
        (root / "docker" / f"{name}.Dockerfile").write_text(f"FROM {name}\n")
    (root / "platform" / "cube" / "cube.js").write_text("module.exports = {};\n")
    (root / ".dockerignore").write_text("*\n")
    jar = tmp_path / "m2" / "iceberg-open-api-1.10.1.jar"
    jar.parent.mkdir()
    jar.write_bytes(b"PK jar")
    script = root / "scripts" / "catalog"
    script.write_text(f'#!/bin/sh\n[ "$1" = build ] || exit 2\necho fetching >&2\necho "{jar}"\n')
    script.chmod(0o755)
    return root


def test_each_image_builds_from_the_local_base_with_its_pins_and_gets_its_stable_name(
    repo: Path,
) -> None:
    engine = FakeEngine()
    built = services.build_service_images(engine, repo, BASES, PINS, say=lambda _: None)
    assert [b.image.output for b in built] == ["CUBE", "SEAWEEDFS", "CATALOG"]
    assert [b.local for b in built] == [
        PINS["LOCAL_CUBE_IMAGE"],
        PINS["LOCAL_SEAWEEDFS_IMAGE"],
        PINS["LOCAL_CATALOG_IMAGE"],
    ]
    assert engine.tags == [(b.ref, b.local) for b in built]
    cube, seaweedfs, catalog = engine.builds
    assert cube["build_args"] == {
        "DEBIAN_IMAGE": BASES["PYTHON_IMAGE"],
        "NPM_PACKAGE_VERSION": PINS["NPM_PACKAGE_VERSION"],
        "CUBE_NODE_VERSION": PINS["CUBE_NODE_VERSION"],
    }
    assert seaweedfs["build_args"] == {**BASES, "SEAWEEDFS_VERSION": PINS["SEAWEEDFS_VERSION"]}
    assert catalog["build_args"]["OPENJDK_PACKAGE_VERSION"] == PINS["OPENJDK_PACKAGE_VERSION"]
    assert cube["context"] == repo
    staged = catalog["context"]
    assert (staged / "iceberg-rest.jar").read_bytes() == b"PK jar"
    assert (staged / "Dockerfile").read_text() == "FROM catalog\n"
    assert catalog["dockerfile"] == staged / "Dockerfile"


def test_unchanged_images_are_not_rebuilt_but_a_new_jar_rebuilds_the_catalog(
    repo: Path, tmp_path: Path
) -> None:
    engine = FakeEngine()
    first = services.build_service_images(engine, repo, BASES, PINS, say=lambda _: None)
    again = services.build_service_images(engine, repo, BASES, PINS, say=lambda _: None)
    assert [b.built for b in again] == [False, False, False]
    assert [b.ref for b in again] == [b.ref for b in first]
    (tmp_path / "m2" / "iceberg-open-api-1.10.1.jar").write_bytes(b"PK other jar")
    third = services.build_service_images(engine, repo, BASES, PINS, say=lambda _: None)
    assert [b.built for b in third] == [False, False, True]


def test_a_failed_jar_fetch_is_an_infrastructure_error_naming_the_script(repo: Path) -> None:
    (repo / "scripts" / "catalog").write_text("#!/bin/sh\necho 'no mvn' >&2\nexit 3\n")
    with pytest.raises(InfrastructureError) as caught:
        services.build_service_images(
            FakeEngine(), repo, BASES, PINS, say=lambda _: None, images=(services.CATALOG,)
        )
    assert "scripts/catalog build failed (exit 3): no mvn" in caught.value.message
    assert caught.value.exit_code == 3


@pytest.mark.parametrize("image", services.SERVICE_IMAGES, ids=lambda i: i.output)
def test_dockerfile_arg_defaults_are_the_pins(image: services.ServiceImage) -> None:
    path = REPO / (services.CATALOG_DOCKERFILE if image.staged else image.spec.dockerfile)
    text = path.read_text()
    assert not re.search(r"^# *syntax", text, re.M)  # BuildKit would pull a frontend image
    for key in image.pins:
        (default,) = re.findall(rf"^ARG {key}=(\S+)$", text, re.M)
        assert default == PINS[key], (path.name, key)
    for arg in image.bases:
        assert re.search(rf"^ARG {arg}=", text, re.M), (path.name, arg)


def test_images_run_as_the_uids_the_chart_gives_them() -> None:
    values = yaml.safe_load((REPO / "charts/floe-platform/values.yaml").read_text())
    expected = {
        "cube.Dockerfile": values["cube"]["securityContext"],
        "seaweedfs.Dockerfile": values["seaweedfs"]["securityContext"],
        "catalog.Dockerfile": values["catalog"]["icebergRest"]["securityContext"],
    }
    for name, ids in expected.items():
        text = (REPO / "docker" / name).read_text()
        uid = re.findall(r"^ARG \w+_UID=(\d+)$", text, re.M)
        gid = re.findall(r"^ARG \w+_GID=(\d+)$", text, re.M)
        assert (int(uid[0]), int(gid[0])) == (ids["runAsUser"], ids["runAsGroup"]), name


@pytest.mark.parametrize("values_file", ["values-k8s-local.yaml", "values-kind-local.yaml"])
def test_local_values_name_the_stable_local_images(values_file: str) -> None:
    values = yaml.safe_load((REPO / "charts/floe-platform" / values_file).read_text())
    named = {
        "LOCAL_CUBE_IMAGE": values["cube"]["image"],
        "LOCAL_SEAWEEDFS_IMAGE": values["seaweedfs"]["image"],
        "LOCAL_CATALOG_IMAGE": values["catalog"]["icebergRest"]["image"],
        "LOCAL_POSTGRESQL_IMAGE": values["postgresql"]["image"],
    }
    for pin, image in named.items():
        assert f"{image['repository']}:{image['tag']}" == PINS[pin], pin

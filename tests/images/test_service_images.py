"""The full profile's service images (Cube, SeaweedFS, the catalog) as scripts/images builds
them: each runs as its non-root uid on a read-only root with no capabilities, writes nowhere
but its volumes, and answers its port the way the chart's probes ask."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from floe_testing.core.polling import wait_for_http
from floe_testing.images.services import BuiltService
from floe_testing.tools.docker import ContainerEngine

REPO = Path(__file__).resolve().parents[2]
HARDENED = ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]


@dataclass(frozen=True)
class Expect:
    user: str
    volumes: tuple[str, ...]  # tmpfs mounts the chart gives as emptyDirs
    env: tuple[str, ...]
    port: int
    path: str  # the chart's readiness probe


EXPECTED = {
    "CUBE": Expect(
        "1000:1000",
        ("/tmp",),
        (
            f"CUBEJS_API_SECRET={secrets.token_hex(24)}",
            "CUBEJS_DB_TYPE=duckdb",
            "CUBEJS_CACHE_AND_QUEUE_DRIVER=memory",
            "PORT=4000",
        ),
        4000,
        "/readyz",
    ),
    "SEAWEEDFS": Expect("1000:1000", ("/tmp", "/data"), (), 8333, "/healthz"),
    "CATALOG": Expect(
        "10000:10001",
        ("/tmp", "/var/lib/iceberg-rest"),
        ("CATALOG_WAREHOUSE=s3://floe/warehouse", "AWS_REGION=us-east-1"),
        8181,
        "/v1/config",
    ),
}


@pytest.fixture(scope="session")
def service_images(engine: ContainerEngine) -> dict[str, BuiltService]:
    from floe_testing.images.cli import build_services

    return {image.image.output: image for image in build_services(engine, REPO)}


def _docker(engine: ContainerEngine, *args: str, check: bool = True) -> str:
    result = engine.tool.run(list(args), timeout=300, check=check)
    return result.stdout + result.stderr


@pytest.fixture(params=sorted(EXPECTED))
def running(
    request: pytest.FixtureRequest, engine: ContainerEngine, service_images: dict[str, BuiltService]
) -> Iterator[tuple[str, str, str]]:
    """(output name, stable ref, container name) of a hardened container of the image."""
    output: str = request.param
    expect, ref = EXPECTED[output], service_images[output].local
    name = f"floe-images-{output.lower()}-{secrets.token_hex(3)}"
    uid, gid = expect.user.split(":")
    mounts = [arg for v in expect.volumes for arg in ("--tmpfs", f"{v}:uid={uid},gid={gid}")]
    env = [arg for e in expect.env for arg in ("--env", e)]
    _docker(engine, "run", "--detach", "--name", name, *HARDENED, *mounts, *env, ref)
    try:
        yield output, ref, name
    finally:
        _docker(engine, "rm", "--force", name, check=False)


def test_service_image_runs_non_root_on_a_read_only_root_and_answers_its_port(
    engine: ContainerEngine, running: tuple[str, str, str]
) -> None:
    output, ref, name = running
    expect = EXPECTED[output]
    assert _docker(engine, "image", "inspect", "--format", "{{.Config.User}}", ref).strip() == (
        expect.user
    )
    address = _docker(engine, "inspect", "--format", "{{.NetworkSettings.IPAddress}}", name).strip()
    response = wait_for_http(f"http://{address}:{expect.port}{expect.path}", timeout=120)
    assert response.status_code == 200
    assert _docker(engine, "exec", name, "id", "-u").strip() == expect.user.split(":")[0]
    refused = engine.tool.run(["exec", name, "touch", "/written"], timeout=60, check=False)
    assert refused.returncode != 0
    assert "Read-only file system" in refused.stderr

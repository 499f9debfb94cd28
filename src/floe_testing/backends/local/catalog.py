"""The local full profile's Iceberg REST catalog: Apache Iceberg's own ``RESTCatalogServer``.

Polaris cannot be assembled here (docs/catalog.md names the missing Maven coordinates), so the
local backend runs the REST catalog server that Apache Iceberg publishes as
``org.apache.iceberg:iceberg-open-api`` (a fat jar built by ``scripts/catalog build``) as a
stand-in for Polaris's Iceberg REST API. It speaks the same REST protocol; it has no
authentication, grants, management API or credential vending.

The server reads its catalog properties from ``CATALOG_*`` environment variables (``__`` becomes
``-``, ``_`` becomes ``.``, lower-cased: ``CATALOG_IO__IMPL`` is ``io-impl``) and logs them at
start, so the S3 secret is never a catalog property: the AWS SDK's default chain reads it from
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` instead. The metastore is Iceberg's
``JdbcCatalog`` on a SQLite *file* in the state dir, so a restarted server keeps its tables.

This module builds the launch (argv and env), answers readiness and starts the server under
the backend's ``ProcessSupervisor``, which ends it by process group.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from floe_testing.bootstrap.settings import CatalogBootstrap
from floe_testing.config.pins import pin
from floe_testing.core.errors import InfrastructureError
from floe_testing.core.polling import WaitTimeout, wait_for
from floe_testing.tools.processes import ManagedProcess, ProcessSupervisor

MAIN_CLASS = "org.apache.iceberg.rest.RESTCatalogServer"
# small heap, one GC thread, C1 only: starts in ~1.5 s and stays small on 2 shared cores
JVM_OPTIONS = ("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
WAREHOUSE_PREFIX = "warehouse"


@dataclass(frozen=True)
class S3Store:
    """Where Iceberg data files go: an S3-compatible store (SeaweedFS), path-style, no STS."""

    endpoint: str
    bucket: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    region: str = "us-east-1"

    @property
    def warehouse(self) -> str:
        return f"s3://{self.bucket}/{WAREHOUSE_PREFIX}"

    def pyiceberg_properties(self) -> dict[str, str]:
        """PyIceberg's FileIO settings for this store (the catalog vends no credentials)."""
        return {
            "py-io-impl": "pyiceberg.io.pyarrow.PyArrowFileIO",
            "s3.endpoint": self.endpoint,
            "s3.access-key-id": self.access_key_id,
            "s3.secret-access-key": self.secret_access_key,
            "s3.region": self.region,
            "s3.force-virtual-addressing": "false",
        }


@dataclass(frozen=True)
class RestCatalogLaunch:
    """The command line and environment that start one REST catalog server."""

    argv: tuple[str, ...]
    env: dict[str, str] = field(repr=False)
    port: int
    state_dir: Path
    s3: S3Store
    host: str = "127.0.0.1"

    @property
    def uri(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def metastore(self) -> Path:
        return self.state_dir / "catalog.db"

    def pyiceberg_properties(self) -> dict[str, str]:
        """Everything ``pyiceberg.catalog.rest.RestCatalog(name, **props)`` needs."""
        return {"uri": self.uri, **self.s3.pyiceberg_properties()}

    def bootstrap_settings(self, namespaces: tuple[str, ...]) -> CatalogBootstrap:
        """What ``floe_testing.bootstrap.catalog.bootstrap_catalog`` needs for this server."""
        return CatalogBootstrap(
            catalog_uri=self.uri,
            s3_endpoint=self.s3.endpoint,
            bucket=self.s3.bucket,
            access_key_id=self.s3.access_key_id,
            secret_access_key=self.s3.secret_access_key,
            region=self.s3.region,
            prefix=WAREHOUSE_PREFIX,
            namespaces=namespaces,
        )


def rest_catalog_jar(version: str | None = None) -> Path:
    """The pinned iceberg-open-api jar in the local Maven repository (``scripts/catalog build``)."""
    version = version or pin("ICEBERG_REST_VERSION")
    repo = Path(os.environ.get("MAVEN_REPO_LOCAL", Path.home() / ".m2" / "repository"))
    jar = repo / "org/apache/iceberg/iceberg-open-api" / version / f"iceberg-open-api-{version}.jar"
    if not jar.is_file():
        raise InfrastructureError(
            f"the Iceberg REST catalog jar {jar} is missing",
            "scripts/catalog build",
        )
    return jar


def java_binary() -> Path:
    """The pinned JVM (``ICEBERG_REST_JAVA_HOME``)."""
    java = Path(pin("ICEBERG_REST_JAVA_HOME")) / "bin" / "java"
    if not os.access(java, os.X_OK):
        raise InfrastructureError(
            f"no java at {java} (ICEBERG_REST_JAVA_HOME in pins/versions.env)",
            "apt-get install -y openjdk-17-jre-headless",
        )
    return java


def rest_catalog_launch(
    port: int,
    state_dir: Path,
    s3: S3Store,
    *,
    jar: Path | None = None,
    java: Path | None = None,
) -> RestCatalogLaunch:
    """Argv and env for a REST catalog on ``port`` whose metastore lives in ``state_dir``."""
    state_dir = state_dir.resolve()
    tmp = state_dir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    java = java or java_binary()
    argv = (
        str(java),
        *JVM_OPTIONS,
        f"-Djava.io.tmpdir={tmp}",
        "-cp",
        str(jar or rest_catalog_jar()),
        MAIN_CLASS,
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(state_dir),
        "JAVA_HOME": str(java.parent.parent),
        # catalog properties (logged by the server at start: never a secret here)
        "CATALOG_REST_PORT": str(port),
        "CATALOG_CATALOG__IMPL": "org.apache.iceberg.jdbc.JdbcCatalog",
        "CATALOG_URI": f"jdbc:sqlite:file:{state_dir / 'catalog.db'}",
        "CATALOG_JDBC_SCHEMA__VERSION": "V1",
        "CATALOG_WAREHOUSE": s3.warehouse,
        "CATALOG_IO__IMPL": "org.apache.iceberg.aws.s3.S3FileIO",
        "CATALOG_S3_ENDPOINT": s3.endpoint,
        "CATALOG_S3_PATH__STYLE__ACCESS": "true",
        # the AWS SDK's own settings: credentials, region, no IMDS, no shared config files
        "AWS_ACCESS_KEY_ID": s3.access_key_id,
        "AWS_SECRET_ACCESS_KEY": s3.secret_access_key,
        "AWS_REGION": s3.region,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(state_dir / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(state_dir / "aws-credentials"),
        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
        "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
    }
    return RestCatalogLaunch(argv=argv, env=env, port=port, state_dir=state_dir, s3=s3)


def catalog_config(uri: str, client: httpx.Client) -> dict[str, object] | None:
    """``GET /v1/config``: the catalog's answer when it serves the REST API, else None."""
    response = client.get(f"{uri}/v1/config")
    if response.status_code != 200:
        return None
    body = response.json()
    return body if isinstance(body, dict) and "defaults" in body else None


def wait_catalog_ready(
    uri: str, *, timeout: float, alive: Callable[[], bool] | None = None
) -> dict[str, object]:
    """Poll ``GET /v1/config`` until it answers; ``alive()`` false ends the wait early."""

    def attempt(client: httpx.Client) -> dict[str, object] | None:
        if alive is not None and not alive():
            raise InfrastructureError(f"the REST catalog for {uri} exited before it was ready")
        return catalog_config(uri, client)

    with httpx.Client(timeout=2.0) as client:
        try:
            return wait_for(
                lambda: attempt(client),
                timeout=timeout,
                interval=0.1,
                retry_on=(httpx.HTTPError, ValueError),
                description=f"GET {uri}/v1/config to answer",
            )
        except WaitTimeout as exc:
            raise InfrastructureError(str(exc), "read the catalog's log") from exc


def start_rest_catalog(
    supervisor: ProcessSupervisor, launch: RestCatalogLaunch, *, timeout: float = 60.0
) -> ManagedProcess:
    """Start the server under ``supervisor`` and return once ``GET /v1/config`` answers."""
    process = supervisor.start("iceberg-rest", launch.argv, launch.env, cwd=launch.state_dir)
    try:
        wait_catalog_ready(launch.uri, timeout=timeout, alive=process.alive)
    except InfrastructureError as exc:
        raise InfrastructureError(
            f"{exc.message}\n{process.log_tail()}", f"read {process.log_path}"
        ) from exc
    return process

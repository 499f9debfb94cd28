"""The contract's ``polaris`` service on the local backend: Iceberg's REST catalog server.

Polaris itself cannot be assembled from the Maven repository reachable here (docs/catalog.md),
so the local full profile serves the ``polaris`` contract entry with Apache Iceberg's
``RESTCatalogServer`` (``floe_testing.backends.local.catalog``): the same Iceberg REST API, data on
SeaweedFS, a SQLite metastore file; no OAuth, principals or grants. The tests that need those
carry the ``polaris_only`` marker; the pytest plugin deselects them, saying why, when
``FLOE_CATALOG_IMPLEMENTATION`` is ``iceberg-rest`` (set here, as the chart's catalog-client
ConfigMap sets it for ``catalog.implementation=iceberg-rest``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from floe_testing.backends.local.catalog import RestCatalogLaunch, S3Store, rest_catalog_launch

CATALOG = "floe"
# what the suite must leave out against the stand-in (see the module docstring)
DESELECT_MARKER = "polaris_only"
IMPLEMENTATION_ENV = "FLOE_CATALOG_IMPLEMENTATION"
IMPLEMENTATION = "iceberg-rest"
LOCAL_NAME = "the catalog (Iceberg REST stand-in for polaris)"
STAND_IN_NOTE = (
    "polaris is served by Iceberg's REST catalog server here (Polaris cannot be built on this "
    f"machine; docs/catalog.md): tests marked {DESELECT_MARKER} (OAuth, principals, grants) are "
    "deselected and run where Polaris itself runs (the chart's catalog.implementation=polaris)"
)
AUTH_ENV = "FLOE_TEST_CATALOG_AUTH"
API_PATH_ENV = "POLARIS_API_PATH"


@dataclass(frozen=True)
class CatalogStandIn:
    launch: RestCatalogLaunch

    @property
    def port(self) -> int:
        return self.launch.port

    @property
    def uri(self) -> str:
        return self.launch.uri

    def test_env(self) -> dict[str, str]:
        """How tests reach it: the REST API at the server's root, no credentials (the keys of
        the chart's catalog-client ConfigMap for iceberg-rest)."""
        return {
            API_PATH_ENV: "",
            AUTH_ENV: "none",
            IMPLEMENTATION_ENV: IMPLEMENTATION,
            "POLARIS_CATALOG": CATALOG,
        }


def prepare(root: Path, port: int, s3: S3Store) -> CatalogStandIn:
    return CatalogStandIn(rest_catalog_launch(port, root, s3))

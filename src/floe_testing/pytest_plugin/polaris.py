"""PyIceberg's REST catalog pointed at Polaris, and a namespace that is really dropped.

Polaris serves the Iceberg REST API under ``/api/catalog`` and issues OAuth tokens for a
principal's client credentials (scope ``PRINCIPAL_ROLE:ALL``). Polaris refuses to drop a
namespace that still holds tables or views, so cleanup drops those first; a purge may be
forbidden by the catalog's settings, so a plain drop is the fallback. Cleanup that fails is an
error, never a silent no-op: leftovers would pile up in a shared catalog.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from floe_testing.config.endpoints import service

if TYPE_CHECKING:
    from pyiceberg.catalog.rest import RestCatalog

CLIENT_ID_ENV = "POLARIS_CLIENT_ID"
CLIENT_SECRET_ENV = "POLARIS_CLIENT_SECRET"  # noqa: S105 - a variable name
# a principal the bootstrap creates without any grant (the e2e suite proves it is denied)
NO_GRANTS_ID_ENV = "POLARIS_NO_GRANTS_CLIENT_ID"
NO_GRANTS_SECRET_ENV = "POLARIS_NO_GRANTS_CLIENT_SECRET"  # noqa: S105 - a variable name
CATALOG_ENV = "POLARIS_CATALOG"
DEFAULT_CATALOG = "floe"
API_PATH = "/api/catalog"
API_PATH_ENV = "POLARIS_API_PATH"
AUTH_ENV = "FLOE_TEST_CATALOG_AUTH"
SCOPE = "PRINCIPAL_ROLE:ALL"
# Object storage for table data when the catalog does not vend credentials (SeaweedFS).
S3_ENV = {"s3.access-key-id": "AWS_ACCESS_KEY_ID", "s3.secret-access-key": "AWS_SECRET_ACCESS_KEY"}


class CatalogConfigError(RuntimeError):
    """A variable the catalog needs is missing; names it and where it comes from."""


def catalog_properties(
    environ: Mapping[str, str] | None = None, credentials: tuple[str, str] | None = None
) -> dict[str, str]:
    """PyIceberg REST catalog properties from the service contract and the environment.

    ``credentials`` (client id, secret) replaces the contract's principal (e.g. the one without
    grants). With ``FLOE_TEST_CATALOG_AUTH=none`` (the local backend's Iceberg REST stand-in,
    docs/catalog.md) no token is requested.
    """
    env = os.environ if environ is None else environ
    uri = f"{service('polaris', environ=env).url}{env.get(API_PATH_ENV, API_PATH)}"
    properties = {
        "type": "rest",
        "uri": uri,
        "warehouse": env.get(CATALOG_ENV) or DEFAULT_CATALOG,
    }
    if env.get(AUTH_ENV) != "none":
        if credentials is None:
            missing = [name for name in (CLIENT_ID_ENV, CLIENT_SECRET_ENV) if not env.get(name)]
            if missing:
                raise CatalogConfigError(
                    f"{' and '.join(missing)} not set: the Polaris principal's credentials come "
                    "from the polaris-credentials Secret in a test Job; export them on a host"
                )
            credentials = (env[CLIENT_ID_ENV], env[CLIENT_SECRET_ENV])
        properties["oauth2-server-uri"] = f"{uri}/v1/oauth/tokens"
        properties["credential"] = ":".join(credentials)
        properties["scope"] = SCOPE
    if env.get(S3_ENV["s3.access-key-id"]):
        properties["s3.endpoint"] = service("seaweedfs", environ=env).url
        properties["s3.region"] = env.get("AWS_REGION") or "us-east-1"
        properties["s3.force-virtual-addressing"] = "false"
        properties.update({prop: env.get(var, "") for prop, var in S3_ENV.items()})
    return properties


def connect_catalog(
    environ: Mapping[str, str] | None = None, credentials: tuple[str, str] | None = None
) -> RestCatalog:
    """A REST catalog session against Polaris (fetches config and a token on creation)."""
    from pyiceberg.catalog.rest import RestCatalog

    properties = catalog_properties(environ, credentials)
    return RestCatalog(properties["warehouse"], **properties)


@dataclass(frozen=True)
class IsolatedCatalog:
    """A catalog and the namespace this test owns; ``table("x")`` gives ``(namespace, "x")``."""

    catalog: RestCatalog
    namespace: str

    def table(self, name: str) -> tuple[str, str]:
        return (self.namespace, name)


def drop_namespace_contents(catalog: RestCatalog, namespace: str) -> list[str]:
    """Drop every view and table in ``namespace``; returns what was dropped."""
    from pyiceberg.exceptions import BadRequestError, ForbiddenError, NoSuchNamespaceError

    dropped: list[str] = []
    try:
        views = catalog.list_views(namespace)
        tables = catalog.list_tables(namespace)
    except NoSuchNamespaceError:
        return dropped
    for view in views:
        catalog.drop_view(view)
        dropped.append(".".join(view))
    for table in tables:
        try:
            catalog.purge_table(table)
        except (BadRequestError, ForbiddenError, NotImplementedError):
            catalog.drop_table(table)
        dropped.append(".".join(table))
    return dropped


@contextmanager
def isolated_namespace(catalog: RestCatalog, namespace: str) -> Iterator[IsolatedCatalog]:
    """Create ``namespace``; on exit drop its tables, views and the namespace itself."""
    from pyiceberg.exceptions import NoSuchNamespaceError

    catalog.create_namespace(namespace, {"owner": "floe-test"})
    try:
        yield IsolatedCatalog(catalog, namespace)
    finally:
        drop_namespace_contents(catalog, namespace)
        with suppress(NoSuchNamespaceError):
            catalog.drop_namespace(namespace)

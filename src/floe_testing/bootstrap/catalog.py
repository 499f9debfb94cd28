"""``bootstrap_catalog``: the one idempotent bootstrap of the Iceberg catalog's state.

Order: the warehouse bucket; then, against Polaris only (``POLARIS_MANAGEMENT_URI`` set), the
realm-level work through its management API and Apache Polaris's own client (``polaris.py``:
catalog, principals, roles, grants); then the demo
namespaces through the Iceberg REST API, which Polaris and the local stand-in (Iceberg's
RESTCatalogServer, docs/catalog.md) both serve. Each service is awaited with a deadline, so the
chart's hook Job and the local backend can start it right after the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from urllib3.exceptions import HTTPError

from floe_testing.bootstrap.settings import SCOPE
from floe_testing.bootstrap.steps import Step
from floe_testing.bootstrap.storage import ensure_bucket
from floe_testing.core.errors import InfrastructureError
from floe_testing.core.polling import WaitTimeout, wait_for

if TYPE_CHECKING:
    from pyiceberg.catalog.rest import RestCatalog

    from floe_testing.bootstrap.settings import CatalogBootstrap

T = TypeVar("T")
# OSError: PyArrow's S3 and PyIceberg's requests; HTTPError: urllib3 under Polaris's client
_UNREACHABLE = (OSError, HTTPError)


def _await(action: Callable[[], T], description: str, timeout: float) -> T:
    """``action()`` retried while its service is unreachable (any result counts, even None)."""
    try:
        return wait_for(
            lambda: (action(),),
            timeout=timeout,
            interval=0.2,
            backoff=1.5,
            max_interval=2.0,
            retry_on=_UNREACHABLE,
            description=description,
        )[0]
    except WaitTimeout as exc:
        raise InfrastructureError(
            str(exc), "check that the service runs; rerunning the bootstrap is safe"
        ) from exc


def token_uri(settings: CatalogBootstrap) -> str:
    return f"{settings.catalog_uri}/v1/oauth/tokens"


def rest_catalog(settings: CatalogBootstrap) -> RestCatalog:
    """A PyIceberg session on the REST API: as Polaris's root principal, or unauthenticated."""
    from pyiceberg.catalog.rest import RestCatalog

    properties = {"uri": settings.catalog_uri}
    if settings.polaris is not None:
        root = settings.polaris.root
        properties |= {
            "warehouse": settings.catalog_name,
            "credential": f"{root.client_id}:{root.client_secret}",
            "scope": SCOPE,
            "oauth2-server-uri": token_uri(settings),
        }
        if settings.polaris.realm:
            properties["header.Polaris-Realm"] = settings.polaris.realm
    return RestCatalog(settings.catalog_name, **properties)


def ensure_namespaces(catalog: RestCatalog, namespaces: tuple[str, ...]) -> list[Step]:
    from pyiceberg.exceptions import NamespaceAlreadyExistsError

    existing = {tuple(ns) for ns in catalog.list_namespaces()}
    steps = []
    for name in namespaces:
        what = f"namespace {name}"
        if (name,) in existing:
            steps.append(Step(what, "exists"))
            continue
        try:
            catalog.create_namespace(name)
        except NamespaceAlreadyExistsError:
            steps.append(Step(what, "exists"))
        else:
            steps.append(Step(what, "created"))
    return steps


def bootstrap_catalog(
    settings: CatalogBootstrap,
    *,
    timeout: float = 180.0,
    report: Callable[[Step], None] = lambda step: None,
) -> list[Step]:
    """Ensure bucket, realm (Polaris only) and namespaces; returns what it found or did."""
    steps: list[Step] = []

    def record(new: Step | list[Step]) -> None:
        for step in new if isinstance(new, list) else [new]:
            steps.append(step)
            report(step)

    record(_await(lambda: ensure_bucket(settings), f"S3 at {settings.s3_endpoint}", timeout))
    if settings.polaris is not None:
        # imported here: the Iceberg REST stand-in (the local backend) never loads the client
        from floe_testing.bootstrap.polaris import PolarisAdmin, bootstrap_realm

        admin = PolarisAdmin(settings.polaris, settings.catalog_uri)
        _await(admin.login, f"Polaris's token endpoint {admin.token_uri}", timeout)
        record(bootstrap_realm(admin, settings))
    catalog = _await(
        lambda: rest_catalog(settings), f"the catalog at {settings.catalog_uri}", timeout
    )
    record(ensure_namespaces(catalog, settings.namespaces))
    return steps

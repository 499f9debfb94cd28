"""Polaris's realm through Apache Polaris's own Python client: ensure, never assume.

The client (``apache-polaris``, pinned in uv.lock) is generated from Polaris's OpenAPI specs:
its operations are Polaris's paths and its pydantic models are the bodies Polaris accepts and
answers with, so this module only decides *what* to ensure, never how a request looks. The
tests' fake Polaris (tests/unit/bootstrap/fake_polaris.py) reads and answers with the same
models, so a spec change that the bootstrap or the fake misses fails a test.

Every ``ensure_*`` reads first and writes only what is missing, so a second run sends no write
at all; a 409 from a write (another bootstrap won the race) counts as "exists".

A principal's credentials are the contract's (a Secret), not whatever Polaris generated: the
bootstrap checks them with a token request and resets them only when that fails. The client's
own exceptions print response bodies and headers, so none of them leaves this module: errors
carry the status and a redacted body only.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from typing import Any
from urllib.parse import quote

from apache_polaris.sdk import catalog as rest
from apache_polaris.sdk import management
from apache_polaris.sdk.management.exceptions import ConflictException, NotFoundException
from apache_polaris.sdk.management.models import (
    AddGrantRequest,
    AwsStorageConfigInfo,
    CatalogGrant,
    CatalogPrivilege,
    CatalogProperties,
    CatalogRole,
    CreateCatalogRequest,
    CreateCatalogRoleRequest,
    CreatePrincipalRequest,
    CreatePrincipalRoleRequest,
    GrantCatalogRoleRequest,
    GrantPrincipalRoleRequest,
    PolarisCatalog,
    Principal,
    PrincipalRole,
    ResetPrincipalRequest,
)
from pydantic import ValidationError

from floe_testing.bootstrap.settings import SCOPE, CatalogBootstrap, Credentials, PolarisRealm
from floe_testing.bootstrap.steps import Step
from floe_testing.core.errors import InfrastructureError

REALM_HEADER = "Polaris-Realm"
ROOT_PRINCIPAL_ROLE = "service_admin"
CATALOG_ADMIN_ROLE = "catalog_admin"
# what the pipeline does: namespaces and tables with their data, nothing about access control
PIPELINE_PRIVILEGES = (
    CatalogPrivilege.CATALOG_READ_PROPERTIES,
    CatalogPrivilege.NAMESPACE_FULL_METADATA,
    CatalogPrivilege.TABLE_FULL_METADATA,
    CatalogPrivilege.TABLE_READ_DATA,
    CatalogPrivilege.TABLE_WRITE_DATA,
)
_SECRET = re.compile(r'("(?:clientSecret|client_secret|access_token)"\s*:\s*")[^"]*(")')
_AGAIN = "read Polaris's log; rerunning the bootstrap is safe"


class PolarisError(InfrastructureError):
    """A management call failed with a status the bootstrap cannot treat as success."""


def _redacted(text: str | None) -> str:
    return _SECRET.sub(r"\1***\2", text or "")[:500]


def _path(*parts: str) -> str:
    return "/" + "/".join(quote(part, safe="") for part in parts)


def _unfit(method: str, what: str, exc: ValidationError) -> PolarisError:
    """Polaris answered with a body the client's model rejects: client and server disagree.
    Only field locations and reasons are shown; the rejected values may be credentials."""
    problems = "; ".join(
        f"{'.'.join(map(str, error['loc'])) or 'body'}: {error['msg']}"
        for error in exc.errors(include_input=False, include_url=False)
    )
    return PolarisError(
        f"{method} {what}: Polaris's answer does not fit apache-polaris "
        f"{version('apache-polaris')}'s model ({problems})",
        "run the Polaris version the client is generated for (uv.lock's apache-polaris)",
    )


@contextmanager
def _answered(method: str, what: str) -> Iterator[None]:
    """The client's failures as ``PolarisError``: status and redacted body, nothing else."""
    try:
        yield
    except (management.ApiException, rest.ApiException) as exc:
        raise PolarisError(
            f"{method} {what} failed: HTTP {exc.status} {_redacted(exc.body)}", _AGAIN
        ) from None
    except ValidationError as exc:
        raise _unfit(method, what, exc) from None


def _realm_header(realm: PolarisRealm) -> dict[str, Any]:
    return {"header_name": REALM_HEADER, "header_value": realm.realm} if realm.realm else {}


class PolarisAdmin:
    """A logged-in management session (root principal) with idempotent ``ensure_*`` calls.

    ``retries=0``: the client does not retry behind the bootstrap's back; the bootstrap's own
    bounded wait (``catalog._await``) decides how long an unreachable Polaris is waited for.
    """

    def __init__(self, realm: PolarisRealm, catalog_uri: str, *, timeout: float = 30.0) -> None:
        self.realm = realm
        self.token_uri = f"{catalog_uri}/v1/oauth/tokens"
        self.timeout = float(timeout)
        tokens = rest.Configuration(host=catalog_uri, retries=0)
        self._oauth = rest.IcebergOAuth2API(rest.ApiClient(tokens, **_realm_header(realm)))
        self._session: management.PolarisDefaultApi | None = None

    # --- OAuth ---------------------------------------------------------------------------
    def token(self, credentials: Credentials) -> str | None:
        """An access token for ``credentials``, or None when Polaris refuses them."""
        try:
            with warnings.catch_warnings():
                # Iceberg's spec marks oauth/tokens deprecated; Polaris's token broker serves it
                warnings.simplefilter("ignore", DeprecationWarning)
                answer = self._oauth.get_token(
                    grant_type="client_credentials",
                    client_id=credentials.client_id,
                    client_secret=credentials.client_secret,
                    scope=SCOPE,
                    _request_timeout=self.timeout,
                )
        except rest.ApiException as exc:
            if exc.status in (400, 401, 403):
                return None
            raise PolarisError(
                f"POST the token endpoint failed: HTTP {exc.status} {_redacted(exc.body)}", _AGAIN
            ) from None
        except ValidationError as exc:
            raise _unfit("POST", "the token endpoint", exc) from None
        return answer.access_token or None

    def login(self) -> None:
        token = self.token(self.realm.root)
        if token is None:
            raise PolarisError(
                f"Polaris refused the root credentials at {self.token_uri}",
                "check the polaris-credentials Secret (POLARIS_CLIENT_ID/POLARIS_CLIENT_SECRET)",
            )
        config = management.Configuration(
            host=self.realm.management_uri, access_token=token, retries=0
        )
        client = management.ApiClient(config, **_realm_header(self.realm))
        self._session = management.PolarisDefaultApi(client)

    @property
    def api(self) -> management.PolarisDefaultApi:
        if self._session is None:
            raise RuntimeError("PolarisAdmin.login() first")
        return self._session

    # --- reads and writes with the bootstrap's semantics ---------------------------------
    def _exists(self, path: str, read: Callable[..., object], *args: object) -> bool:
        with _answered("GET", path):
            try:
                read(*args, _request_timeout=self.timeout)
            except NotFoundException:
                return False
        return True

    def _write(self, method: str, path: str, write: Callable[..., object], *args: object) -> str:
        with _answered(method, path):
            try:
                write(*args, _request_timeout=self.timeout)
            except ConflictException:
                return "exists"
        return "created"

    def _read(self, path: str, read: Callable[..., Any], *args: object) -> Any:
        with _answered("GET", path):
            return read(*args, _request_timeout=self.timeout)

    # --- entities ------------------------------------------------------------------------
    def ensure_catalog(self, settings: CatalogBootstrap) -> Step:
        name, location = settings.catalog_name, settings.location
        what, path = f"catalog {name}", _path("catalogs", name)
        if self._exists(path, self.api.get_catalog, name):
            return Step(what, "exists")
        catalog = PolarisCatalog(
            type="INTERNAL",
            name=name,
            properties=CatalogProperties(default_base_location=location),
            storage_config_info=AwsStorageConfigInfo(
                storage_type="S3",
                allowed_locations=[location],
                endpoint=settings.s3_endpoint,
                endpoint_internal=settings.s3_endpoint,
                path_style_access=True,
                sts_unavailable=True,
                region=settings.region,
            ),
        )
        request = CreateCatalogRequest(catalog=catalog)
        return Step(what, self._write("POST", "/catalogs", self.api.create_catalog, request))

    def ensure_principal(self, name: str, credentials: Credentials) -> list[Step]:
        what = f"principal {name}"
        if self._exists(_path("principals", name), self.api.get_principal, name):
            steps = [Step(what, "exists")]
        else:
            request = CreatePrincipalRequest(
                principal=Principal(name=name), credential_rotation_required=False
            )
            created = self._write("POST", "/principals", self.api.create_principal, request)
            steps = [Step(what, created)]
        if self.token(credentials) is not None:
            return [*steps, Step(f"{what} credentials", "exists")]
        reset = ResetPrincipalRequest(
            client_id=credentials.client_id, client_secret=credentials.client_secret
        )
        path = _path("principals", name, "reset")
        self._write("POST", path, self.api.reset_credentials, name, reset)
        return [*steps, Step(f"{what} credentials", "updated")]

    def ensure_principal_role(self, name: str) -> Step:
        what = f"principal role {name}"
        if self._exists(_path("principal-roles", name), self.api.get_principal_role, name):
            return Step(what, "exists")
        request = CreatePrincipalRoleRequest(principal_role=PrincipalRole(name=name))
        return Step(
            what, self._write("POST", "/principal-roles", self.api.create_principal_role, request)
        )

    def ensure_catalog_role(self, catalog: str, name: str) -> Step:
        what = f"catalog role {catalog}.{name}"
        path = _path("catalogs", catalog, "catalog-roles", name)
        if self._exists(path, self.api.get_catalog_role, catalog, name):
            return Step(what, "exists")
        request = CreateCatalogRoleRequest(catalog_role=CatalogRole(name=name))
        create = _path("catalogs", catalog, "catalog-roles")
        write = self.api.create_catalog_role
        return Step(what, self._write("POST", create, write, catalog, request))

    # --- assignments and grants ----------------------------------------------------------
    def ensure_principal_has_role(self, principal: str, role: str) -> Step:
        path = _path("principals", principal, "principal-roles")
        what = f"principal {principal} has role {role}"
        held = self._read(path, self.api.list_principal_roles_assigned, principal)
        if any(item.name == role for item in held.roles):
            return Step(what, "exists")
        request = GrantPrincipalRoleRequest(principal_role=PrincipalRole(name=role))
        assign = self.api.assign_principal_role
        return Step(what, self._write("PUT", path, assign, principal, request))

    def ensure_role_has_catalog_role(self, role: str, catalog: str, catalog_role: str) -> Step:
        path = _path("principal-roles", role, "catalog-roles", catalog)
        what = f"principal role {role} has catalog role {catalog}.{catalog_role}"
        held = self._read(path, self.api.list_catalog_roles_for_principal_role, role, catalog)
        if any(item.name == catalog_role for item in held.roles):
            return Step(what, "exists")
        request = GrantCatalogRoleRequest(catalog_role=CatalogRole(name=catalog_role))
        assign = self.api.assign_catalog_role_to_principal_role
        return Step(what, self._write("PUT", path, assign, role, catalog, request))

    def ensure_catalog_grants(
        self, catalog: str, catalog_role: str, privileges: Iterable[CatalogPrivilege]
    ) -> list[Step]:
        path = _path("catalogs", catalog, "catalog-roles", catalog_role, "grants")
        listed = self._read(path, self.api.list_grants_for_catalog_role, catalog, catalog_role)
        held = {grant.privilege for grant in listed.grants if isinstance(grant, CatalogGrant)}
        steps = []
        for privilege in privileges:
            what = f"catalog role {catalog}.{catalog_role} holds {privilege.value}"
            if privilege in held:
                steps.append(Step(what, "exists"))
                continue
            request = AddGrantRequest(grant=CatalogGrant(type="catalog", privilege=privilege))
            add = self.api.add_grant_to_catalog_role
            steps.append(Step(what, self._write("PUT", path, add, catalog, catalog_role, request)))
        return steps


def bootstrap_realm(admin: PolarisAdmin, settings: CatalogBootstrap) -> list[Step]:
    """The catalog, the root's admin role on it, the pipeline's principal with its grants, and
    a principal with no grants at all (the e2e deny scenario)."""
    realm = admin.realm
    catalog = settings.catalog_name
    steps = [admin.ensure_catalog(settings)]
    steps.append(
        admin.ensure_role_has_catalog_role(ROOT_PRINCIPAL_ROLE, catalog, CATALOG_ADMIN_ROLE)
    )
    steps += admin.ensure_principal(realm.pipeline_principal, realm.pipeline)
    steps.append(admin.ensure_principal_role(realm.pipeline_principal_role))
    steps.append(
        admin.ensure_principal_has_role(realm.pipeline_principal, realm.pipeline_principal_role)
    )
    steps.append(admin.ensure_catalog_role(catalog, realm.pipeline_catalog_role))
    steps.append(
        admin.ensure_role_has_catalog_role(
            realm.pipeline_principal_role, catalog, realm.pipeline_catalog_role
        )
    )
    steps += admin.ensure_catalog_grants(catalog, realm.pipeline_catalog_role, PIPELINE_PRIVILEGES)
    if realm.no_grants is not None:
        steps += admin.ensure_principal(realm.no_grants_principal, realm.no_grants)
    return steps

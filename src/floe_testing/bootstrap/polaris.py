"""Polaris's management API, as the bootstrap needs it: ensure, never assume.

Every ``ensure_*`` reads first and writes only what is missing, so a second run sends no write
at all; a 409 from a write (another bootstrap won the race) counts as "exists". Paths and bodies
follow Polaris's management OpenAPI spec (``spec/polaris-management-service.yml``, 1.3.0):

- ``POST /catalogs``                                   {"catalog": {...}}
- ``POST /principals``                                 {"principal": {"name"}, ...}
- ``POST /principals/{p}/reset``                       {"clientId", "clientSecret"}
- ``POST /principal-roles``                            {"principalRole": {"name"}}
- ``PUT  /principals/{p}/principal-roles``             {"principalRole": {"name"}}
- ``POST /catalogs/{c}/catalog-roles``                 {"catalogRole": {"name"}}
- ``PUT  /principal-roles/{r}/catalog-roles/{c}``      {"catalogRole": {"name"}}
- ``PUT  /catalogs/{c}/catalog-roles/{cr}/grants``     {"grant": {"type": "catalog", "privilege"}}

A principal's credentials are the contract's (a Secret), not whatever Polaris generated: the
bootstrap checks them with a token request and resets them only when that fails. Response
bodies that carry credentials are never logged or put into errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from floe_testing.bootstrap.settings import CatalogBootstrap, Credentials, PolarisRealm
from floe_testing.core.errors import InfrastructureError

SCOPE = "PRINCIPAL_ROLE:ALL"
ROOT_PRINCIPAL_ROLE = "service_admin"
CATALOG_ADMIN_ROLE = "catalog_admin"
# what the pipeline does: namespaces and tables with their data, nothing about access control
PIPELINE_PRIVILEGES = (
    "CATALOG_READ_PROPERTIES",
    "NAMESPACE_FULL_METADATA",
    "TABLE_FULL_METADATA",
    "TABLE_READ_DATA",
    "TABLE_WRITE_DATA",
)
_SECRET = re.compile(r'("(?:clientSecret|client_secret|access_token)"\s*:\s*")[^"]*(")')


@dataclass(frozen=True)
class Step:
    """One thing the bootstrap ensured and what it had to do: created, updated or exists."""

    what: str
    outcome: str

    def __str__(self) -> str:
        return f"{self.what}: {self.outcome}"


class PolarisError(InfrastructureError):
    """A management call failed with a status the bootstrap cannot treat as success."""


def _redacted(text: str) -> str:
    return _SECRET.sub(r"\1***\2", text)[:500]


def _path(*parts: str) -> str:
    return "/" + "/".join(quote(part, safe="") for part in parts)


class PolarisAdmin:
    """A logged-in management session (root principal) with idempotent ``ensure_*`` calls."""

    def __init__(self, realm: PolarisRealm, token_uri: str, client: httpx.Client) -> None:
        self.realm = realm
        self.token_uri = token_uri
        self.client = client
        self.headers = {"Polaris-Realm": realm.realm} if realm.realm else {}

    # --- OAuth ---------------------------------------------------------------------------
    def token(self, credentials: Credentials) -> str | None:
        """An access token for ``credentials``, or None when Polaris refuses them."""
        response = self.client.post(
            self.token_uri,
            data={
                "grant_type": "client_credentials",
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
                "scope": SCOPE,
            },
            headers=self.headers,
        )
        if response.status_code in (400, 401, 403):
            return None
        self._check(response, "POST", "the token endpoint")
        token = response.json().get("access_token")
        return token if isinstance(token, str) and token else None

    def login(self) -> None:
        token = self.token(self.realm.root)
        if token is None:
            raise PolarisError(
                f"Polaris refused the root credentials at {self.token_uri}",
                "check the polaris-credentials Secret (POLARIS_CLIENT_ID/POLARIS_CLIENT_SECRET)",
            )
        self.headers = {**self.headers, "Authorization": f"Bearer {token}"}

    # --- HTTP ----------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return f"{self.realm.management_uri}{path}"

    def _check(self, response: httpx.Response, method: str, what: str) -> None:
        if response.is_success:
            return
        raise PolarisError(
            f"{method} {what} failed: HTTP {response.status_code} {_redacted(response.text)}",
            "read Polaris's log; rerunning the bootstrap is safe",
        )

    def _exists(self, path: str) -> bool:
        response = self.client.get(self._url(path), headers=self.headers)
        if response.status_code == 404:
            return False
        self._check(response, "GET", path)
        return True

    def _list(self, path: str, key: str) -> list[dict[str, object]]:
        response = self.client.get(self._url(path), headers=self.headers)
        self._check(response, "GET", path)
        items = response.json().get(key, [])
        return [item for item in items if isinstance(item, dict)]

    def _write(self, method: str, path: str, body: dict[str, object]) -> str:
        response = self.client.request(method, self._url(path), json=body, headers=self.headers)
        if response.status_code == 409:
            return "exists"
        self._check(response, method, path)
        return "created"

    def _ensure(self, what: str, path: str, create: str, body: dict[str, object]) -> Step:
        if self._exists(path):
            return Step(what, "exists")
        return Step(what, self._write("POST", create, body))

    # --- entities ------------------------------------------------------------------------
    def ensure_catalog(self, settings: CatalogBootstrap) -> Step:
        location = settings.location
        storage = {
            "storageType": "S3",
            "allowedLocations": [location],
            "endpoint": settings.s3_endpoint,
            "endpointInternal": settings.s3_endpoint,
            "pathStyleAccess": True,
            "stsUnavailable": True,
            "region": settings.region,
        }
        catalog = {
            "name": settings.catalog_name,
            "type": "INTERNAL",
            "properties": {"default-base-location": location},
            "storageConfigInfo": storage,
        }
        name = settings.catalog_name
        return self._ensure(
            f"catalog {name}", _path("catalogs", name), "/catalogs", {"catalog": catalog}
        )

    def ensure_principal(self, name: str, credentials: Credentials) -> list[Step]:
        body: dict[str, object] = {"principal": {"name": name}, "credentialRotationRequired": False}
        steps = [self._ensure(f"principal {name}", _path("principals", name), "/principals", body)]
        if self.token(credentials) is not None:
            steps.append(Step(f"principal {name} credentials", "exists"))
            return steps
        reset = {"clientId": credentials.client_id, "clientSecret": credentials.client_secret}
        response = self.client.post(
            self._url(_path("principals", name, "reset")), json=reset, headers=self.headers
        )
        self._check(response, "POST", _path("principals", name, "reset"))
        steps.append(Step(f"principal {name} credentials", "updated"))
        return steps

    def ensure_principal_role(self, name: str) -> Step:
        body: dict[str, object] = {"principalRole": {"name": name}}
        path = _path("principal-roles", name)
        return self._ensure(f"principal role {name}", path, "/principal-roles", body)

    def ensure_catalog_role(self, catalog: str, name: str) -> Step:
        body: dict[str, object] = {"catalogRole": {"name": name}}
        path = _path("catalogs", catalog, "catalog-roles", name)
        create = _path("catalogs", catalog, "catalog-roles")
        return self._ensure(f"catalog role {catalog}.{name}", path, create, body)

    # --- assignments and grants ----------------------------------------------------------
    def ensure_principal_has_role(self, principal: str, role: str) -> Step:
        path = _path("principals", principal, "principal-roles")
        what = f"principal {principal} has role {role}"
        if any(item.get("name") == role for item in self._list(path, "roles")):
            return Step(what, "exists")
        return Step(what, self._write("PUT", path, {"principalRole": {"name": role}}))

    def ensure_role_has_catalog_role(self, role: str, catalog: str, catalog_role: str) -> Step:
        path = _path("principal-roles", role, "catalog-roles", catalog)
        what = f"principal role {role} has catalog role {catalog}.{catalog_role}"
        if any(item.get("name") == catalog_role for item in self._list(path, "roles")):
            return Step(what, "exists")
        return Step(what, self._write("PUT", path, {"catalogRole": {"name": catalog_role}}))

    def ensure_catalog_grants(
        self, catalog: str, catalog_role: str, privileges: Iterable[str]
    ) -> list[Step]:
        path = _path("catalogs", catalog, "catalog-roles", catalog_role, "grants")
        held = {
            item.get("privilege")
            for item in self._list(path, "grants")
            if item.get("type") == "catalog"
        }
        steps = []
        for privilege in privileges:
            what = f"catalog role {catalog}.{catalog_role} holds {privilege}"
            if privilege in held:
                steps.append(Step(what, "exists"))
                continue
            grant: dict[str, object] = {"grant": {"type": "catalog", "privilege": privilege}}
            steps.append(Step(what, self._write("PUT", path, grant)))
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

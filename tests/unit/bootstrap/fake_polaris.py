"""A fake Polaris (management API and token endpoint) over HTTP, held to Polaris's own client.

It keeps Polaris's observable state (catalogs with their auto-created ``catalog_admin`` role,
principals with credentials, roles, assignments, grants) and answers with the statuses the
management spec documents: 201 on create, 409 when the entity exists, 404 when it does not, 401
for refused client credentials. It was written from the spec, not recorded from a running
Polaris: none runs on this machine.

What keeps it honest is Apache Polaris's Python client (``apache-polaris``, generated from the
spec, the one the bootstrap uses): every operation it serves is one of the client's
(``OPERATIONS``; test_fake_polaris.py checks method, path, request and response model against
the client's signatures), every request body is parsed with the operation's request model and
every answer it sends is validated with the response model (errors with ``IcebergErrorResponse``
and ``OAuthError``). A body the model rejects, or a field the model does not know, is a
*violation*: the request is answered 400 (the answer 500), and the fixture fails the test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apache_polaris.sdk.catalog.models import IcebergErrorResponse, OAuthError, OAuthTokenResponse
from apache_polaris.sdk.management import ApiClient, Configuration
from apache_polaris.sdk.management.models import (
    AddGrantRequest,
    Catalog,
    CatalogRole,
    CatalogRoles,
    CreateCatalogRequest,
    CreateCatalogRoleRequest,
    CreatePrincipalRequest,
    CreatePrincipalRoleRequest,
    GrantCatalogRoleRequest,
    GrantPrincipalRoleRequest,
    GrantResources,
    Principal,
    PrincipalRole,
    PrincipalRoles,
    PrincipalWithCredentials,
    ResetPrincipalRequest,
)
from pydantic import BaseModel, ValidationError
from werkzeug import Request, Response

CATALOG_API = "/api/catalog"
MANAGEMENT = "/api/management/v1"
ROOT_TOKEN = "root-token"  # the fake's own token


@dataclass(frozen=True)
class Operation:
    """One operation of Polaris's spec as the client names it, relative to its API's base."""

    name: str
    method: str
    path: str
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found else None


OPERATIONS = (
    Operation("get_catalog", "GET", "/catalogs/{catalogName}", None, Catalog),
    Operation("create_catalog", "POST", "/catalogs", CreateCatalogRequest, Catalog),
    Operation("get_principal", "GET", "/principals/{principalName}", None, Principal),
    Operation(
        "create_principal", "POST", "/principals", CreatePrincipalRequest, PrincipalWithCredentials
    ),
    Operation(
        "reset_credentials",
        "POST",
        "/principals/{principalName}/reset",
        ResetPrincipalRequest,
        PrincipalWithCredentials,
    ),
    Operation(
        "list_principal_roles_assigned",
        "GET",
        "/principals/{principalName}/principal-roles",
        None,
        PrincipalRoles,
    ),
    Operation(
        "assign_principal_role",
        "PUT",
        "/principals/{principalName}/principal-roles",
        GrantPrincipalRoleRequest,
    ),
    Operation(
        "get_principal_role", "GET", "/principal-roles/{principalRoleName}", None, PrincipalRole
    ),
    Operation(
        "create_principal_role",
        "POST",
        "/principal-roles",
        CreatePrincipalRoleRequest,
        PrincipalRole,
    ),
    Operation(
        "list_catalog_roles_for_principal_role",
        "GET",
        "/principal-roles/{principalRoleName}/catalog-roles/{catalogName}",
        None,
        CatalogRoles,
    ),
    Operation(
        "assign_catalog_role_to_principal_role",
        "PUT",
        "/principal-roles/{principalRoleName}/catalog-roles/{catalogName}",
        GrantCatalogRoleRequest,
    ),
    Operation(
        "get_catalog_role",
        "GET",
        "/catalogs/{catalogName}/catalog-roles/{catalogRoleName}",
        None,
        CatalogRole,
    ),
    Operation(
        "create_catalog_role",
        "POST",
        "/catalogs/{catalogName}/catalog-roles",
        CreateCatalogRoleRequest,
        CatalogRole,
    ),
    Operation(
        "list_grants_for_catalog_role",
        "GET",
        "/catalogs/{catalogName}/catalog-roles/{catalogRoleName}/grants",
        None,
        GrantResources,
    ),
    Operation(
        "add_grant_to_catalog_role",
        "PUT",
        "/catalogs/{catalogName}/catalog-roles/{catalogRoleName}/grants",
        AddGrantRequest,
    ),
)
# the catalog API's token endpoint (Polaris's token broker), form-encoded
TOKEN = Operation("get_token", "POST", "/v1/oauth/tokens", None, OAuthTokenResponse)
TOKEN_PATH = CATALOG_API + TOKEN.path
_WIRE = ApiClient(Configuration())  # the client's own model -> JSON conversion
_ERROR_TYPES = {404: "NotFoundException", 409: "AlreadyExistsException"}


def conformance(model: type[BaseModel], body: object) -> list[str]:
    """Why ``body`` is not a ``model`` on the wire: rejected, or a field dropped or changed
    on the way through the model (a name the spec does not have). Empty when it is one."""
    try:
        parsed = model.from_dict(body)
    except (ValidationError, ValueError, KeyError, TypeError) as exc:
        return [f"{model.__name__} rejects it: {exc}"]
    wire = _WIRE.sanitize_for_serialization(parsed)
    return [f"{model.__name__}: {problem}" for problem in _differences(body, wire, "")]


def _differences(sent: object, kept: object, where: str) -> list[str]:
    if isinstance(sent, dict) and isinstance(kept, dict):
        problems = []
        for key, value in sent.items():
            if key not in kept:
                problems.append(f"unknown field {where}{key}")
            else:
                problems += _differences(value, kept[key], f"{where}{key}.")
        return problems
    if isinstance(sent, list) and isinstance(kept, list) and len(sent) == len(kept):
        pairs = enumerate(zip(sent, kept, strict=True))
        return [p for i, (a, b) in pairs for p in _differences(a, b, f"{where}{i}.")]
    return [] if sent == kept else [f"{where.rstrip('.')} {sent!r} became {kept!r}"]


@dataclass(frozen=True)
class Seen:
    """A request the fake received: method, path, parsed body (JSON or form), realm header."""

    method: str
    path: str
    body: object
    realm: str | None = None


Answer = tuple[int, object]


@dataclass
class FakePolaris:
    root: tuple[str, str]
    catalogs: dict[str, dict[str, Any]] = field(default_factory=dict)
    catalog_roles: dict[str, set[str]] = field(default_factory=dict)
    principals: dict[str, tuple[str, str]] = field(default_factory=dict)
    principal_roles: set[str] = field(default_factory=lambda: {"service_admin"})
    assigned: dict[str, set[str]] = field(default_factory=dict)
    role_catalog_roles: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    grants: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    # a test's misbehaving Polaris: (method, path) -> an answer sent as it is, or None
    override: Callable[[str, str], Answer | None] | None = None
    generated: int = 0

    @property
    def writes(self) -> list[tuple[str, str, object]]:
        return [
            (seen.method, seen.path, seen.body)
            for seen in self.requests
            if seen.method != "GET" and seen.path != TOKEN_PATH
        ]

    # --- HTTP ------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path, method = request.path, request.method
        form = (request.content_type or "").startswith("application/x-www-form-urlencoded")
        body: object = dict(request.form) if form else request.get_json(silent=True)
        self.requests.append(Seen(method, path, body, request.headers.get("Polaris-Realm")))
        if self.override is not None and (answer := self.override(method, path)) is not None:
            return _response(*answer)
        if path == TOKEN_PATH and method == TOKEN.method:
            status, payload = self._get_token(body if isinstance(body, dict) else {})
            model = TOKEN.response if status == 200 else OAuthError
            return self._checked(status, payload, model)
        if request.headers.get("Authorization") != f"Bearer {ROOT_TOKEN}":
            return self._error(401, "NotAuthorizedException", "unauthorized")
        for operation in OPERATIONS:
            params = operation.match(method, path.removeprefix(MANAGEMENT))
            if params is not None and path.startswith(MANAGEMENT):
                return self._serve(operation, params, body)
        return self._error(405, "NotSupportedException", f"the fake has no {method} {path}")

    def _serve(self, operation: Operation, params: dict[str, str], body: object) -> Response:
        parsed = None
        if operation.request is not None:
            problems = conformance(operation.request, body)
            if problems:
                self.violations += [f"{operation.name} request: {p}" for p in problems]
                return self._error(400, "BadRequestException", "; ".join(problems))
            parsed = operation.request.from_dict(body)
        status, payload = getattr(self, f"_{operation.name}")(params, parsed)
        if not 200 <= status < 300:
            return self._error(status, _ERROR_TYPES[status], "")
        return self._checked(status, payload, operation.response if payload is not None else None)

    def _checked(self, status: int, payload: object, model: type[BaseModel] | None) -> Response:
        problems = conformance(model, payload) if model is not None else []
        if problems:
            self.violations += [f"answer {status}: {p}" for p in problems]
            return _response(500, None)
        return _response(status, payload)

    def _error(self, status: int, kind: str, message: str) -> Response:
        error = {"error": {"message": message or kind, "type": kind, "code": status}}
        return self._checked(status, error, IcebergErrorResponse)

    # --- token broker ------------------------------------------------------------------------
    def _get_token(self, form: dict[str, str]) -> Answer:
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        pair = (form.get("client_id"), form.get("client_secret"))
        if pair == self.root:
            return 200, {"access_token": ROOT_TOKEN, "token_type": "bearer", "expires_in": 3600}
        if pair in self.principals.values():
            return 200, {"access_token": "other", "token_type": "bearer"}
        return 401, {"error": "unauthorized_client", "error_description": "bad credentials"}

    # --- operations, one per entry of OPERATIONS --------------------------------------------
    def _get_catalog(self, params: dict[str, str], _: None) -> Answer:
        name = params["catalogName"]
        return (200, self.catalogs[name]) if name in self.catalogs else (404, None)

    def _create_catalog(self, _: dict[str, str], request: CreateCatalogRequest) -> Answer:
        catalog = _WIRE.sanitize_for_serialization(request.catalog)
        if catalog["name"] in self.catalogs:
            return 409, None
        self.catalogs[catalog["name"]] = catalog
        self.catalog_roles[catalog["name"]] = {"catalog_admin"}
        return 201, catalog

    def _get_principal(self, params: dict[str, str], _: None) -> Answer:
        name = params["principalName"]
        if name not in self.principals:
            return 404, None
        return 200, {"name": name, "clientId": self.principals[name][0]}

    def _create_principal(self, _: dict[str, str], request: CreatePrincipalRequest) -> Answer:
        assert request.principal is not None
        name = request.principal.name
        if name in self.principals:
            return 409, None
        self.generated += 1
        self.principals[name] = (f"gen-{self.generated}", f"generated-secret-{self.generated}")
        return 201, self._with_credentials(name)

    def _reset_credentials(self, params: dict[str, str], request: ResetPrincipalRequest) -> Answer:
        name = params["principalName"]
        if name not in self.principals:
            return 404, None
        assert request.client_id is not None
        assert request.client_secret is not None
        self.principals[name] = (request.client_id, request.client_secret.get_secret_value())
        return 200, self._with_credentials(name)

    def _with_credentials(self, name: str) -> dict[str, object]:
        client_id, secret = self.principals[name]
        return {
            "principal": {"name": name, "clientId": client_id},
            "credentials": {"clientId": client_id, "clientSecret": secret},
        }

    def _list_principal_roles_assigned(self, params: dict[str, str], _: None) -> Answer:
        roles = sorted(self.assigned.get(params["principalName"], set()))
        return 200, {"roles": [{"name": role} for role in roles]}

    def _assign_principal_role(
        self, params: dict[str, str], request: GrantPrincipalRoleRequest
    ) -> Answer:
        assert request.principal_role is not None
        if request.principal_role.name not in self.principal_roles:
            return 404, None
        self.assigned.setdefault(params["principalName"], set()).add(request.principal_role.name)
        return 201, None

    def _get_principal_role(self, params: dict[str, str], _: None) -> Answer:
        name = params["principalRoleName"]
        return (200, {"name": name}) if name in self.principal_roles else (404, None)

    def _create_principal_role(
        self, _: dict[str, str], request: CreatePrincipalRoleRequest
    ) -> Answer:
        assert request.principal_role is not None
        name = request.principal_role.name
        if name in self.principal_roles:
            return 409, None
        self.principal_roles.add(name)
        return 201, {"name": name}

    def _list_catalog_roles_for_principal_role(self, params: dict[str, str], _: None) -> Answer:
        role, catalog = params["principalRoleName"], params["catalogName"]
        if role not in self.principal_roles or catalog not in self.catalogs:
            return 404, None
        held = sorted(self.role_catalog_roles.get((role, catalog), set()))
        return 200, {"roles": [{"name": name} for name in held]}

    def _assign_catalog_role_to_principal_role(
        self, params: dict[str, str], request: GrantCatalogRoleRequest
    ) -> Answer:
        role, catalog = params["principalRoleName"], params["catalogName"]
        assert request.catalog_role is not None
        if role not in self.principal_roles or catalog not in self.catalogs:
            return 404, None
        self.role_catalog_roles.setdefault((role, catalog), set()).add(request.catalog_role.name)
        return 201, None

    def _get_catalog_role(self, params: dict[str, str], _: None) -> Answer:
        name = params["catalogRoleName"]
        found = name in self.catalog_roles.get(params["catalogName"], set())
        return (200, {"name": name}) if found else (404, None)

    def _create_catalog_role(
        self, params: dict[str, str], request: CreateCatalogRoleRequest
    ) -> Answer:
        assert request.catalog_role is not None
        if params["catalogName"] not in self.catalogs:
            return 404, None
        roles = self.catalog_roles.setdefault(params["catalogName"], set())
        if request.catalog_role.name in roles:
            return 409, None
        roles.add(request.catalog_role.name)
        return 201, {"name": request.catalog_role.name}

    def _list_grants_for_catalog_role(self, params: dict[str, str], _: None) -> Answer:
        held = sorted(self.grants.get((params["catalogName"], params["catalogRoleName"]), set()))
        return 200, {"grants": [{"type": "catalog", "privilege": p} for p in held]}

    def _add_grant_to_catalog_role(
        self, params: dict[str, str], request: AddGrantRequest
    ) -> Answer:
        key = (params["catalogName"], params["catalogRoleName"])
        if key[1] not in self.catalog_roles.get(key[0], set()):
            return 404, None
        grant = _WIRE.sanitize_for_serialization(request.grant)
        self.grants.setdefault(key, set()).add(grant["privilege"])
        return 201, None


def _response(status: int, payload: object) -> Response:
    if payload is None:
        return Response(status=status)
    return Response(json.dumps(payload), status=status, content_type="application/json")

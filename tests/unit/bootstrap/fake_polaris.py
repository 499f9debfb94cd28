"""A recorded-behaviour fake of Polaris's management API and token endpoint (httpx transport).

It keeps Polaris's observable state (catalogs with their auto-created ``catalog_admin`` role,
principals with credentials, roles, assignments, grants) and answers with the statuses the
management spec (``spec/polaris-management-service.yml``, 1.3.0) documents: 201 on create, 409
when the entity exists, 404 when it does not, 401 for refused client credentials. It was written
from the spec, not recorded from a running Polaris: none runs on this machine.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx

TOKEN_PATH = "/api/catalog/v1/oauth/tokens"
MANAGEMENT = "/api/management/v1"


@dataclass
class FakePolaris:
    root: tuple[str, str]
    catalogs: dict[str, dict[str, object]] = field(default_factory=dict)
    catalog_roles: dict[str, set[str]] = field(default_factory=dict)
    principals: dict[str, tuple[str, str]] = field(default_factory=dict)
    principal_roles: set[str] = field(default_factory=lambda: {"service_admin"})
    assigned: dict[str, set[str]] = field(default_factory=dict)
    role_catalog_roles: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    grants: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    requests: list[tuple[str, str, object]] = field(default_factory=list)
    generated: int = 0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @property
    def writes(self) -> list[tuple[str, str, object]]:
        return [r for r in self.requests if r[0] != "GET" and r[1] != TOKEN_PATH]

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.path)
        body: object = None
        if request.content and request.headers.get("content-type", "").startswith(
            "application/json"
        ):
            body = json.loads(request.content)
        self.requests.append((request.method, path, body))
        if path == TOKEN_PATH:
            return self._token(request)
        if request.headers.get("authorization") != "Bearer root-token":
            return httpx.Response(401, json={"error": {"message": "unauthorized"}})
        return self._route(request.method, path.removeprefix(MANAGEMENT), body)

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        pair = (form.get("client_id"), form.get("client_secret"))
        if pair == self.root:
            return httpx.Response(200, json={"access_token": "root-token", "token_type": "bearer"})
        if pair in self.principals.values():
            return httpx.Response(200, json={"access_token": "other", "token_type": "bearer"})
        return httpx.Response(401, json={"error": "unauthorized_client"})

    def _route(self, method: str, path: str, body: Any) -> httpx.Response:
        if m := re.fullmatch(r"/catalogs/([^/]+)", path):
            return _found(m[1] in self.catalogs, self.catalogs.get(m[1]))
        if path == "/catalogs" and method == "POST":
            catalog = body["catalog"]
            return self._create(
                self.catalogs, catalog["name"], catalog, lambda: self._admin(catalog["name"])
            )
        if m := re.fullmatch(r"/principals/([^/]+)", path):
            return _found(m[1] in self.principals, {"name": m[1]})
        if path == "/principals" and method == "POST":
            name = body["principal"]["name"]
            if name in self.principals:
                return httpx.Response(409, json={"error": {"message": "exists"}})
            self.generated += 1
            creds = (f"gen-{self.generated}", f"generated-secret-{self.generated}")
            self.principals[name] = creds
            return httpx.Response(
                201,
                json={
                    "principal": {"name": name},
                    "credentials": {"clientId": creds[0], "clientSecret": creds[1]},
                },
            )
        if m := re.fullmatch(r"/principals/([^/]+)/reset", path):
            self.principals[m[1]] = (body["clientId"], body["clientSecret"])
            return httpx.Response(200, json={"credentials": {"clientSecret": body["clientSecret"]}})
        if m := re.fullmatch(r"/principals/([^/]+)/principal-roles", path):
            roles = self.assigned.setdefault(m[1], set())
            if method == "PUT":
                roles.add(body["principalRole"]["name"])
                return httpx.Response(201)
            return httpx.Response(200, json={"roles": [{"name": r} for r in sorted(roles)]})
        if m := re.fullmatch(r"/principal-roles/([^/]+)", path):
            return _found(m[1] in self.principal_roles, {"name": m[1]})
        if path == "/principal-roles" and method == "POST":
            name = body["principalRole"]["name"]
            if name in self.principal_roles:
                return httpx.Response(409)
            self.principal_roles.add(name)
            return httpx.Response(201, json={"name": name})
        if m := re.fullmatch(r"/principal-roles/([^/]+)/catalog-roles/([^/]+)", path):
            if m[1] not in self.principal_roles or m[2] not in self.catalogs:
                return httpx.Response(404)
            held = self.role_catalog_roles.setdefault((m[1], m[2]), set())
            if method == "PUT":
                held.add(body["catalogRole"]["name"])
                return httpx.Response(201)
            return httpx.Response(200, json={"roles": [{"name": r} for r in sorted(held)]})
        if m := re.fullmatch(r"/catalogs/([^/]+)/catalog-roles/([^/]+)/grants", path):
            held = self.grants.setdefault((m[1], m[2]), set())
            if method == "PUT":
                held.add(body["grant"]["privilege"])
                return httpx.Response(201)
            return httpx.Response(
                200, json={"grants": [{"type": "catalog", "privilege": p} for p in sorted(held)]}
            )
        if m := re.fullmatch(r"/catalogs/([^/]+)/catalog-roles/([^/]+)", path):
            return _found(m[2] in self.catalog_roles.get(m[1], set()), {"name": m[2]})
        if m := re.fullmatch(r"/catalogs/([^/]+)/catalog-roles", path):
            name = body["catalogRole"]["name"]
            roles = self.catalog_roles.setdefault(m[1], set())
            if name in roles:
                return httpx.Response(409)
            roles.add(name)
            return httpx.Response(201, json={"name": name})
        return httpx.Response(405, json={"error": f"fake has no {method} {path}"})

    def _admin(self, catalog: str) -> None:
        self.catalog_roles[catalog] = {"catalog_admin"}

    def _create(
        self,
        store: dict[str, dict[str, object]],
        name: str,
        entity: dict[str, object],
        after: object,
    ) -> httpx.Response:
        if name in store:
            return httpx.Response(409, json={"error": {"message": "exists"}})
        store[name] = entity
        if callable(after):
            after()
        return httpx.Response(201, json=entity)


def _found(exists: bool, entity: object) -> httpx.Response:
    return (
        httpx.Response(200, json=entity)
        if exists
        else httpx.Response(404, json={"error": {"code": 404}})
    )

"""Local HTTP servers speaking the documented API subsets the plugin's fixtures use.

- Polaris / Iceberg REST catalog: OAuth client-credentials token, ``/v1/config``, namespaces,
  table and view listing and deletion (a namespace with tables or views cannot be dropped,
  as in Polaris; purge can be forbidden, as with Polaris' DROP_WITH_PURGE_ENABLED=false).
- Cube REST API: ``/readyz``, ``/cubejs-api/v1/meta`` and ``/load`` with HS256 JWT checks and
  one "Continue wait" answer per new query.
- Dagster webserver: ``/server_info`` only (readiness of the ``dagster_client`` fixture).

Every server counts open connections so tests can prove a client was closed at teardown.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

import jwt


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], fake: FakeService) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.fake = fake


class FakeService:
    """Runs a handler in a thread; tracks open connections and requests."""

    handler: ClassVar[type[_Handler]]

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open_connections = 0
        self.requests: list[tuple[str, str]] = []
        self._server = _Server(self.handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeService:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def route(self, request: _Handler, method: str, path: str, query: dict[str, str]) -> None:
        raise NotImplementedError


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without NODELAY each reply waits ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.fake.lock:
            self.server.fake.open_connections += 1

    def finish(self) -> None:
        super().finish()
        with self.server.fake.lock:
            self.server.fake.open_connections -= 1

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status: int, payload: object = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        fake = self.server.fake
        with fake.lock:
            fake.requests.append((self.command, parts.path))
        fake.route(self, self.command, parts.path, query)

    do_GET = do_POST = do_DELETE = do_HEAD = _dispatch


def _error(request: _Handler, status: int, kind: str, message: str) -> None:
    request.reply(status, {"error": {"message": message, "type": kind, "code": status}})


@dataclass
class Namespace:
    tables: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)


class FakePolaris(FakeService):
    """Polaris' Iceberg REST API under /api/catalog, one catalog, one principal."""

    handler = _Handler
    catalog = "floe"
    client_id = "root"
    client_secret = "s3cr3t"
    ENDPOINTS = (
        "GET /v1/{prefix}/namespaces",
        "POST /v1/{prefix}/namespaces",
        "GET /v1/{prefix}/namespaces/{namespace}",
        "HEAD /v1/{prefix}/namespaces/{namespace}",
        "DELETE /v1/{prefix}/namespaces/{namespace}",
        "GET /v1/{prefix}/namespaces/{namespace}/tables",
        "DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}",
        "GET /v1/{prefix}/namespaces/{namespace}/views",
        "DELETE /v1/{prefix}/namespaces/{namespace}/views/{view}",
    )

    def __init__(self, purge_allowed: bool = True) -> None:
        super().__init__()
        self.purge_allowed = purge_allowed
        self.namespaces: dict[str, Namespace] = {}
        self.tokens: set[str] = set()
        self.purged: list[str] = []

    def route(self, request: _Handler, method: str, path: str, query: dict[str, str]) -> None:
        if path == "/q/health/ready":
            return request.reply(200, {"status": "UP"})
        path = path.removeprefix("/api/catalog")
        if method == "POST" and path == "/v1/oauth/tokens":
            return self._token(request)
        if method == "GET" and path == "/v1/config":
            if query.get("warehouse") != self.catalog:
                return _error(request, 404, "NotFoundException", "Unable to find warehouse")
            overrides = {"prefix": self.catalog}
            return request.reply(
                200, {"defaults": {}, "overrides": overrides, "endpoints": list(self.ENDPOINTS)}
            )
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.tokens:
            return _error(request, 401, "NotAuthorizedException", "missing or unknown token")
        match = re.fullmatch(
            rf"/v1/{self.catalog}/namespaces(?:/([^/]+))?(?:/(tables|views))?"
            r"(?:/([^/]+))?",
            path,
        )
        if not match:
            return _error(request, 404, "NotFoundException", f"no route {path}")
        namespace, kind, name = (unquote(g) if g else None for g in match.groups())
        with self.lock:
            return self._catalog(request, method, namespace, kind, name, query)

    def _token(self, request: _Handler) -> None:
        form = {k: v[-1] for k, v in parse_qs(request.body().decode()).items()}
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ) or form.get("grant_type") != "client_credentials":
            return request.reply(401, {"error": "invalid_client"})
        token = f"token-{len(self.tokens) + 1}-{form.get('scope', '')}"
        self.tokens.add(token)
        request.reply(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": 3600,
                "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
            },
        )

    def _catalog(
        self,
        request: _Handler,
        method: str,
        namespace: str | None,
        kind: str | None,
        name: str | None,
        query: dict[str, str],
    ) -> None:
        if namespace is None:
            if method == "POST":
                wanted = ".".join(json.loads(request.body())["namespace"])
                if wanted in self.namespaces:
                    return _error(request, 409, "AlreadyExistsException", wanted)
                self.namespaces[wanted] = Namespace()
                return request.reply(200, {"namespace": wanted.split("."), "properties": {}})
            return request.reply(200, {"namespaces": [[ns] for ns in self.namespaces]})
        entry = self.namespaces.get(namespace)
        if entry is None:
            return _error(request, 404, "NoSuchNamespaceException", namespace)
        if kind is None:
            if method == "DELETE":
                if entry.tables or entry.views:
                    return _error(request, 409, "NamespaceNotEmptyException", namespace)
                del self.namespaces[namespace]
                return request.reply(204)
            return request.reply(
                200 if method == "GET" else 204,
                {"namespace": [namespace], "properties": {}} if method == "GET" else None,
            )
        members = entry.tables if kind == "tables" else entry.views
        if name is None:
            listed = [{"namespace": [namespace], "name": n} for n in sorted(members)]
            return request.reply(200, {"identifiers": listed})
        if name not in members:
            return _error(request, 404, "NoSuchTableException", name)
        if kind == "tables" and query.get("purgeRequested") == "True":
            if not self.purge_allowed:
                return _error(request, 403, "ForbiddenException", "DROP_WITH_PURGE_ENABLED")
            self.purged.append(name)
        members.discard(name)
        return request.reply(204)


class FakeCube(FakeService):
    """Cube's REST API; tokens must be HS256 JWTs signed with ``secret``."""

    handler = _Handler
    secret = "cube-test-secret-signing-the-fake-jwts"
    META: ClassVar[dict[str, Any]] = {
        "cubes": [
            {
                "name": "daily_revenue",
                "measures": [{"name": "daily_revenue.count", "type": "count"}],
                "dimensions": [{"name": "daily_revenue.segment", "type": "string"}],
            }
        ]
    }

    def __init__(self) -> None:
        super().__init__()
        self.seen_queries: set[str] = set()
        self.claims: list[dict[str, Any]] = []

    def route(self, request: _Handler, method: str, path: str, query: dict[str, str]) -> None:
        if path == "/readyz":
            return request.reply(200, {"health": "HEALTH"})
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return request.reply(403, {"error": "Invalid token"})
        with self.lock:
            self.claims.append(claims)
        if method == "GET" and path == "/cubejs-api/v1/meta":
            return request.reply(200, self.META)
        if method == "POST" and path == "/cubejs-api/v1/load":
            wanted = json.loads(request.body())["query"]
            key = json.dumps(wanted, sort_keys=True)
            with self.lock:
                first = key not in self.seen_queries
                self.seen_queries.add(key)
            if first:
                return request.reply(200, {"error": "Continue wait"})
            rows = [{measure: "270"} for measure in wanted.get("measures", [])]
            return request.reply(200, {"query": wanted, "data": rows, "annotation": {}})
        return request.reply(404, {"error": f"no route {path}"})


class FakeDagster(FakeService):
    """The webserver's /server_info, enough for the dagster_client fixture's readiness."""

    handler = _Handler

    def route(self, request: _Handler, method: str, path: str, query: dict[str, str]) -> None:
        if path == "/server_info":
            return request.reply(200, {"dagster_webserver_version": "fake"})
        return request.reply(404, {"error": path})

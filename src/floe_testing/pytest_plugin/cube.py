"""A small Cube REST API client: JWT from the configured secret, ``/meta`` and ``/load``.

Cube authenticates REST calls with a JWT signed (HS256) by ``CUBE_API_SECRET``; the token is
sent as the ``Authorization`` header. A ``/load`` whose result is still being computed answers
``{"error": "Continue wait"}`` with status 200, so ``load`` polls until data arrives instead of
the caller sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx
import jwt

from floe_testing.core.polling import wait_for

API_SECRET_ENV = "CUBE_API_SECRET"  # noqa: S105 - a variable name, not a secret
API_PATH = "/cubejs-api/v1"
CONTINUE_WAIT = "Continue wait"


class CubeError(RuntimeError):
    """Cube answered with an error (bad query, rejected token, server failure)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(f"Cube answered {status}: {message}")
        self.status = status


def sign_token(secret: str, claims: Mapping[str, Any] | None = None, ttl: int = 3600) -> str:
    """An HS256 JWT for Cube's REST API; ``claims`` become Cube's security context."""
    now = int(time.time())
    payload = {"iat": now, "exp": now + ttl, **(claims or {})}
    return jwt.encode(payload, secret, algorithm="HS256")


class CubeClient:
    """REST calls against the Cube API at ``base_url`` with a freshly signed token."""

    def __init__(
        self,
        base_url: str,
        api_secret: str,
        *,
        claims: Mapping[str, Any] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            headers={"Authorization": sign_token(api_secret, claims)},
        )

    @property
    def closed(self) -> bool:
        return self._http.is_closed

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CubeClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            body = {"error": response.text[:500]}
        if response.status_code >= 400:
            raise CubeError(str(body.get("error", body)), response.status_code)
        return body

    def ready(self) -> bool:
        """True when Cube's ``/readyz`` answers 200 (it has loaded its data model)."""
        return self._http.get("/readyz").status_code == 200

    def meta(self) -> dict[str, Any]:
        """The data model: ``{"cubes": [{"name", "measures", "dimensions", ...}]}``."""
        return self._json(self._http.get(f"{API_PATH}/meta"))

    def measures(self) -> list[str]:
        """Every measure's full name (``cube.measure``) in the data model."""
        cubes = self.meta().get("cubes", [])
        return [measure["name"] for cube in cubes for measure in cube.get("measures", [])]

    def load(self, query: Mapping[str, Any], *, timeout: float = 60.0) -> list[dict[str, Any]]:
        """Run a query and return its rows, polling while Cube answers "Continue wait"."""

        def attempt() -> dict[str, Any] | None:
            body = self._json(self._http.post(f"{API_PATH}/load", json={"query": dict(query)}))
            if body.get("error") == CONTINUE_WAIT:
                return None
            if "error" in body:
                raise CubeError(str(body["error"]), 200)
            return body

        body = wait_for(
            attempt,
            timeout=timeout,
            interval=0.2,
            backoff=1.5,
            description=f"Cube to answer {dict(query)}",
            retry_on=(httpx.TransportError,),
        )
        rows: list[dict[str, Any]] = body.get("data", [])
        return rows

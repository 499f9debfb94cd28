"""Apache Polaris as a local JVM process, and its bootstrap (adapter over the Polaris build).

PLACEHOLDER until the Polaris build (branch i11a) is merged: the launch command, its
environment and the bootstrap call are wired here and only here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

REALM = "POLARIS"
CATALOG = "floe"


@dataclass(frozen=True)
class PrincipalCredentials:
    client_id: str
    client_secret: str

    @property
    def credential(self) -> str:
        return f"{self.client_id}:{self.client_secret}"


@dataclass(frozen=True)
class Principals:
    """What the bootstrap hands out: the pipeline's, the tests' and a principal with no grants."""

    pipeline: PrincipalCredentials
    tests: PrincipalCredentials
    no_grants: PrincipalCredentials


@dataclass(frozen=True)
class PolarisLayout:
    root: Path
    http_port: int
    management_port: int
    jdbc_url: str
    jdbc_user: str
    jdbc_password: str
    root_credentials: PrincipalCredentials
    host: str = "127.0.0.1"

    @classmethod
    def create(
        cls, root: Path, ports: tuple[int, int], jdbc: tuple[str, str, str]
    ) -> PolarisLayout:
        root_credentials = PrincipalCredentials("root", secrets.token_urlsafe(24))
        return cls(root, ports[0], ports[1], *jdbc, root_credentials)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def management_url(self) -> str:
        return f"http://{self.host}:{self.management_port}"


def ensure_built(project_root: Path) -> Path:
    raise NotImplementedError("Polaris build: waiting for branch i11a")


def command(layout: PolarisLayout, build: Path) -> tuple[list[str], dict[str, str]]:
    raise NotImplementedError("Polaris build: waiting for branch i11a")


def bootstrap(layout: PolarisLayout, s3_endpoint: str, s3_region: str) -> Principals:
    raise NotImplementedError("Polaris bootstrap: waiting for branch i11a")

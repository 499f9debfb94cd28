"""Where a service is, for test code: environment first, the contract's defaults next.

The same call works on a laptop against the local backend (which exports loopback
addresses) and inside a test Job (whose env carries cluster DNS names), so a suite never
spells a host or a port: ``service("dagster").url``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from floe_testing.config import load_project
from floe_testing.config.contract import find_service

DEFAULT_HOST = "localhost"


@dataclass(frozen=True)
class Endpoint:
    service: str
    host: str
    port: int
    scheme: str = "http"

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)


def resolve(
    name: str, port: str | None = None, environ: Mapping[str, str] | None = None
) -> Endpoint:
    """Resolve ``name`` (a service or alias of the contract) to host and port."""
    env = os.environ if environ is None else environ
    service = find_service(load_project().config, name)
    chosen = service.port(port)
    host = env.get(service.host_env or "", "") or DEFAULT_HOST
    raw_port = env.get(chosen.env, "")
    try:
        number = int(raw_port) if raw_port else chosen.port
    except ValueError:
        raise ValueError(f"{chosen.env}={raw_port!r} is not a port number") from None
    return Endpoint(service=service.name, host=host, port=number)


def service(
    name: str, port: str | None = None, *, environ: Mapping[str, str] | None = None
) -> Endpoint:
    """The endpoint of a contract service (or alias): ``service("dagster").url``.

    ``port`` names one of the service's ports (default: its first). The host comes from the
    service's host variable (e.g. ``DAGSTER_HOST``), the port from the port's variable (e.g.
    ``DAGSTER_PORT``); unset variables fall back to ``localhost`` and the contract's port.
    """
    return resolve(name, port, environ)

"""The service contract: which services a profile has, where they are, what tests read.

One source for the Job manifests (cluster DNS names), the chart checks, the local backend
(loopback addresses) and the tests' endpoint resolution, so a name can never drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from floe_testing.config.models import FloeTestConfig, LocalMode, SecretRef, Service, SettingRef


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str


def cluster_host(service: Service, namespace: str) -> str:
    """The in-cluster DNS name of a service in a namespace (one release per namespace)."""
    return f"{service.name}.{namespace}.svc.cluster.local"


def endpoint_env(
    services: Iterable[Service], host_of: Mapping[str, str], port_of: Mapping[tuple[str, str], int]
) -> list[EnvVar]:
    """Environment for tests: ``<HOST_ENV>`` and each port's ``<PORT_ENV>``.

    ``host_of`` maps a service name to its host; ``port_of`` maps (service, port name) to the
    port number where it differs from the contract's port (e.g. a free loopback port).
    """
    env: list[EnvVar] = []
    for service in services:
        if not service.ports or service.host_env is None:
            continue
        env.append(EnvVar(service.host_env, host_of[service.name]))
        for port in service.ports:
            env.append(EnvVar(port.env, str(port_of.get((service.name, port.name), port.port))))
    return env


def cluster_env(services: Iterable[Service], namespace: str) -> list[EnvVar]:
    """The contract's environment as a test Job in ``namespace`` sees it."""
    services = list(services)
    return endpoint_env(services, {s.name: cluster_host(s, namespace) for s in services}, {})


def secret_refs(services: Iterable[Service]) -> list[SecretRef]:
    return [ref for service in services for ref in service.secrets]


def setting_refs(services: Iterable[Service]) -> list[SettingRef]:
    return [ref for service in services for ref in service.settings]


def needs_cluster(services: Iterable[Service]) -> list[Service]:
    """Services the local backend cannot provide (they run as containers)."""
    return [s for s in services if s.local is LocalMode.CLUSTER]


def find_service(config: FloeTestConfig, name: str) -> Service:
    """A service by name or alias (``dagster`` -> ``dagster-webserver``)."""
    if name in config.services:
        return config.services[name]
    for service in config.services.values():
        if name in service.aliases:
            return service
    known = sorted([*config.services, *(a for s in config.services.values() for a in s.aliases)])
    raise KeyError(f"unknown service {name!r}; the contract has: {', '.join(known)}")

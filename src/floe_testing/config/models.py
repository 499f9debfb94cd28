"""Typed model of ``[tool.floe-test]``: tiers, profiles and the service contract.

Everything downstream (CLI, backends, Job manifests, chart checks, endpoint resolution)
reads these models; nothing else parses the TOML.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")

BackendName = Literal["local", "kind", "cluster"]
BACKEND_NAMES: tuple[BackendName, ...] = ("local", "kind", "cluster")
# backends that run a suite as one local pytest process (no Job pods to spread shards over)
SINGLE_PROCESS_BACKENDS: frozenset[BackendName] = frozenset({"local"})
# the backend a scheduled run (the staging CronJob on a persistent cluster) is recorded under
SCHEDULED_BACKEND: BackendName = "cluster"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class LocalMode(StrEnum):
    """How the local backend provides a service."""

    PROCESS = "process"
    EMBEDDED = "embedded"
    CLUSTER = "cluster"


class Port(_Model):
    name: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=15)]
    port: Annotated[int, Field(ge=1, le=65535)]
    env: str

    @field_validator("env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not ENV_NAME.match(value):
            raise ValueError(f"{value!r} is not an environment variable name (A-Z, 0-9, _)")
        return value


class HealthCheck(_Model):
    """TCP check on ``port``; an HTTP GET when ``path`` is set."""

    port: str
    path: str | None = None


class SecretRef(_Model):
    """An environment variable a test reads, filled from a Kubernetes Secret key."""

    env: str
    secret: str
    key: str


class SettingRef(_Model):
    """An environment variable a test reads, filled from a key of a ConfigMap the chart writes
    (optional: a platform without it leaves the variable unset, and the test's default holds).
    How to talk to a service when that depends on the deployment, not on the test: e.g. the
    catalog's API path, which differs between Polaris and Iceberg's REST catalog server."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=_kebab)

    env: str
    config_map: str
    key: str


class Service(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=_kebab)

    name: str = ""
    description: str = ""
    aliases: tuple[str, ...] = ()
    host_env: str | None = None
    ports: tuple[Port, ...] = ()
    health: HealthCheck | None = None
    secrets: tuple[SecretRef, ...] = ()
    settings: tuple[SettingRef, ...] = ()
    local: LocalMode = LocalMode.CLUSTER

    @model_validator(mode="after")
    def _consistent(self) -> Service:
        names = [p.name for p in self.ports]
        if len(set(names)) != len(names):
            raise ValueError(f"port names repeat: {names}")
        if self.health and self.health.port not in names:
            raise ValueError(f"health.port {self.health.port!r} is not one of the ports {names}")
        if self.ports and not self.host_env:
            raise ValueError("a service with ports needs host-env (the variable tests read)")
        return self

    def port(self, name: str | None = None) -> Port:
        """The named port, or the first one."""
        if not self.ports:
            raise KeyError(f"service {self.name!r} has no ports")
        if name is None:
            return self.ports[0]
        for port in self.ports:
            if port.name == name:
                return port
        raise KeyError(f"service {self.name!r} has no port {name!r}")


class Profile(_Model):
    name: str = ""
    description: str = ""
    services: tuple[str, ...]


class CiBudget(_Model):
    runner: str
    memory: str
    minutes: Annotated[int, Field(gt=0)]


class ResourceAmounts(_Model):
    cpu: str
    memory: str

    @field_validator("cpu", "memory")
    @classmethod
    def _quantity(cls, value: str) -> str:
        if not QUANTITY.match(value):
            raise ValueError(f"{value!r} is not a Kubernetes quantity (e.g. 500m, 1, 512Mi)")
        return value


class Resources(_Model):
    requests: ResourceAmounts
    limits: ResourceAmounts


DEFAULT_RESOURCES = Resources(
    requests=ResourceAmounts(cpu="250m", memory="512Mi"),
    limits=ResourceAmounts(cpu="1", memory="1Gi"),
)


class Tier(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=_kebab)

    name: str = ""
    description: str = ""
    path: str
    profile: str | None = None
    backends: Annotated[tuple[BackendName, ...], Field(min_length=1)]
    timeout: Annotated[int, Field(gt=0, description="seconds for the run-tests phase")]
    shards: Annotated[int, Field(ge=1, le=64)] = 1
    ci: CiBudget | None = None
    resources: Resources = DEFAULT_RESOURCES
    chart_values: Annotated[
        str, Field(description="the chart's values file (in charts/floe-platform) for this tier")
    ] = "values-test.yaml"
    env: Annotated[
        dict[str, str], Field(description="settings passed into the tier's test Jobs")
    ] = Field(default_factory=dict)
    traceability: Annotated[
        bool,
        Field(description="every test must name a requirement (`floe-test requirements --gate`)"),
    ] = False
    backend_profiles: Annotated[
        dict[BackendName, str],
        Field(description="profile to use on a backend instead of the tier's own"),
    ] = Field(default_factory=dict)


class FloeTestConfig(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=_kebab)

    results_dir: str = "test-results"
    namespace_prefix: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")] = (
        "floe-test"
    )
    tiers: dict[str, Tier]
    profiles: dict[str, Profile]
    services: dict[str, Service]

    @model_validator(mode="before")
    @classmethod
    def _name_entries(cls, data: object) -> object:
        """Copy each table key into the entry's ``name`` so entries know themselves."""
        if isinstance(data, dict):
            for table in ("tiers", "profiles", "services"):
                entries = data.get(table)
                if isinstance(entries, dict):
                    data[table] = {
                        key: ({**value, "name": key} if isinstance(value, dict) else value)
                        for key, value in entries.items()
                    }
        return data

    @model_validator(mode="after")
    def _references(self) -> FloeTestConfig:
        for name in (*self.tiers, *self.profiles, *self.services):
            if not DNS_LABEL.match(name):
                raise ValueError(f"{name!r} must be a DNS label (lower-case letters, digits, '-')")
        for tier in self.tiers.values():
            named = [("profile", tier.profile)] + [
                (f"backend-profiles.{b}", p) for b, p in tier.backend_profiles.items()
            ]
            for key, profile_name in named:
                if profile_name is not None and profile_name not in self.profiles:
                    raise ValueError(
                        f"tiers.{tier.name}.{key}: unknown profile {profile_name!r}; "
                        f"known: {', '.join(self.profiles)}"
                    )
        for profile in self.profiles.values():
            for member in profile.services:
                if member not in self.services:
                    raise ValueError(
                        f"profiles.{profile.name}.services: unknown service {member!r}; "
                        f"known: {', '.join(self.services)}"
                    )
        seen: dict[str, str] = {}
        for service in self.services.values():
            for env in [service.host_env, *(p.env for p in service.ports)]:
                if env is None:
                    continue
                if env in seen and seen[env] != service.name:
                    raise ValueError(f"services: {env} is used by {seen[env]} and {service.name}")
                seen[env] = service.name
        return self

    def tier(self, name: str) -> Tier:
        return self.tiers[name]

    def first_platform_tier(self) -> Tier:
        """The first declared tier that needs a platform: the smallest thing worth a smoke run
        (declaration order is the order of cost: unit, integration, e2e, staging)."""
        for tier in self.tiers.values():
            if tier.profile is not None:
                return tier
        raise ValueError("no tier has a profile: nothing to start a platform for")

    def profile_services(self, profile: str | None) -> tuple[Service, ...]:
        if profile is None:
            return ()
        return tuple(self.services[s] for s in self.profiles[profile].services)

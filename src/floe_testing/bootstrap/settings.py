"""What the catalog bootstrap needs, read from the environment (secrets never from argv).

The same variables are set by the chart's hook Job and by the local backend. Polaris mode is
chosen by the contract, not guessed: it is on exactly when ``POLARIS_MANAGEMENT_URI`` is set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from floe_testing.core.errors import UsageError

CATALOG_URI_ENV = "FLOE_CATALOG_URI"
MANAGEMENT_URI_ENV = "POLARIS_MANAGEMENT_URI"
REALM_ENV = "POLARIS_REALM"
CATALOG_NAME_ENV = "POLARIS_CATALOG"
NAMESPACES_ENV = "FLOE_CATALOG_NAMESPACES"
S3_ENDPOINT_ENV = "FLOE_S3_ENDPOINT"
S3_BUCKET_ENV = "FLOE_S3_BUCKET"
S3_PREFIX_ENV = "FLOE_S3_PREFIX"
REGION_ENV = "AWS_REGION"
ACCESS_KEY_ENV = "AWS_ACCESS_KEY_ID"
SECRET_KEY_ENV = "AWS_SECRET_ACCESS_KEY"  # noqa: S105 - a variable name
ROOT_CREDENTIALS_ENV = ("POLARIS_CLIENT_ID", "POLARIS_CLIENT_SECRET")
PIPELINE_CREDENTIALS_ENV = ("POLARIS_PIPELINE_CLIENT_ID", "POLARIS_PIPELINE_CLIENT_SECRET")
NO_GRANTS_CREDENTIALS_ENV = ("POLARIS_NO_GRANTS_CLIENT_ID", "POLARIS_NO_GRANTS_CLIENT_SECRET")

DEFAULT_CATALOG = "floe"
DEFAULT_NAMESPACES = ("floe_demo",)
DEFAULT_PREFIX = "warehouse"
DEFAULT_REGION = "us-east-1"
# the OAuth scope of every Polaris token the bootstrap asks for: all of the principal's roles
SCOPE = "PRINCIPAL_ROLE:ALL"


@dataclass(frozen=True)
class Credentials:
    """An OAuth client's id and secret; the secret never appears in a repr."""

    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class PolarisRealm:
    """Realm-level work that only Polaris has: the catalog entity, principals, roles, grants."""

    management_uri: str
    root: Credentials
    pipeline: Credentials
    no_grants: Credentials | None = None
    realm: str | None = None
    pipeline_principal: str = "floe-pipeline"
    pipeline_principal_role: str = "floe_pipeline"
    pipeline_catalog_role: str = "floe_pipeline_rw"
    no_grants_principal: str = "floe-no-grants"


@dataclass(frozen=True)
class CatalogBootstrap:
    """Everything ``bootstrap_catalog`` ensures; ``polaris`` is None for a plain REST catalog."""

    catalog_uri: str
    s3_endpoint: str
    bucket: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    region: str = DEFAULT_REGION
    prefix: str = DEFAULT_PREFIX
    catalog_name: str = DEFAULT_CATALOG
    namespaces: tuple[str, ...] = DEFAULT_NAMESPACES
    polaris: PolarisRealm | None = None

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def _required(env: Mapping[str, str], *names: str) -> list[str]:
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise UsageError(
            f"the catalog bootstrap needs {', '.join(missing)}",
            "set them in the environment (the chart's hook Job and the local backend do); "
            "see `floe-test bootstrap catalog --help`",
        )
    return [env[name] for name in names]


def _credentials(env: Mapping[str, str], names: tuple[str, str]) -> Credentials:
    client_id, client_secret = _required(env, *names)
    return Credentials(client_id, client_secret)


def _polaris(env: Mapping[str, str]) -> PolarisRealm | None:
    management = env.get(MANAGEMENT_URI_ENV)
    if not management:
        return None
    no_grants = None
    if any(env.get(name) for name in NO_GRANTS_CREDENTIALS_ENV):
        no_grants = _credentials(env, NO_GRANTS_CREDENTIALS_ENV)
    return PolarisRealm(
        management_uri=management.rstrip("/"),
        root=_credentials(env, ROOT_CREDENTIALS_ENV),
        pipeline=_credentials(env, PIPELINE_CREDENTIALS_ENV),
        no_grants=no_grants,
        realm=env.get(REALM_ENV) or None,
    )


def settings_from_env(environ: Mapping[str, str] | None = None) -> CatalogBootstrap:
    """The bootstrap's settings; a missing variable is a usage error naming it."""
    env = os.environ if environ is None else environ
    uri, endpoint, bucket, access_key, secret_key = _required(
        env, CATALOG_URI_ENV, S3_ENDPOINT_ENV, S3_BUCKET_ENV, ACCESS_KEY_ENV, SECRET_KEY_ENV
    )
    namespaces = tuple(
        name.strip() for name in env.get(NAMESPACES_ENV, ",".join(DEFAULT_NAMESPACES)).split(",")
    )
    if not all(namespaces):
        raise UsageError(
            f"{NAMESPACES_ENV}={env.get(NAMESPACES_ENV)!r} holds an empty namespace name",
            "list namespaces separated by commas, e.g. floe_demo,floe_e2e",
        )
    return CatalogBootstrap(
        catalog_uri=uri.rstrip("/"),
        s3_endpoint=endpoint.rstrip("/"),
        bucket=bucket,
        access_key_id=access_key,
        secret_access_key=secret_key,
        region=env.get(REGION_ENV) or DEFAULT_REGION,
        prefix=(env.get(S3_PREFIX_ENV) or DEFAULT_PREFIX).strip("/"),
        catalog_name=env.get(CATALOG_NAME_ENV) or DEFAULT_CATALOG,
        namespaces=namespaces,
        polaris=_polaris(env),
    )

"""The Iceberg REST catalog (Polaris) the full profile's pipeline publishes to.

Configured from the environment the platform gives the code location (the local backend and
the chart's user-code deployment set the same variables). With ``FLOE_ICEBERG_URI`` unset
(the minimal profile) the pipeline does not publish.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    from pyiceberg.catalog.rest import RestCatalog

URI_ENV = "FLOE_ICEBERG_URI"
CREDENTIAL_ENV = "FLOE_ICEBERG_CREDENTIAL"
DEFAULT_NAMESPACE = "floe_demo"
SCOPE = "PRINCIPAL_ROLE:ALL"


def publishing_enabled() -> bool:
    return bool(os.environ.get(URI_ENV))


class IcebergCatalog(dg.ConfigurableResource):  # type: ignore[type-arg]
    """PyIceberg's REST catalog with the principal's client credentials and S3 settings."""

    uri: str
    warehouse: str
    # "client-id:client-secret" of the pipeline's principal; empty: the catalog has no auth
    # (the local backend's Iceberg REST stand-in for Polaris)
    credential: str = ""
    s3_endpoint: str
    s3_access_key_id: str
    s3_secret_access_key: str
    s3_region: str = "us-east-1"

    def connect(self) -> RestCatalog:
        from pyiceberg.catalog.rest import RestCatalog

        auth = (
            {
                "credential": self.credential,
                "scope": SCOPE,
                "oauth2-server-uri": f"{self.uri}/v1/oauth/tokens",
            }
            if self.credential
            else {}
        )
        return RestCatalog(
            self.warehouse,
            uri=self.uri,
            warehouse=self.warehouse,
            **auth,
            **{
                "s3.endpoint": self.s3_endpoint,
                "s3.access-key-id": self.s3_access_key_id,
                "s3.secret-access-key": self.s3_secret_access_key,
                "s3.region": self.s3_region,
                "s3.force-virtual-addressing": "false",
            },
        )


def from_environment() -> IcebergCatalog:
    return IcebergCatalog(
        uri=dg.EnvVar(URI_ENV),
        warehouse=dg.EnvVar("FLOE_ICEBERG_WAREHOUSE"),
        **({"credential": dg.EnvVar(CREDENTIAL_ENV)} if os.environ.get(CREDENTIAL_ENV) else {}),
        s3_endpoint=dg.EnvVar("FLOE_S3_ENDPOINT"),
        s3_access_key_id=dg.EnvVar("AWS_ACCESS_KEY_ID"),
        s3_secret_access_key=dg.EnvVar("AWS_SECRET_ACCESS_KEY"),
        s3_region=os.environ.get("AWS_REGION") or "us-east-1",
    )

"""History records through an S3 bucket: scheduled in-cluster runs cannot call back to the
host (no token, NetworkPolicies), so their runner puts its record into the results bucket of
the full profile's S3 store, and ``floe-test history pull --from s3://BUCKET/PREFIX`` merges
the records into a local history.

One object per record: ``<prefix>/<record id>.json``. Credentials come from boto3's usual
chain (in the Job: the contract's ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` Secret
refs); the endpoint from ``--endpoint-url``/``FLOE_HISTORY_S3_ENDPOINT``, else the contract's
S3 store service. Nothing here prints a credential.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from floe_testing.core.errors import InfrastructureError, UsageError

if TYPE_CHECKING:
    pass

URL_ENV = "FLOE_HISTORY_S3_URL"
ENDPOINT_ENV = "FLOE_HISTORY_S3_ENDPOINT"
STORE_SERVICE = "seaweedfs"


@dataclass(frozen=True)
class Location:
    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> Location:
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise UsageError(
                f"{url!r} is not an S3 location",
                "write s3://BUCKET/PREFIX, e.g. s3://floe-results/history",
            )
        return cls(parsed.netloc, parsed.path.strip("/"))

    def key(self, record_id: str) -> str:
        return f"{self.prefix}/{record_id}.json" if self.prefix else f"{record_id}.json"

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def endpoint_url(explicit: str | None = None) -> str | None:
    if explicit:
        return explicit
    if os.environ.get(ENDPOINT_ENV):
        return os.environ[ENDPOINT_ENV]
    from floe_testing.config import load_project

    service = load_project().config.services.get(STORE_SERVICE)
    if service is None or not service.host_env or not os.environ.get(service.host_env):
        return None  # AWS itself, or whatever the boto3 configuration says
    from floe_testing.config.endpoints import resolve

    return resolve(STORE_SERVICE).url


def client(endpoint: str | None) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        config=Config(retries={"max_attempts": 3}, s3={"addressing_style": "path"}),
    )


def deliver(record: dict[str, Any], url: str, endpoint: str | None = None) -> str:
    """Put one record into the bucket; returns its s3:// URL."""
    location = Location.parse(url)
    key = location.key(str(record["record_id"]))
    body = json.dumps(record, sort_keys=True).encode()
    try:
        client(endpoint_url(endpoint)).put_object(
            Bucket=location.bucket, Key=key, Body=body, ContentType="application/json"
        )
    except Exception as exc:
        raise InfrastructureError(
            f"could not deliver the history record to s3://{location.bucket}/{key}: "
            f"{type(exc).__name__}",
            "check the bucket exists and the runner's S3 credentials and endpoint",
            cause="history-delivery",
        ) from None
    return f"s3://{location.bucket}/{key}"


CREDENTIALS_HINT = (
    "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (for the chart's SeaweedFS: the "
    "access-key-id and secret-access-key of the s3-credentials Secret, e.g. `kubectl -n NS get "
    "secret s3-credentials -o jsonpath='{.data.access-key-id}' | base64 -d`)"
)


def require_credentials() -> None:
    """Refuse before any request when boto3 finds no credentials at all (no AWS_* variables,
    no ~/.aws files, no instance role): a usage problem, not an S3 failure."""
    import boto3

    if boto3.Session().get_credentials() is None:
        raise UsageError("no S3 credentials are set", CREDENTIALS_HINT)


def fetch_records(url: str, endpoint: str | None = None) -> list[dict[str, Any]]:
    """Every record under the location (``.json`` objects: one record each)."""
    location = Location.parse(url)
    require_credentials()
    s3 = client(endpoint_url(endpoint))
    records: list[dict[str, Any]] = []
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=location.bucket, Prefix=location.prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                if not item["Key"].endswith(".json"):
                    continue
                body = s3.get_object(Bucket=location.bucket, Key=item["Key"])["Body"].read()
                try:
                    record = json.loads(body)
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict) and record.get("record_id"):
                    record["source"] = f"s3://{location.bucket}/{item['Key']}"
                    records.append(record)
    except Exception as exc:
        raise InfrastructureError(
            f"could not read {location}: {type(exc).__name__}: {exc}",
            "check the URL, --endpoint-url and the S3 credentials (AWS_* variables)",
            cause="history-pull",
        ) from None
    return records

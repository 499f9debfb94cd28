"""The warehouse bucket on the S3-compatible store (SeaweedFS), through PyArrow's S3 client."""

from __future__ import annotations

from typing import TYPE_CHECKING

from floe_testing.bootstrap.steps import Step

if TYPE_CHECKING:
    from pyarrow.fs import S3FileSystem

    from floe_testing.bootstrap.settings import CatalogBootstrap


def s3_filesystem(settings: CatalogBootstrap) -> S3FileSystem:
    from pyarrow.fs import S3FileSystem

    scheme, _, _ = settings.s3_endpoint.partition("://")
    return S3FileSystem(
        access_key=settings.access_key_id,
        secret_key=settings.secret_access_key,
        endpoint_override=settings.s3_endpoint,
        scheme=scheme or "http",
        region=settings.region,
        force_virtual_addressing=False,
        allow_bucket_creation=True,
        connect_timeout=2,
        request_timeout=10,
    )


def ensure_bucket(settings: CatalogBootstrap) -> Step:
    """Create the bucket unless it exists; raises ``OSError`` while the store is unreachable."""
    from pyarrow.fs import FileType

    fs = s3_filesystem(settings)
    what = f"bucket {settings.bucket} at {settings.s3_endpoint}"
    if fs.get_file_info(settings.bucket).type == FileType.Directory:
        return Step(what, "exists")
    fs.create_dir(settings.bucket)
    return Step(what, "created")

from __future__ import annotations

import pytest

from floe_testing.bootstrap.settings import settings_from_env
from floe_testing.core.errors import UsageError

REST = {
    "FLOE_CATALOG_URI": "http://127.0.0.1:8181/",
    "FLOE_S3_ENDPOINT": "http://127.0.0.1:8333",
    "FLOE_S3_BUCKET": "floe",
    "AWS_ACCESS_KEY_ID": "id",
    "AWS_SECRET_ACCESS_KEY": "secret",
}


def test_plain_rest_catalog_has_no_realm_work() -> None:
    settings = settings_from_env(REST)
    assert settings.polaris is None
    assert settings.catalog_uri == "http://127.0.0.1:8181"
    assert settings.location == "s3://floe/warehouse"
    assert settings.namespaces == ("floe_demo",)


def test_polaris_mode_is_chosen_by_the_management_uri() -> None:
    env = {
        **REST,
        "POLARIS_MANAGEMENT_URI": "http://polaris:8181/api/management/v1/",
        "POLARIS_CLIENT_ID": "root",
        "POLARIS_CLIENT_SECRET": "root-secret",
        "POLARIS_PIPELINE_CLIENT_ID": "p",
        "POLARIS_PIPELINE_CLIENT_SECRET": "p-secret",
        "FLOE_CATALOG_NAMESPACES": "floe_demo, floe_e2e",
    }
    settings = settings_from_env(env)
    assert settings.polaris is not None
    assert settings.polaris.management_uri == "http://polaris:8181/api/management/v1"
    assert settings.polaris.no_grants is None
    assert settings.namespaces == ("floe_demo", "floe_e2e")


def test_polaris_mode_without_pipeline_credentials_names_them() -> None:
    env = {**REST, "POLARIS_MANAGEMENT_URI": "http://p", "POLARIS_CLIENT_ID": "r"}
    with pytest.raises(UsageError) as caught:
        settings_from_env(env)
    assert "POLARIS_CLIENT_SECRET" in caught.value.message
    assert caught.value.exit_code == 2


def test_missing_variables_are_all_named_at_once() -> None:
    with pytest.raises(UsageError, match="FLOE_S3_BUCKET, AWS_ACCESS_KEY_ID"):
        settings_from_env({"FLOE_CATALOG_URI": "x", "FLOE_S3_ENDPOINT": "y"})


def test_an_empty_namespace_is_refused() -> None:
    with pytest.raises(UsageError, match="empty namespace"):
        settings_from_env({**REST, "FLOE_CATALOG_NAMESPACES": "a,,b"})

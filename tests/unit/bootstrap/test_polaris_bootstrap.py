"""The Polaris half of the catalog bootstrap, through Apache Polaris's own client, against a
fake Polaris held to that client's models (fake_polaris.py).

Never run against a real Polaris (none can be assembled here: docs/catalog.md). What these
tests pin: the exact writes a first run sends, that a second run sends none, that a lost race
(409) counts as success, that an unreachable Polaris is waited for, and that no secret reaches
an error message.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from floe_testing.bootstrap.catalog import _UNREACHABLE
from floe_testing.bootstrap.polaris import PolarisAdmin, PolarisError, bootstrap_realm
from floe_testing.bootstrap.settings import CatalogBootstrap, Credentials, PolarisRealm
from floe_testing.core.errors import EXIT_INFRASTRUCTURE

from .conftest import ROOT
from .fake_polaris import MANAGEMENT, TOKEN_PATH, Answer, FakePolaris

PIPELINE = Credentials("pipeline-id", "pipeline-secret-do-not-log")
NO_GRANTS = Credentials("no-grants-id", "no-grants-secret-do-not-log")


def realm(base_url: str, **changes: object) -> PolarisRealm:
    fields: dict[str, object] = {
        "management_uri": f"{base_url}{MANAGEMENT}",
        "root": Credentials(*ROOT),
        "pipeline": PIPELINE,
        "no_grants": NO_GRANTS,
    }
    return PolarisRealm(**(fields | changes))


def settings(base_url: str, **changes: object) -> CatalogBootstrap:
    return CatalogBootstrap(
        catalog_uri=f"{base_url}/api/catalog",
        s3_endpoint="http://seaweedfs:8333",
        bucket="floe",
        access_key_id="s3-id",
        secret_access_key="s3-secret",
        polaris=realm(base_url, **changes),
    )


def logged_in(base_url: str, **changes: object) -> tuple[PolarisAdmin, CatalogBootstrap]:
    config = settings(base_url, **changes)
    assert config.polaris is not None
    admin = PolarisAdmin(config.polaris, config.catalog_uri)
    admin.login()
    return admin, config


def answering(method: str, suffix: str, answer: Answer) -> Callable[[str, str], Answer | None]:
    return lambda m, path: answer if m == method and path.endswith(suffix) else None


MGMT = MANAGEMENT
FIRST_RUN_WRITES = [
    (
        "POST",
        f"{MGMT}/catalogs",
        {
            "catalog": {
                "name": "floe",
                "type": "INTERNAL",
                "properties": {"default-base-location": "s3://floe/warehouse"},
                "storageConfigInfo": {
                    "storageType": "S3",
                    "allowedLocations": ["s3://floe/warehouse"],
                    "endpoint": "http://seaweedfs:8333",
                    "endpointInternal": "http://seaweedfs:8333",
                    "pathStyleAccess": True,
                    "stsUnavailable": True,
                    "region": "us-east-1",
                },
            }
        },
    ),
    (
        "PUT",
        f"{MGMT}/principal-roles/service_admin/catalog-roles/floe",
        {"catalogRole": {"name": "catalog_admin"}},
    ),
    (
        "POST",
        f"{MGMT}/principals",
        {"principal": {"name": "floe-pipeline"}, "credentialRotationRequired": False},
    ),
    (
        "POST",
        f"{MGMT}/principals/floe-pipeline/reset",
        {"clientId": "pipeline-id", "clientSecret": "pipeline-secret-do-not-log"},
    ),
    (
        "POST",
        f"{MGMT}/principal-roles",
        {"principalRole": {"name": "floe_pipeline", "federated": False}},
    ),
    (
        "PUT",
        f"{MGMT}/principals/floe-pipeline/principal-roles",
        {"principalRole": {"name": "floe_pipeline", "federated": False}},
    ),
    ("POST", f"{MGMT}/catalogs/floe/catalog-roles", {"catalogRole": {"name": "floe_pipeline_rw"}}),
    (
        "PUT",
        f"{MGMT}/principal-roles/floe_pipeline/catalog-roles/floe",
        {"catalogRole": {"name": "floe_pipeline_rw"}},
    ),
    *[
        (
            "PUT",
            f"{MGMT}/catalogs/floe/catalog-roles/floe_pipeline_rw/grants",
            {"grant": {"type": "catalog", "privilege": privilege}},
        )
        for privilege in (
            "CATALOG_READ_PROPERTIES",
            "NAMESPACE_FULL_METADATA",
            "TABLE_FULL_METADATA",
            "TABLE_READ_DATA",
            "TABLE_WRITE_DATA",
        )
    ],
    (
        "POST",
        f"{MGMT}/principals",
        {"principal": {"name": "floe-no-grants"}, "credentialRotationRequired": False},
    ),
    (
        "POST",
        f"{MGMT}/principals/floe-no-grants/reset",
        {"clientId": "no-grants-id", "clientSecret": "no-grants-secret-do-not-log"},
    ),
]


def test_first_run_sends_exactly_the_documented_writes(polaris: FakePolaris, base_url: str) -> None:
    admin, config = logged_in(base_url)
    steps = bootstrap_realm(admin, config)
    assert polaris.writes == FIRST_RUN_WRITES
    assert all(step.outcome in ("created", "updated") for step in steps)


def test_the_realm_it_leaves_matches_the_contract(polaris: FakePolaris, base_url: str) -> None:
    bootstrap_realm(*logged_in(base_url))
    assert polaris.principals["floe-pipeline"] == ("pipeline-id", "pipeline-secret-do-not-log")
    assert polaris.assigned["floe-pipeline"] == {"floe_pipeline"}
    assert polaris.role_catalog_roles[("floe_pipeline", "floe")] == {"floe_pipeline_rw"}
    assert "TABLE_WRITE_DATA" in polaris.grants[("floe", "floe_pipeline_rw")]
    assert polaris.role_catalog_roles[("service_admin", "floe")] == {"catalog_admin"}
    # the principal for the deny scenario exists and holds nothing
    assert polaris.principals["floe-no-grants"] == ("no-grants-id", "no-grants-secret-do-not-log")
    assert not polaris.assigned.get("floe-no-grants")


def test_a_second_run_changes_nothing(polaris: FakePolaris, base_url: str) -> None:
    admin, config = logged_in(base_url)
    bootstrap_realm(admin, config)
    before = len(polaris.writes)
    steps = bootstrap_realm(admin, config)
    assert polaris.writes[before:] == []
    assert {step.outcome for step in steps} == {"exists"}


def test_a_lost_race_409_counts_as_exists(polaris: FakePolaris, base_url: str) -> None:
    admin, config = logged_in(base_url)
    polaris.catalogs["floe"] = {"name": "floe"}
    polaris.catalog_roles["floe"] = {"catalog_admin"}
    # another bootstrap creates the catalog between this one's read and its write
    not_found = {"error": {"message": "no catalog", "type": "NotFoundException", "code": 404}}
    polaris.override = answering("GET", "/catalogs/floe", (404, not_found))
    step = admin.ensure_catalog(config)
    assert (step.what, step.outcome) == ("catalog floe", "exists")
    assert [write[:2] for write in polaris.writes] == [("POST", f"{MGMT}/catalogs")]


def test_refused_root_credentials_name_the_secret_not_its_value(
    polaris: FakePolaris, base_url: str
) -> None:
    with pytest.raises(PolarisError, match="refused the root credentials") as caught:
        logged_in(base_url, root=Credentials("root-id", "wrong-secret-value"))
    assert caught.value.exit_code == EXIT_INFRASTRUCTURE
    assert "wrong-secret-value" not in str(caught.value)
    assert "polaris-credentials" in str(caught.value)


def test_a_failed_write_reports_status_and_redacts_credentials(
    polaris: FakePolaris, base_url: str
) -> None:
    admin, _ = logged_in(base_url)
    failure = {"clientSecret": "leaked-secret", "message": "boom"}
    polaris.override = answering("POST", "/principals", (500, failure))
    with pytest.raises(PolarisError, match="HTTP 500") as caught:
        admin.ensure_principal("floe-pipeline", PIPELINE)
    assert caught.value.exit_code == EXIT_INFRASTRUCTURE
    assert "leaked-secret" not in str(caught.value)
    assert "boom" in str(caught.value)


def test_an_answer_the_client_cannot_read_is_an_infrastructure_error_without_secrets(
    polaris: FakePolaris, base_url: str
) -> None:
    """A Polaris speaking another version of the spec: the client's model rejects the answer
    (here a reset without its principal), and the error names the field, not the values."""
    admin, _ = logged_in(base_url)
    answer = {"credentials": {"clientId": "pipeline-id", "clientSecret": "leaked-secret"}}
    polaris.override = answering("POST", "/reset", (200, answer))
    with pytest.raises(PolarisError, match="does not fit apache-polaris") as caught:
        admin.ensure_principal("floe-pipeline", PIPELINE)
    assert "principal" in str(caught.value)
    assert "leaked-secret" not in str(caught.value)


def test_an_unreachable_polaris_is_what_the_bootstrap_waits_for(unused_tcp_port: int) -> None:
    """Nothing listens: the client's error is one the bootstrap's bounded wait retries."""
    config = settings(f"http://127.0.0.1:{unused_tcp_port}")
    assert config.polaris is not None
    admin = PolarisAdmin(config.polaris, config.catalog_uri, timeout=2.0)
    with pytest.raises(_UNREACHABLE):
        admin.login()


def test_realm_header_is_sent_when_configured(polaris: FakePolaris, base_url: str) -> None:
    admin, _ = logged_in(base_url, realm="POLARIS")
    admin.ensure_principal_role("floe_pipeline")
    assert len(polaris.requests) >= 3  # token, read, write
    assert {seen.realm for seen in polaris.requests} == {"POLARIS"}


def test_no_realm_header_without_a_realm(polaris: FakePolaris, base_url: str) -> None:
    admin, _ = logged_in(base_url)
    admin.ensure_principal_role("floe_pipeline")
    assert {seen.realm for seen in polaris.requests} == {None}


def test_no_secret_in_any_step_text(polaris: FakePolaris, base_url: str) -> None:
    admin, config = logged_in(base_url)
    steps = bootstrap_realm(admin, config)
    text = "\n".join(map(str, steps)) + repr(config)
    for secret in ("root-secret", "pipeline-secret", "no-grants-secret", "s3-secret", "generated"):
        assert secret not in text


def test_the_token_request_is_the_oauth_client_credentials_grant(
    polaris: FakePolaris, base_url: str
) -> None:
    logged_in(base_url)
    token = [seen for seen in polaris.requests if seen.path == TOKEN_PATH]
    assert [seen.method for seen in token] == ["POST"]
    assert token[0].body == {
        "grant_type": "client_credentials",
        "client_id": "root-id",
        "client_secret": "root-secret-do-not-log",
        "scope": "PRINCIPAL_ROLE:ALL",
    }

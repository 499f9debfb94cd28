"""The Polaris half of the catalog bootstrap, against a fake built from the management spec.

Never run against a real Polaris (none can be assembled here: docs/catalog.md). What these
tests pin: the exact writes a first run sends, that a second run sends none, that a lost race
(409) counts as success, and that no secret reaches an error message.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from floe_testing.bootstrap.polaris import PolarisAdmin, PolarisError, bootstrap_realm
from floe_testing.bootstrap.settings import CatalogBootstrap, Credentials, PolarisRealm

from .fake_polaris import TOKEN_PATH, FakePolaris

BASE = "http://polaris:8181"
REALM = PolarisRealm(
    management_uri=f"{BASE}/api/management/v1",
    root=Credentials("root-id", "root-secret-do-not-log"),
    pipeline=Credentials("pipeline-id", "pipeline-secret-do-not-log"),
    no_grants=Credentials("no-grants-id", "no-grants-secret-do-not-log"),
)
SETTINGS = CatalogBootstrap(
    catalog_uri=f"{BASE}/api/catalog",
    s3_endpoint="http://seaweedfs:8333",
    bucket="floe",
    access_key_id="s3-id",
    secret_access_key="s3-secret",
    polaris=REALM,
)
MGMT = "/api/management/v1"
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
    ("POST", f"{MGMT}/principal-roles", {"principalRole": {"name": "floe_pipeline"}}),
    (
        "PUT",
        f"{MGMT}/principals/floe-pipeline/principal-roles",
        {"principalRole": {"name": "floe_pipeline"}},
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


@pytest.fixture
def polaris() -> FakePolaris:
    return FakePolaris(root=("root-id", "root-secret-do-not-log"))


def _admin(client: httpx.Client, realm: PolarisRealm = REALM) -> PolarisAdmin:
    admin = PolarisAdmin(realm, f"{SETTINGS.catalog_uri}/v1/oauth/tokens", client)
    admin.login()
    return admin


@pytest.fixture
def admin(polaris: FakePolaris) -> Iterator[PolarisAdmin]:
    with httpx.Client(transport=polaris.transport()) as client:
        yield _admin(client)


def test_first_run_sends_exactly_the_documented_writes(
    polaris: FakePolaris, admin: PolarisAdmin
) -> None:
    steps = bootstrap_realm(admin, SETTINGS)
    assert polaris.writes == FIRST_RUN_WRITES
    assert all(step.outcome in ("created", "updated") for step in steps)


def test_the_realm_it_leaves_matches_the_contract(
    polaris: FakePolaris, admin: PolarisAdmin
) -> None:
    bootstrap_realm(admin, SETTINGS)
    assert polaris.principals["floe-pipeline"] == ("pipeline-id", "pipeline-secret-do-not-log")
    assert polaris.assigned["floe-pipeline"] == {"floe_pipeline"}
    assert polaris.role_catalog_roles[("floe_pipeline", "floe")] == {"floe_pipeline_rw"}
    assert "TABLE_WRITE_DATA" in polaris.grants[("floe", "floe_pipeline_rw")]
    assert polaris.role_catalog_roles[("service_admin", "floe")] == {"catalog_admin"}
    # the principal for the deny scenario exists and holds nothing
    assert polaris.principals["floe-no-grants"] == ("no-grants-id", "no-grants-secret-do-not-log")
    assert not polaris.assigned.get("floe-no-grants")


def test_a_second_run_changes_nothing(polaris: FakePolaris, admin: PolarisAdmin) -> None:
    bootstrap_realm(admin, SETTINGS)
    before = len(polaris.requests)
    steps = bootstrap_realm(admin, SETTINGS)
    second = polaris.requests[before:]
    assert [r for r in second if r[0] != "GET" and r[1] != TOKEN_PATH] == []
    assert {step.outcome for step in steps} == {"exists"}


def test_a_lost_race_409_counts_as_exists(polaris: FakePolaris) -> None:
    original = polaris.handle

    def catalog_created_meanwhile(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/catalogs/floe"):
            polaris.requests.append(("GET", request.url.path, None))
            return httpx.Response(404)
        return original(request)

    polaris.catalogs["floe"] = {"name": "floe"}
    polaris.catalog_roles["floe"] = {"catalog_admin"}
    with httpx.Client(transport=httpx.MockTransport(catalog_created_meanwhile)) as client:
        step = _admin(client).ensure_catalog(SETTINGS)
    assert (step.what, step.outcome) == ("catalog floe", "exists")


def test_refused_root_credentials_name_the_secret_not_its_value(polaris: FakePolaris) -> None:
    wrong = PolarisRealm(
        management_uri=REALM.management_uri,
        root=Credentials("root-id", "wrong-secret-value"),
        pipeline=REALM.pipeline,
    )
    with httpx.Client(transport=polaris.transport()) as client:
        admin = PolarisAdmin(wrong, f"{SETTINGS.catalog_uri}/v1/oauth/tokens", client)
        with pytest.raises(PolarisError, match="refused the root credentials") as caught:
            admin.login()
    assert "wrong-secret-value" not in str(caught.value)
    assert "polaris-credentials" in str(caught.value)


def test_a_failed_write_reports_status_and_redacts_credentials(polaris: FakePolaris) -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/principals"):
            return httpx.Response(500, json={"clientSecret": "leaked-secret", "message": "boom"})
        return polaris.handle(request)

    with (
        httpx.Client(transport=httpx.MockTransport(failing)) as client,
        pytest.raises(PolarisError, match="HTTP 500") as caught,
    ):
        _admin(client).ensure_principal("floe-pipeline", REALM.pipeline)
    assert "leaked-secret" not in str(caught.value)
    assert "boom" in str(caught.value)


def test_realm_header_is_sent_when_configured(polaris: FakePolaris) -> None:
    seen: list[str | None] = []

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("polaris-realm"))
        return polaris.handle(request)

    realm = PolarisRealm(REALM.management_uri, REALM.root, REALM.pipeline, realm="POLARIS")
    with httpx.Client(transport=httpx.MockTransport(spy)) as client:
        _admin(client, realm).ensure_principal_role("floe_pipeline")
    assert len(seen) >= 2
    assert set(seen) == {"POLARIS"}


def test_no_secret_in_any_step_text(polaris: FakePolaris, admin: PolarisAdmin) -> None:
    steps = bootstrap_realm(admin, SETTINGS)
    text = "\n".join(map(str, steps)) + repr(SETTINGS)
    for secret in ("root-secret", "pipeline-secret", "no-grants-secret", "s3-secret"):
        assert secret not in text

"""The fake Polaris is held to Apache Polaris's own client: its operations are the client's,
and a body either side gets wrong is caught (so a spec change fails here, not on a cluster)."""

from __future__ import annotations

import inspect
import typing
from typing import Any

import httpx
import pytest
from apache_polaris.sdk.catalog import ApiClient as CatalogApiClient
from apache_polaris.sdk.catalog import Configuration as CatalogConfiguration
from apache_polaris.sdk.catalog import IcebergOAuth2API
from apache_polaris.sdk.management import ApiClient, Configuration, PolarisDefaultApi

from .fake_polaris import MANAGEMENT, OPERATIONS, TOKEN, TOKEN_PATH, FakePolaris, Operation


def _client_side(api: Any, operation: Operation) -> tuple[str, str, object, object]:
    """Method, path template, request model and return model of the client's operation."""
    seen: dict[str, Any] = {}

    def capture(**request: Any) -> tuple[str, str, dict[str, str], None, list[str]]:
        seen.update(request)
        return "", "", {}, None, []

    api.api_client.param_serialize = capture
    serialize = getattr(api, f"_{operation.name}_serialize")
    serialize(**dict.fromkeys(inspect.signature(serialize).parameters))
    hints = typing.get_type_hints(inspect.unwrap(getattr(type(api), operation.name)))
    # the body parameter, optional or not (Optional[X] -> X)
    body = [
        next((arg for arg in typing.get_args(hint) if arg is not type(None)), hint)
        for name, hint in hints.items()
        if name.endswith("_request")
    ]
    returned = hints["return"]
    return (
        seen["method"],
        seen["resource_path"],
        body[0] if body else None,
        None if returned is type(None) else returned,
    )


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_each_management_operation_is_the_clients(operation: Operation) -> None:
    api = PolarisDefaultApi(ApiClient(Configuration(host="http://polaris")))
    expected = (operation.method, operation.path, operation.request, operation.response)
    assert _client_side(api, operation) == expected


def test_the_token_endpoint_is_the_clients() -> None:
    api = IcebergOAuth2API(CatalogApiClient(CatalogConfiguration(host="http://polaris")))
    method, path, _, returned = _client_side(api, TOKEN)
    assert (method, path, returned) == (TOKEN.method, TOKEN.path, TOKEN.response)


def _as_root(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": "Bearer root-token"})


def test_a_request_field_the_spec_does_not_have_is_refused(
    polaris: FakePolaris, base_url: str
) -> None:
    role = {"principalRole": {"name": "r"}, "principalRol": {"name": "typo"}}
    with _as_root(base_url) as client:
        answer = client.post(f"{MANAGEMENT}/principal-roles", json=role)
    assert answer.status_code == 400
    assert polaris.violations == [
        "create_principal_role request: CreatePrincipalRoleRequest: unknown field principalRol"
    ]
    assert "r" not in polaris.principal_roles
    polaris.violations.clear()


def test_a_request_the_model_rejects_is_refused(polaris: FakePolaris, base_url: str) -> None:
    grant = {"grant": {"type": "catalog", "privilege": "TABLE_WRITE_EVERYTHING"}}
    polaris.catalog_roles["floe"] = {"catalog_admin"}
    with _as_root(base_url) as client:
        path = f"{MANAGEMENT}/catalogs/floe/catalog-roles/catalog_admin/grants"
        answer = client.put(path, json=grant)
    assert answer.status_code == 400
    assert len(polaris.violations) == 1
    assert "AddGrantRequest rejects it" in polaris.violations[0]
    assert not polaris.grants
    polaris.violations.clear()


def test_an_answer_the_client_could_not_read_is_never_sent(
    polaris: FakePolaris, base_url: str
) -> None:
    """The fake's own state drifting from the spec (a catalog without its required fields)."""
    polaris.catalogs["floe"] = {"name": "floe"}
    with _as_root(base_url) as client:
        answer = client.get(f"{MANAGEMENT}/catalogs/floe")
    assert answer.status_code == 500
    assert len(polaris.violations) == 1
    assert polaris.violations[0].startswith("answer 200: Catalog rejects it")
    polaris.violations.clear()


def test_token_errors_are_oauth_errors(polaris: FakePolaris, base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        refused = client.post(TOKEN_PATH, data={"grant_type": "client_credentials"})
        wrong_grant = client.post(TOKEN_PATH, data={"grant_type": "password"})
    assert (refused.status_code, refused.json()["error"]) == (401, "unauthorized_client")
    assert (wrong_grant.status_code, wrong_grant.json()["error"]) == (400, "unsupported_grant_type")


def test_management_calls_need_the_root_token(polaris: FakePolaris, base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        answer = client.get(f"{MANAGEMENT}/catalogs/floe")
    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "NotAuthorizedException"

"""The catalog through the contract: the REST API answers, and Polaris enforces its grants."""

from __future__ import annotations

import os

import pytest
from pyiceberg.catalog.rest import RestCatalog

from floe_testing.pytest_plugin.polaris import (
    NO_GRANTS_ID_ENV,
    NO_GRANTS_SECRET_ENV,
    connect_catalog,
)

from .pipeline import DEFAULT_NAMESPACE, MART_TABLE


@pytest.mark.requirement("FLOE-E2E-003")
def test_catalog_lists_the_pipelines_namespace_and_table(
    polaris_rest_catalog: RestCatalog, mart_table: object
) -> None:
    assert (DEFAULT_NAMESPACE,) in polaris_rest_catalog.list_namespaces()
    assert (DEFAULT_NAMESPACE, MART_TABLE) in polaris_rest_catalog.list_tables(DEFAULT_NAMESPACE)


@pytest.mark.requirement("FLOE-E2E-011")
@pytest.mark.polaris_only
def test_principal_without_grants_is_denied(mart_table: object) -> None:
    from pyiceberg.exceptions import ForbiddenError, NotAuthorizedError, OAuthError

    credentials = (os.environ[NO_GRANTS_ID_ENV], os.environ[NO_GRANTS_SECRET_ENV])

    def read_as_outsider() -> None:
        # the token may be issued (the principal exists); reading the table must be refused
        connect_catalog(credentials=credentials).load_table((DEFAULT_NAMESPACE, MART_TABLE))

    with pytest.raises((ForbiddenError, NotAuthorizedError, OAuthError)):
        read_as_outsider()

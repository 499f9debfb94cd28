"""values.schema.json rejects bad values with a message naming the key and the fix."""

from __future__ import annotations

import pytest

from floe_testing.core.errors import UsageError
from floe_testing.deploy.chart import render, validate_values

from .renders import CHART


def test_unknown_profile_is_rejected_naming_the_profiles() -> None:
    with pytest.raises(UsageError) as caught:
        render(None, [], ["profile=huge"], chart=CHART)
    message = str(caught.value)
    assert "at '/profile': value must be one of 'minimal', 'full'" in message
    assert "values.schema.json" in message


def test_unknown_profile_option_is_refused_before_helm() -> None:
    with pytest.raises(UsageError, match="unknown profile 'huge'"):
        render("huge", [], chart=CHART)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"minimal": "yes"}, "at '/minimal': got string, want boolean"),
        (
            {"dagster": {"webserver": {"replicas": "two"}}},
            "at '/dagster/webserver/replicas': got string, want integer",
        ),
        ({"polaris": {"persistence": "files"}}, "at '/polaris/persistence'"),
        (
            {"services": {"cube": {"ports": [{"name": "http", "port": 70000}]}}},
            "at '/services/cube/ports/0/port'",
        ),
        (
            {"postgresql": {"resources": {"requests": {"cpu": "lots", "memory": "1Gi"}}}},
            "at '/postgresql/resources/requests/cpu'",
        ),
        ({"replicaCount": 3}, "additional properties 'replicaCount' not allowed"),
    ],
)
def test_wrong_values_are_rejected_with_their_path(values: dict, expected: str) -> None:
    with pytest.raises(UsageError) as caught:
        validate_values(values, chart=CHART)
    assert expected in str(caught.value)


def test_values_files_pass_the_schema() -> None:
    from floe_testing.deploy.chart.engine import read_values_file

    for name in ("values.yaml", "values-test.yaml", "values-staging.yaml"):
        validate_values(read_values_file(CHART / name), chart=CHART)

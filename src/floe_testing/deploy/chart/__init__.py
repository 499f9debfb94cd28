"""The floe-platform Helm chart: a thin adapter around helm-python-sdk (render, lint) and the
checks that keep it honest (service contract, restricted pods, NetworkPolicies, sizing).

Example::

    from floe_testing.deploy.chart import render
    rendered = render("minimal", [Path("values-test.yaml")])
    rendered.get("Service", "dagster-webserver")
"""

from floe_testing.deploy.chart.engine import (
    CHART_NAME,
    DEFAULT_NAMESPACE,
    RELEASE,
    LintReport,
    Rendered,
    chart_dir,
    chart_profiles,
    compose_values,
    default_values,
    lint,
    render,
    validate_values,
)

__all__ = [
    "CHART_NAME",
    "DEFAULT_NAMESPACE",
    "RELEASE",
    "LintReport",
    "Rendered",
    "chart_dir",
    "chart_profiles",
    "compose_values",
    "default_values",
    "lint",
    "render",
    "validate_values",
]

"""The floe-platform Helm chart: compose values, render and lint it (Helm itself runs only in
``floe_testing.tools.helm``), and the checks that keep it honest (service contract, restricted
pods, schemas, sizing).

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

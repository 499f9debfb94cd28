"""Renders shared by the chart tests: each combination is rendered once per session."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from floe_testing.config import load_project
from floe_testing.config.models import FloeTestConfig
from floe_testing.deploy.chart import Rendered, render

ROOT = Path(__file__).resolve().parents[4]
CHART = ROOT / "charts" / "floe-platform"
VALUES_FILES = ("values.yaml", "values-test.yaml", "values-staging.yaml")
NAMESPACE = "floe-ci-1"


def project_config() -> FloeTestConfig:
    return load_project(ROOT / "pyproject.toml").config


PROFILES = tuple(project_config().profiles)  # [tool.floe-test.profiles], in declared order


@cache
def rendered(profile: str, values_file: str = "values-test.yaml", *sets: str) -> Rendered:
    """values.yaml is the chart's default, so it is passed as no file at all."""
    files = [] if values_file == "values.yaml" else [CHART / values_file]
    return render(profile, files, list(sets), namespace=NAMESPACE, chart=CHART)


@cache
def rendered_with(profile: str, values_files: tuple[str, ...], *sets: str) -> Rendered:
    """Several values files layered in order (e.g. values-test.yaml, values-k8s-local.yaml)."""
    files = [CHART / name for name in values_files]
    return render(profile, files, list(sets), namespace=NAMESPACE, chart=CHART)

"""`floe-test chart render|lint|check` as a user runs them."""

from __future__ import annotations

import os
import subprocess

import yaml

from harness.paths import FLOE_TEST

from .renders import ROOT


def floe_test(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLOE_TEST, "chart", *args],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_render_prints_the_profile_as_yaml_with_overrides() -> None:
    result = floe_test(
        "render",
        "--profile",
        "minimal",
        "--values",
        "values-test.yaml",
        "--set",
        "dagster.image.tag=abc123",
        "--namespace",
        "ns1",
    )
    assert result.returncode == 0, result.stderr
    objects = [d for d in yaml.safe_load_all(result.stdout) if d]
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert ("Service", "dagster-webserver") in names
    assert not any(name.startswith(("polaris", "seaweedfs", "cube")) for _, name in names)
    assert {o["metadata"]["namespace"] for o in objects} == {"ns1"}
    webserver = next(
        o
        for o in objects
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "dagster-webserver"
    )
    assert webserver["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":abc123")


def test_lint_passes() -> None:
    result = floe_test("lint", "--values", "values-test.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "lint: no errors" in result.stdout


def test_check_passes_for_full_test_values() -> None:
    result = floe_test("check", "--profile", "full", "--values", "values-test.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks passed" in result.stdout


def test_bad_values_exit_2_with_the_path() -> None:
    result = floe_test("render", "--set", "minimal=yes")
    assert result.returncode == 2
    assert "at '/minimal': got string, want boolean" in result.stderr
    assert result.stdout == ""


def test_missing_values_file_exit_2_listing_the_chart_files() -> None:
    result = floe_test("render", "--values", "values-nope.yaml")
    assert result.returncode == 2
    assert "values-test.yaml" in result.stderr

"""The chart's contract-derived values and Cube files are generated, and committed as generated."""

from __future__ import annotations

import pytest
import yaml

from floe_testing.config import load_project, pins
from floe_testing.deploy.chart import generate


def test_committed_chart_files_equal_the_generated_ones() -> None:
    project = load_project()
    stale = generate.stale(project.root, project.config, pins.all_pins())
    assert stale == [], f"{stale} are stale: run `uv run floe-test chart generate`"


def test_generated_values_carry_every_contract_port_secret_and_pin() -> None:
    project = load_project()
    block = generate.contract_block(project.config, pins.all_pins())
    values = yaml.safe_load((project.root / generate.VALUES_FILE).read_text())
    for name, service in project.config.services.items():
        if service.ports:
            assert {p["port"] for p in values["services"][name]["ports"]} == {
                p.port for p in service.ports
            }
        for ref in service.secrets:
            assert ref.secret in values["secrets"]
    assert (
        values["pins"]
        == block["pins"]
        == {
            "cube": pins.pin("CUBE_VERSION"),
            "seaweedfs": pins.pin("SEAWEEDFS_VERSION"),
        }
    )


def test_regenerating_replaces_only_the_marked_region() -> None:
    project = load_project()
    text = f"before: 1\n{generate.BEGIN}\nservices: {{}}\n{generate.END}\nafter: 2\n"
    out = generate.regenerate(text, project.config, pins.all_pins())
    assert out.startswith("before: 1\n")
    assert out.endswith("after: 2\n")
    assert "dagster-webserver" in out


def test_schema_rejects_values_outside_the_contract() -> None:
    from floe_testing.core.errors import UsageError
    from floe_testing.deploy.chart import render

    with pytest.raises(UsageError, match="services"):
        render("full", [], ["services.polaris.ports[0].port=70000"])
    with pytest.raises(UsageError, match="secrets"):
        render("full", [], ["secrets.not-a-contract-secret.existing=true"])

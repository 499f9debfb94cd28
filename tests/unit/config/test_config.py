"""Configuration is validated once; every error names the file, the key and the fix."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from floe_testing.config.load import load_project, parse_config
from floe_testing.core.errors import EXIT_USAGE, ConfigError

ROOT = Path(__file__).resolve().parents[3]


def _rewrite(tmp_path: Path, old: str, new: str) -> Path:
    text = (ROOT / "pyproject.toml").read_text()
    assert old in text, f"fixture text {old!r} not in pyproject.toml"
    path = tmp_path / "pyproject.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_project_configuration_is_valid() -> None:
    config = load_project(ROOT / "pyproject.toml").config
    assert {"unit", "integration", "e2e", "staging"} <= set(config.tiers)
    assert config.tiers["integration"].profile == "minimal"
    assert config.tiers["e2e"].profile == "full"
    minimal = {s.name for s in config.profile_services("minimal")}
    full = {s.name for s in config.profile_services("full")}
    assert minimal < full
    assert {"polaris", "cube", "seaweedfs"} <= full - minimal


def test_seed_ci_table_is_in_the_configuration() -> None:
    tiers = load_project(ROOT / "pyproject.toml").config.tiers
    budgets = {name: (t.ci.memory, t.ci.minutes) for name, t in tiers.items() if t.ci}
    assert budgets["unit"] == ("4Gi", 2)
    assert budgets["integration"] == ("8Gi", 5)
    assert budgets["e2e"] == ("16Gi", 12)


def test_wrong_type_names_the_key(tmp_path: Path) -> None:
    path = _rewrite(
        tmp_path,
        'backends = ["kind", "local"]\ntimeout = 600',
        'backends = ["kind", "local"]\ntimeout = "ten minutes"',
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(path)
    assert caught.value.key == "tool.floe-test.tiers.integration.timeout"
    assert str(path) in str(caught.value)
    assert caught.value.exit_code == EXIT_USAGE
    assert caught.value.hint is not None
    assert "tiers.integration" in caught.value.hint


def test_unknown_profile_reference_is_named(tmp_path: Path) -> None:
    path = _rewrite(tmp_path, 'profile = "minimal"', 'profile = "tiny"')
    with pytest.raises(ConfigError, match=r"tiers.integration.profile: unknown profile 'tiny'"):
        parse_config(path)


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    path = _rewrite(
        tmp_path, "[tool.floe-test.tiers.unit]\n", "[tool.floe-test.tiers.unit]\nshard = 3\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(path)
    assert caught.value.key == "tool.floe-test.tiers.unit.shard"


def test_unknown_backend_is_rejected(tmp_path: Path) -> None:
    path = _rewrite(tmp_path, 'backends = ["kind", "local"]', 'backends = ["kind", "laptop"]')
    with pytest.raises(ConfigError) as caught:
        parse_config(path)
    assert caught.value.key.startswith("tool.floe-test.tiers.integration.backends")


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.floe-test\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_config(path)


def test_missing_table_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"\[tool.floe-test\] is missing"):
        parse_config(path)


def test_health_check_must_name_a_port(tmp_path: Path) -> None:
    path = _rewrite(
        tmp_path,
        'health = { port = "http", path = "/server_info" }',
        'health = { port = "web", path = "/server_info" }',
    )
    with pytest.raises(ConfigError, match=r"health\.port 'web' is not one of the ports"):
        parse_config(path)


def test_env_names_cannot_be_shared_between_services(tmp_path: Path) -> None:
    path = _rewrite(tmp_path, 'host-env = "POLARIS_HOST"', 'host-env = "DAGSTER_HOST"')
    with pytest.raises(ConfigError, match="DAGSTER_HOST is used by dagster-webserver and polaris"):
        parse_config(path)


def test_toml_of_the_project_parses_with_the_stdlib() -> None:
    assert "floe-test" in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]

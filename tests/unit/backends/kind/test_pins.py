"""One place for each pin: pins/versions.env, and everything else agrees with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from floe_testing.config import pins
from floe_testing.core.errors import UsageError

REPO = Path(__file__).resolve().parents[4]
PINS = pins.load(REPO)
DOCKERFILES = [REPO / "tests" / "Dockerfile", REPO / "docker" / "platform.Dockerfile"]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfile_arg_defaults_are_the_pins(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    assert not re.search(r"^# *syntax", text, re.M)  # BuildKit would pull a frontend image
    for key in ("PYTHON_IMAGE", "UV_IMAGE"):
        (default,) = re.findall(rf"^ARG {key}=(\S+)$", text, re.M)
        assert default == PINS[key], (dockerfile.name, key)


def test_image_tags_agree_with_the_uv_version() -> None:
    assert PINS["UV_IMAGE"].rsplit(":", 1)[1] == PINS["UV_VERSION"]
    assert PINS["LOCAL_UV_IMAGE"].rsplit(":", 1)[1] == PINS["UV_VERSION"]
    assert PINS["DEBIAN_SUITE"] in PINS["PYTHON_IMAGE"]
    assert PINS["DEBIAN_SUITE"] in PINS["LOCAL_PYTHON_IMAGE"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_install_the_pinned_uv(workflow: Path) -> None:
    versions = re.findall(r'UV_VERSION: "([^"]+)"', workflow.read_text())
    assert versions, "a workflow pins uv through env.UV_VERSION"
    assert set(versions) == {PINS["UV_VERSION"]}


def test_scripts_read_the_pins_file() -> None:
    assert ". pins/versions.env" in (REPO / "scripts" / "images").read_text()


def test_malformed_pin_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "pins").mkdir()
    (tmp_path / "pins" / "versions.env").write_text("# ok\nUV_VERSION = 1\n")
    with pytest.raises(UsageError, match=r"versions\.env:2"):
        pins.load(tmp_path)

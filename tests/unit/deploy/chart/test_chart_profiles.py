"""Which values select a profile is read from the chart's values.schema.json (``profile``'s
enum, and the boolean shorthands named after a profile), never spelled in the code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from floe_testing.config.models import FloeTestConfig
from floe_testing.core.errors import UsageError
from floe_testing.deploy.chart.engine import (
    chart_profiles,
    compose_values,
    effective_profile,
    profile_values,
)

from .renders import CHART, PROFILES, rendered


def _chart(tmp_path: Path, profiles: list[str], booleans: list[str]) -> Path:
    properties: dict[str, object] = {"profile": {"type": "string", "enum": profiles}}
    properties.update({name: {"type": "boolean"} for name in booleans})
    (tmp_path / "values.schema.json").write_text(json.dumps({"properties": properties}))
    return tmp_path


def test_profiles_and_shorthands_come_from_the_schema(tmp_path: Path) -> None:
    chart = _chart(tmp_path, ["small", "large"], ["small", "debug"])
    assert chart_profiles(chart) == ("small", "large")
    # a boolean named after a profile is its shorthand; other booleans are not touched
    assert profile_values("small", chart) == {"profile": "small", "small": True}
    assert profile_values("large", chart) == {"profile": "large", "small": False}
    assert effective_profile({"profile": "large", "small": True}, chart) == "small"
    assert effective_profile({"profile": "large", "small": False}, chart) == "large"


def test_an_unknown_profile_names_the_known_ones(tmp_path: Path) -> None:
    chart = _chart(tmp_path, ["small", "large"], [])
    with pytest.raises(UsageError) as caught:
        profile_values("medium", chart)
    assert caught.value.hint == "use one of: small, large"


def test_the_chart_profiles_are_the_configured_ones_in_order(config: FloeTestConfig) -> None:
    assert chart_profiles(CHART) == tuple(config.profiles) == PROFILES


@pytest.mark.parametrize("profile", PROFILES)
def test_choosing_a_profile_overrides_a_shorthand_from_the_files(profile: str) -> None:
    everything_on = {name: True for name in profile_values(profile, CHART) if name != "profile"}
    values = compose_values(profile, chart=CHART)
    assert values == profile_values(profile, CHART)
    assert effective_profile({**everything_on, **values}, CHART) == profile
    assert rendered(profile).profile == profile

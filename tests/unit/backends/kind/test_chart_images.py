"""Which of the chart's images a Kind run loads: those the engine has, whatever the values
name; the node pulls the rest; a local-only image (a LOCAL_*_IMAGE pin) the engine lacks
stops the run before anything starts (exit 2, naming scripts/images build)."""

from __future__ import annotations

import pytest

from floe_testing.backends.kind.chart_images import ChartImages, local_only, split_chart_images
from floe_testing.core.errors import EXIT_USAGE, UsageError

PINS = {
    "LOCAL_POSTGRESQL_IMAGE": "floe-local/postgresql:15-bookworm",
    "LOCAL_CUBE_IMAGE": "floe-local/cube:0.35.81",
    "CUBE_VERSION": "0.35.81",
    "POSTGRESQL_IMAGE": "docker.io/library/postgres:16.9-alpine",
}
PLATFORM = "floe-platform:git-abc"


def test_local_only_images_are_the_local_image_pins() -> None:
    assert local_only(PINS) == {
        "floe-local/postgresql:15-bookworm": "LOCAL_POSTGRESQL_IMAGE",
        "floe-local/cube:0.35.81": "LOCAL_CUBE_IMAGE",
    }


def test_local_images_the_engine_has_are_loaded_and_the_built_platform_is_not_again() -> None:
    chart = {
        PLATFORM: "IfNotPresent",
        "floe-local/postgresql:15-bookworm": "IfNotPresent",
        "floe-local/cube:0.35.81": "IfNotPresent",
    }
    got = split_chart_images(chart, lambda ref: True, local_only(PINS), skip=frozenset({PLATFORM}))
    assert got == ChartImages(
        load=("floe-local/cube:0.35.81", "floe-local/postgresql:15-bookworm"), pulled=()
    )


def test_upstream_images_the_engine_lacks_are_pulled_by_the_node_nothing_loaded() -> None:
    """A laptop with the internet: the chart's upstream images, none in the engine's store."""
    chart = {PLATFORM: "IfNotPresent", "docker.io/library/postgres:16.9-alpine": "IfNotPresent"}
    got = split_chart_images(chart, lambda ref: False, local_only(PINS), skip=frozenset({PLATFORM}))
    assert got == ChartImages(load=(), pulled=("docker.io/library/postgres:16.9-alpine",))


def test_an_image_pulled_always_is_not_loaded_even_when_the_engine_has_it() -> None:
    chart = {"docker.io/library/postgres:16.9-alpine": "Always", "busybox:1.37": ""}
    got = split_chart_images(chart, lambda ref: True, {})
    assert got == ChartImages(
        load=("busybox:1.37",), pulled=("docker.io/library/postgres:16.9-alpine",)
    )


def test_a_local_only_image_the_engine_lacks_is_a_usage_error_naming_the_build() -> None:
    chart = {
        "floe-local/postgresql:15-bookworm": "IfNotPresent",
        "floe-local/cube:0.35.81": "IfNotPresent",
    }
    have = {"floe-local/postgresql:15-bookworm"}.__contains__
    with pytest.raises(UsageError) as caught:
        split_chart_images(
            chart, have, local_only(PINS), engine="docker", values_files=("values-kind-local.yaml",)
        )
    error = caught.value
    assert error.exit_code == EXIT_USAGE
    assert "floe-local/cube:0.35.81 (LOCAL_CUBE_IMAGE in pins/versions.env)" in error.message
    assert "postgresql" not in error.message  # the engine has that one
    assert "through values-kind-local.yaml" in error.message
    assert "scripts/images build" in (error.hint or "")

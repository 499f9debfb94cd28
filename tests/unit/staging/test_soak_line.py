"""What a soak iteration's line says about resource use."""

from __future__ import annotations

from floe_testing.staging.soak import MIB, usage_text


def test_local_memory_is_shown_per_service() -> None:
    text = usage_text({"dagster-webserver": {"rss_bytes": 212 * MIB}})
    assert text == "dagster-webserver 212 MiB"


def test_cluster_memory_and_restarts_are_shown() -> None:
    text = usage_text({"postgresql": {"memory_bytes": 40 * MIB, "restarts": 1.0}})
    assert text == "postgresql 40 MiB (1 restarts)"


def test_without_the_metrics_api_no_zero_memory_is_claimed() -> None:
    text = usage_text({"postgresql": {"restarts": 0.0}, "dagster-daemon": {"restarts": 0.0}})
    assert "MiB" not in text
    assert "postgresql (0 restarts)" in text
    assert "memory not measured" in text


def test_no_samples_at_all() -> None:
    assert usage_text({}) == "no resource samples"

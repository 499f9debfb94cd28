"""What a soak iteration's line says about resource use."""

from __future__ import annotations

from floe_testing.staging.soak import MIB, restart_finding, restarted, usage_text


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


def test_replaced_pods_are_shown_beside_restarts() -> None:
    text = usage_text({"seaweedfs": {"memory_bytes": 30 * MIB, "restarts": 0.0, "replaced": 1.0}})
    assert text == "seaweedfs 30 MiB (0 restarts, 1 pods replaced)"


def test_a_restart_finding_names_each_service_that_restarted() -> None:
    samples = [
        {"seaweedfs": 0.0, "polaris": 0.0, "cube": 1.0},
        {"seaweedfs": 1.0, "polaris": 1.0, "cube": 1.0},
    ]
    assert restart_finding(samples) == (
        "restarts: platform services restarted during the soak (polaris 1, seaweedfs 1; "
        "container restarts and replaced pods)"
    )


def test_no_restart_finding_without_growth_or_with_one_sample() -> None:
    assert restart_finding([{"cube": 2.0}, {"cube": 2.0}]) is None
    assert restart_finding([{"cube": 2.0}]) is None


def test_restarted_adds_container_restarts_and_replaced_pods() -> None:
    assert restarted({"restarts": 2.0, "replaced": 1.0, "memory_bytes": 5.0}) == 3.0
    assert restarted({}) == 0.0


def test_the_soak_follows_graphql_and_cube_latency_across_iterations() -> None:
    from typing import Any, cast

    from floe_testing.report.cases import Case
    from floe_testing.staging.soak import SoakPhase

    soak = SoakPhase(duration=1.0, max_failures=0, history=cast(Any, None))
    for p95 in (0.1, 0.2):
        cases = [
            Case("test_graphql", "passed", 1.0, metrics={"graphql_p95_seconds": p95}),
            Case("test_cube", "passed", 1.0, metrics={"cube_query_p95_seconds": p95 * 2}),
        ]
        soak._sample({"cube": {"restarts": 0.0, "replaced": float(p95 > 0.1)}}, cases)
    assert soak.latency == {
        "graphql_p95_seconds": [0.1, 0.2],
        "cube_query_p95_seconds": [0.2, 0.4],
    }
    assert soak.restarts == [{"cube": 0.0}, {"cube": 1.0}]

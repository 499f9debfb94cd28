"""What a soak iteration's line says about resource use."""

from __future__ import annotations

from floe_testing.staging.soak import MIB, replacement_note, restart_finding, usage_text


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
        "restarts: platform containers restarted during the soak (polaris 1, seaweedfs 1; "
        "`kubectl describe pod` gives the last state)"
    )


def test_replaced_pods_are_a_note_naming_each_service() -> None:
    samples = [{"seaweedfs": 0.0, "cube": 0.0}, {"seaweedfs": 2.0, "cube": 0.0}]
    assert replacement_note(samples) == (
        "pods replaced during the soak (seaweedfs 2): the iterations after them judge recovery"
    )
    assert replacement_note([{"cube": 1.0}, {"cube": 1.0}]) is None


def test_no_restart_finding_without_growth_or_with_one_sample() -> None:
    assert restart_finding([{"cube": 2.0}, {"cube": 2.0}]) is None
    assert restart_finding([{"cube": 2.0}]) is None


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
    assert soak.restarts == [{"cube": 0.0}, {"cube": 0.0}]
    assert soak.replaced == [{"cube": 0.0}, {"cube": 1.0}]


def test_a_replaced_pod_is_reported_and_a_restarted_container_fails_the_soak() -> None:
    from types import SimpleNamespace
    from typing import Any, cast

    from floe_testing.staging.soak import SoakPhase

    plan = cast(Any, SimpleNamespace(settings={}))
    moved = SoakPhase(duration=1.0, max_failures=1, history=cast(Any, None), iterations=3)
    moved.failures = 1  # the iteration the deletion hit
    moved._sample({"polaris": {"restarts": 0.0, "replaced": 0.0}}, [])
    moved._sample({"polaris": {"restarts": 0.0, "replaced": 1.0}}, [])
    outcome = moved._outcome(plan)
    assert outcome.exit_status == 0, outcome
    assert "pods replaced during the soak (polaris 1)" in outcome.detail

    crashed = SoakPhase(duration=1.0, max_failures=1, history=cast(Any, None), iterations=3)
    crashed._sample({"cube": {"restarts": 0.0, "replaced": 0.0}}, [])
    crashed._sample({"cube": {"restarts": 1.0, "replaced": 0.0}}, [])
    outcome = crashed._outcome(plan)
    assert outcome.exit_status == 1, outcome
    assert "platform containers restarted during the soak (cube 1;" in outcome.detail

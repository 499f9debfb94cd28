"""Joining requirements and tests: tiers by path, coverage, unmarked, unknown and malformed."""

from __future__ import annotations

import pytest

from floe_testing.config import load_project
from floe_testing.traceability.collect import CollectedTest, Collection
from floe_testing.traceability.report import build_report, default_gated_tiers, tier_of
from floe_testing.traceability.requirements import Requirement, RequirementList

TIERS = list(load_project().config.tiers.values())
LISTED = RequirementList(
    requirements=(
        Requirement(id="FLOE-INT-001", title="webserver answers", tier="integration"),
        Requirement(id="FLOE-E2E-001", title="services healthy", tier="e2e"),
        Requirement(id="FLOE-E2E-002", title="pipeline runs", tier="e2e"),
    )
)


def _test(nodeid: str, *ids: str, problems: tuple[str, ...] = ()) -> CollectedTest:
    path = "/work/" + nodeid.split("::")[0]
    return CollectedTest(nodeid, path, tuple(ids), problems)


@pytest.mark.parametrize(
    ("path", "tier"),
    [
        ("/repo/tests/integration/test_a.py", "integration"),
        ("/tmp/copy/tests/e2e/sub/test_b.py", "e2e"),
        ("/repo/tests/unit/core/test_c.py", "unit"),
        ("/repo/tests/e2e_extra/test_d.py", None),
        ("/repo/other/test_e.py", None),
    ],
)
def test_tier_is_found_from_the_configured_path(path: str, tier: str | None) -> None:
    assert tier_of(path, TIERS) == tier


def test_integration_and_e2e_are_gated_by_default() -> None:
    assert sorted(default_gated_tiers(TIERS)) == ["e2e", "integration"]


def test_report_maps_requirements_to_tests_and_finds_the_gaps() -> None:
    collection = Collection(
        tests=(
            _test("tests/integration/test_a.py::test_one", "FLOE-INT-001"),
            _test("tests/integration/test_a.py::test_two", "FLOE-INT-001", "FLOE-INT-999"),
            _test("tests/e2e/test_b.py::test_unmarked"),
            _test("tests/e2e/test_b.py::test_bad", problems=("requirement marker without an ID",)),
            _test("tests/e2e/test_b.py::test_pipeline", "FLOE-E2E-002"),
            _test("tests/unit/test_c.py::test_unit_unmarked"),
        )
    )
    report = build_report(LISTED, collection, TIERS)
    by_id = {c.requirement.id: c.tests for c in report.coverage}
    assert by_id == {
        "FLOE-INT-001": (
            "tests/integration/test_a.py::test_one",
            "tests/integration/test_a.py::test_two",
        ),
        "FLOE-E2E-001": (),
        "FLOE-E2E-002": ("tests/e2e/test_b.py::test_pipeline",),
    }
    assert report.unmarked == ("tests/e2e/test_b.py::test_unmarked",)
    assert report.unknown == {"tests/integration/test_a.py::test_two": ("FLOE-INT-999",)}
    assert list(report.malformed) == ["tests/e2e/test_b.py::test_bad"]
    assert [r.id for r in report.uncovered] == ["FLOE-E2E-001"]
    assert round(report.coverage_percent, 1) == 66.7
    assert len(report.violations()) == 3

    document = report.to_json()
    assert document["summary"]["passed"] is False
    assert document["requirements_without_tests"] == ["FLOE-E2E-001"]
    assert document["unmarked"] == ["tests/e2e/test_b.py::test_unmarked"]
    unit = next(t for t in document["tests"] if t["nodeid"].endswith("test_unit_unmarked"))
    assert unit == {
        "nodeid": "tests/unit/test_c.py::test_unit_unmarked",
        "tier": "unit",
        "requirements": [],
        "gated": False,
    }


def test_unmarked_unit_tests_pass_unless_their_tier_is_gated() -> None:
    collection = Collection(tests=(_test("tests/unit/test_c.py::test_x"),))
    assert build_report(LISTED, collection, TIERS).violations() == []
    gated = build_report(LISTED, collection, TIERS, gated_tiers=["unit"])
    assert gated.violations() == ["tests/unit/test_c.py::test_x: no requirement marker"]


def test_collection_errors_fail_the_gate() -> None:
    collection = Collection(tests=(), errors=("tests/e2e/test_x.py: SyntaxError\n  detail",))
    assert build_report(LISTED, collection, TIERS).violations() == [
        "collection error: tests/e2e/test_x.py: SyntaxError"
    ]

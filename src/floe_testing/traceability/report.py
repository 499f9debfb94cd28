"""Join requirements and collected tests: coverage, gaps, and the gate's verdict.

A test belongs to the tier whose configured path (e.g. ``tests/e2e``) appears in its file path,
so a copy of a suite elsewhere, or a platform team's suite laid out the same way, is judged by
the same rules. The gate fails when a test of a gated tier (by default the tiers configured with
``traceability = true``; others opt in with ``--gate-tier``) has no requirement marker, when
any test names an ID the requirement list does not have or uses the marker wrongly, and when
collection itself failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from floe_testing.config import Tier
from floe_testing.traceability.collect import CollectedTest, Collection
from floe_testing.traceability.requirements import Requirement, RequirementList


def tier_of(path: str, tiers: Iterable[Tier]) -> str | None:
    """The tier whose path components appear, in order and adjacent, in ``path``."""
    parts = PurePath(path).parts
    best: tuple[int, str] | None = None
    for tier in tiers:
        wanted = PurePath(tier.path).parts
        for start in range(len(parts) - len(wanted) + 1):
            if parts[start : start + len(wanted)] == wanted and (
                best is None or len(wanted) > best[0]
            ):
                best = (len(wanted), tier.name)
    return best[1] if best else None


def default_gated_tiers(tiers: Iterable[Tier]) -> list[str]:
    """Tiers whose tests must trace to requirements unless the caller names others: those
    configured with ``traceability = true``."""
    return [tier.name for tier in tiers if tier.traceability]


@dataclass(frozen=True)
class TracedTest:
    nodeid: str
    tier: str | None
    requirements: tuple[str, ...]
    gated: bool


@dataclass(frozen=True)
class Coverage:
    requirement: Requirement
    tests: tuple[str, ...]

    @property
    def covered(self) -> bool:
        return bool(self.tests)


@dataclass(frozen=True)
class TraceabilityReport:
    coverage: tuple[Coverage, ...]
    tests: tuple[TracedTest, ...]
    gated_tiers: tuple[str, ...]
    unmarked: tuple[str, ...]
    unknown: Mapping[str, tuple[str, ...]]
    malformed: Mapping[str, tuple[str, ...]]
    collection_errors: tuple[str, ...] = field(default=())

    @property
    def uncovered(self) -> list[Requirement]:
        return [c.requirement for c in self.coverage if not c.covered]

    @property
    def coverage_percent(self) -> float:
        if not self.coverage:
            return 100.0
        return 100.0 * sum(c.covered for c in self.coverage) / len(self.coverage)

    def violations(self) -> list[str]:
        """Why the gate fails; empty when it passes."""
        found = [f"collection error: {error.splitlines()[0]}" for error in self.collection_errors]
        found += [f"{nodeid}: no requirement marker" for nodeid in self.unmarked]
        found += [
            f"{nodeid}: unknown requirement {', '.join(ids)}"
            for nodeid, ids in self.unknown.items()
        ]
        found += [f"{nodeid}: {'; '.join(p)}" for nodeid, p in self.malformed.items()]
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": {
                "requirements": len(self.coverage),
                "covered": sum(c.covered for c in self.coverage),
                "coverage_percent": round(self.coverage_percent, 1),
                "tests": len(self.tests),
                "gated_tiers": list(self.gated_tiers),
                "passed": not self.violations(),
            },
            "requirements": [
                {
                    "id": c.requirement.id,
                    "title": c.requirement.title,
                    "tier": c.requirement.tier,
                    "tests": list(c.tests),
                    "covered": c.covered,
                }
                for c in self.coverage
            ],
            "tests": [
                {
                    "nodeid": t.nodeid,
                    "tier": t.tier,
                    "requirements": list(t.requirements),
                    "gated": t.gated,
                }
                for t in self.tests
            ],
            "unmarked": list(self.unmarked),
            "unknown": {nodeid: list(ids) for nodeid, ids in self.unknown.items()},
            "malformed": {nodeid: list(p) for nodeid, p in self.malformed.items()},
            "requirements_without_tests": [r.id for r in self.uncovered],
            "collection_errors": list(self.collection_errors),
            "violations": self.violations(),
        }


def _trace(test: CollectedTest, tiers: Iterable[Tier], gated: set[str]) -> TracedTest:
    tier = tier_of(test.path, tiers)
    return TracedTest(test.nodeid, tier, test.requirements, tier in gated)


def build_report(
    requirements: RequirementList,
    collection: Collection,
    tiers: Iterable[Tier],
    gated_tiers: Iterable[str] | None = None,
) -> TraceabilityReport:
    tiers = list(tiers)
    gated = set(default_gated_tiers(tiers) if gated_tiers is None else gated_tiers)
    known = requirements.by_id()
    traced = [_trace(test, tiers, gated) for test in collection.tests]
    by_requirement: dict[str, list[str]] = {rid: [] for rid in known}
    unknown: dict[str, tuple[str, ...]] = {}
    for test in traced:
        for rid in test.requirements:
            if rid in by_requirement:
                by_requirement[rid].append(test.nodeid)
        missing = tuple(rid for rid in test.requirements if rid not in known)
        if missing:
            unknown[test.nodeid] = missing
    return TraceabilityReport(
        coverage=tuple(Coverage(known[rid], tuple(ids)) for rid, ids in by_requirement.items()),
        tests=tuple(traced),
        gated_tiers=tuple(sorted(gated)),
        unmarked=tuple(
            t.nodeid
            for t, c in zip(traced, collection.tests, strict=True)
            if t.gated and not t.requirements and not c.problems
        ),
        unknown=unknown,
        malformed={t.nodeid: t.problems for t in collection.tests if t.problems},
        collection_errors=collection.errors,
    )

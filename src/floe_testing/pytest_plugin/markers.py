"""The plugin's markers: registered once so ``--strict-markers`` suites accept them.

``requirement`` links a test to IDs in ``docs/requirements.yaml`` (the traceability gate reads
it); ``services`` names the contract services whose logs are attached when the test fails
(tests that use a service fixture get that service's logs without it).
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

REQUIREMENT = "requirement"
SERVICES = "services"
POLARIS_ONLY = "polaris_only"

MARKERS: dict[str, str] = {
    REQUIREMENT: (
        "requirement(*ids): the requirement IDs (docs/requirements.yaml) this test verifies; "
        "`floe-test requirements --gate` fails when an integration or e2e test has none"
    ),
    SERVICES: (
        "services(*names): contract services (or aliases) whose recent logs are attached "
        "to this test's report when it fails"
    ),
    POLARIS_ONLY: (
        "polaris_only: needs Polaris itself (OAuth, principals, grants, management API); "
        "deselected, with the reason printed, where Iceberg's REST catalog server stands in "
        "for it (FLOE_CATALOG_IMPLEMENTATION=iceberg-rest: the local backend, and the chart's "
        "catalog.implementation=iceberg-rest; docs/catalog.md)"
    ),
}

# Set by the platform (the chart's catalog-client ConfigMap, the local backend): which
# implementation serves the contract's polaris Service.
CATALOG_IMPLEMENTATION_ENV = "FLOE_CATALOG_IMPLEMENTATION"
STAND_IN = "iceberg-rest"
STAND_IN_REASON = (
    "the catalog is Iceberg's REST catalog server standing in for Polaris "
    f"({CATALOG_IMPLEMENTATION_ENV}={STAND_IN}: no OAuth, principals, grants or management "
    f"API; docs/catalog.md), so the tests marked {POLARIS_ONLY} do not run here"
)


def stand_in_deselected(items: list[pytest.Item], implementation: str | None) -> list[pytest.Item]:
    """The items the catalog stand-in cannot answer (removed from ``items`` in place)."""
    if implementation != STAND_IN:
        return []
    dropped = [item for item in items if item.get_closest_marker(POLARIS_ONLY) is not None]
    items[:] = [item for item in items if item.get_closest_marker(POLARIS_ONLY) is None]
    return dropped


# Services a fixture talks to: their logs are relevant when a test using the fixture fails.
FIXTURE_SERVICES: dict[str, tuple[str, ...]] = {
    "dagster_client": ("dagster-webserver", "dagster-daemon", "dagster-user-code"),
    "polaris_catalog": ("polaris",),
    "cube_client": ("cube",),
}


def register(config: pytest.Config) -> None:
    for line in MARKERS.values():
        config.addinivalue_line("markers", line)


def requirement_ids(item: pytest.Item) -> tuple[list[str], list[str]]:
    """The item's requirement IDs (class and module markers included) and any malformed use.

    A marker with no argument, or a non-string or blank argument, is reported as a problem
    rather than ignored: a silent no-op marker is how traceability rots.
    """
    ids: list[str] = []
    problems: list[str] = []
    for marker in item.iter_markers(REQUIREMENT):
        if not marker.args:
            problems.append("requirement marker without an ID")
        for value in marker.args:
            if isinstance(value, str) and value.strip():
                if value.strip() not in ids:
                    ids.append(value.strip())
            else:
                problems.append(f"requirement marker argument {value!r} is not an ID string")
    return ids, problems


def declared_services(item: pytest.Item) -> list[str]:
    """Services named by ``services`` markers and implied by the fixtures the test uses."""
    names: list[str] = []
    for marker in item.iter_markers(SERVICES):
        names.extend(str(arg) for arg in marker.args)
    fixtures: Iterable[str] = getattr(item, "fixturenames", ())
    for fixture in fixtures:
        names.extend(FIXTURE_SERVICES.get(fixture, ()))
    return list(dict.fromkeys(names))

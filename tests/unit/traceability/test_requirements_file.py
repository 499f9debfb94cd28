"""The checked-in requirement list is valid; bad lists fail with the file and entry named."""

from __future__ import annotations

from pathlib import Path

import pytest

from floe_testing.core.errors import UsageError
from floe_testing.traceability.requirements import load_requirements

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_checked_in_list_has_the_integration_and_e2e_ids() -> None:
    listed = load_requirements(REPO_ROOT / "docs" / "requirements.yaml").by_id()
    assert {f"FLOE-INT-00{i}" for i in range(1, 8)} <= set(listed)
    assert {f"FLOE-E2E-00{i}" for i in range(1, 7)} <= set(listed)
    assert all(r.title for r in listed.values())


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("requirements:\n  - {id: A-1, title: x}\n  - {id: A-1, title: y}\n", "listed twice"),
        ("requirements:\n  - {id: lower-1, title: x}\n", "requirements.0.id"),
        ("requirements:\n  - {id: A-1}\n", "requirements.0.title"),
        ("requirements:\n  - {id: A-1, title: x, owner: me}\n", "requirements.0.owner"),
        ("requirements: [\n", "not valid YAML"),
    ],
)
def test_bad_lists_are_rejected_naming_the_entry(
    tmp_path: Path, document: str, problem: str
) -> None:
    path = tmp_path / "requirements.yaml"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(UsageError) as error:
        load_requirements(path)
    assert problem in str(error.value)
    assert str(path) in str(error.value)


def test_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist") as error:
        load_requirements(tmp_path / "nope.yaml")
    assert "--requirements-file" in str(error.value.hint)

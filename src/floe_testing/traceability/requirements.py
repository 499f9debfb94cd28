"""The checked-in requirement list: IDs with titles, validated once.

The gate is only as good as this list: without it, "coverage" is measured against the IDs the
markers happen to name and can never fail (the upstream project's gate). Unknown IDs in markers
are therefore errors, and so is a malformed or duplicated entry here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from floe_testing.core.errors import UsageError

DEFAULT_PATH = Path("docs/requirements.yaml")
ID_PATTERN = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$"


class Requirement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=ID_PATTERN)]
    title: Annotated[str, Field(min_length=1)]
    tier: str | None = None


class RequirementList(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    requirements: tuple[Requirement, ...]

    @model_validator(mode="after")
    def _unique(self) -> RequirementList:
        seen: set[str] = set()
        for requirement in self.requirements:
            if requirement.id in seen:
                raise ValueError(f"requirement {requirement.id} is listed twice")
            seen.add(requirement.id)
        return self

    def by_id(self) -> dict[str, Requirement]:
        return {r.id: r for r in self.requirements}


def load_requirements(path: Path) -> RequirementList:
    """Parse and validate ``path``; errors name the file, the entry and the fix."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"requirements file {path} does not exist",
            "create it (see docs/requirements.yaml) or pass --requirements-file PATH",
        ) from None
    except yaml.YAMLError as exc:
        raise UsageError(f"{path} is not valid YAML: {exc}", "fix the YAML syntax") from None
    try:
        return RequirementList.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise UsageError(
            f"{path}: {where}: {first['msg'].removeprefix('Value error, ')}",
            "each entry needs `id` (e.g. FLOE-INT-001) and `title`; IDs must be unique",
        ) from None

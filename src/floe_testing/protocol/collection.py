"""The collection document: what ``pytest --floe-collect-json=PATH`` writes (the plugin's
recorder, on the test side) and the traceability gate reads (on the host)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

COLLECT_OPTION = "--floe-collect-json"


@dataclass(frozen=True)
class CollectedTest:
    nodeid: str
    path: str
    requirements: tuple[str, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Collection:
    tests: tuple[CollectedTest, ...]
    errors: tuple[str, ...] = field(default=())

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Collection:
        tests = tuple(
            CollectedTest(
                nodeid=t["nodeid"],
                path=t["path"],
                requirements=tuple(t["requirements"]),
                problems=tuple(t.get("problems", ())),
            )
            for t in document.get("tests", [])
        )
        return cls(tests=tests, errors=tuple(document.get("errors", [])))

"""Read and merge JUnit XML through junitparser."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from junitparser import JUnitXml


@dataclass(frozen=True)
class Totals:
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0

    @property
    def passed(self) -> int:
        return self.tests - self.failures - self.errors - self.skipped

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "passed": self.passed}


def read_totals(path: Path) -> Totals | None:
    """Totals of a JUnit file, or None when it is missing or unreadable."""
    if not path.is_file():
        return None
    try:
        xml = JUnitXml.fromfile(str(path))
    except Exception:
        return None
    suites = list(xml) if isinstance(xml, JUnitXml) else [xml]
    tests = failures = errors = skipped = 0
    for suite in suites:
        suite.update_statistics()  # type: ignore[no-untyped-call]
        tests += suite.tests
        failures += suite.failures
        errors += suite.errors
        skipped += suite.skipped
    return Totals(tests, failures, errors, skipped)


def merge(parts: list[Path], output: Path) -> Totals:
    """Merge shard JUnit files into one (keeps each shard's suites)."""
    merged = JUnitXml()
    for part in parts:
        merged += JUnitXml.fromfile(str(part))
    merged.update_statistics()  # type: ignore[no-untyped-call]
    output.parent.mkdir(parents=True, exist_ok=True)
    merged.write(str(output), pretty=True)
    return read_totals(output) or Totals()

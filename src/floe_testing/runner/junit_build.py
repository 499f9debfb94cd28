"""JUnit from the shard plugin's journal, for when pytest died before writing its own.

Each test appears once: an error in setup or teardown, a failure in the call, skipped, or
passed. The test that had started but not finished is reported as an error naming the crash,
so a crashed shard can never look green.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite


def _records(journal: Path) -> list[dict[str, Any]]:
    if not journal.is_file():
        return []
    records: list[dict[str, Any]] = []
    for line in journal.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            break  # the line being written when the process died
    return records


def _case(nodeid: str) -> TestCase:
    path, _, rest = nodeid.partition("::")
    parts = rest.split("::") if rest else [path]
    module = path.removesuffix(".py").replace("/", ".")
    classname = ".".join([module, *parts[:-1]])
    return TestCase(name=parts[-1], classname=classname)


def build_from_journal(journal: Path, shard: int, status: int) -> tuple[str, str]:
    """JUnit XML text from the journal, and the test that was running when pytest ended."""
    cases: dict[str, TestCase] = {}
    times: dict[str, float] = {}
    finished: set[str] = set()
    running = ""
    for record in _records(journal):
        nodeid = record["nodeid"]
        if record["event"] == "start":
            cases.setdefault(nodeid, _case(nodeid))
            running = nodeid
            continue
        case = cases.setdefault(nodeid, _case(nodeid))
        times[nodeid] = times.get(nodeid, 0.0) + float(record.get("duration", 0.0))
        outcome, when, text = record["outcome"], record["when"], record.get("text", "")
        if outcome == "failed" and not case.result:
            result = Failure if when == "call" else Error
            case.result = [result(message=f"{when} failed", type_=None)]
            case.result[0].text = text
        elif outcome == "skipped" and not case.result:
            case.result = [Skipped(message=text[:200])]
        if when == "teardown":
            finished.add(nodeid)
    suite = TestSuite(f"shard-{shard}")
    for nodeid, case in cases.items():
        case.time = round(times.get(nodeid, 0.0), 3)
        if nodeid not in finished and not case.result:
            crash = Error(message=f"pytest crashed (status {status}) while running this test")
            crash.text = "the test process ended before this test finished; see the shard log"
            case.result = [crash]
        suite.add_testcase(case)
    if not cases or (running and running in finished):
        crash_case = TestCase(name="pytest-session", classname=f"floe_test.shard{shard}")
        crash_case.result = [Error(message=f"pytest ended with status {status} without a report")]
        suite.add_testcase(crash_case)
    suite.update_statistics()  # type: ignore[no-untyped-call]
    xml = JUnitXml()
    xml.add_testsuite(suite)
    xml.update_statistics()  # type: ignore[no-untyped-call]
    text = xml.tostring()  # type: ignore[no-untyped-call]
    xml_text = text.decode() if isinstance(text, bytes) else str(text)
    return xml_text, running if running and running not in finished else ""


def durations_from_journal(journal: Path) -> dict[str, float]:
    """Seconds per test (setup + call + teardown), for balancing the next split."""
    totals: dict[str, float] = {}
    for record in _records(journal):
        if record["event"] == "report":
            nodeid = record["nodeid"]
            totals[nodeid] = round(totals.get(nodeid, 0.0) + float(record["duration"]), 4)
    return totals


def totals_of(xml_text: str) -> dict[str, int]:
    """tests/failures/errors/skipped of a JUnit document (zeros when unreadable)."""
    keys = ("tests", "failures", "errors", "skipped")
    try:
        xml = JUnitXml.fromstring(xml_text)
    except Exception:
        return dict.fromkeys(keys, 0)
    suites = list(xml) if isinstance(xml, JUnitXml) else [xml]
    sums = dict.fromkeys(keys, 0)
    for suite in suites:
        suite.update_statistics()  # type: ignore[no-untyped-call]
        for key in keys:
            sums[key] += int(getattr(suite, key) or 0)
    return sums

"""Re-reading a followed log: nothing repeated, nothing lost, rotation or not."""

from __future__ import annotations

from floe_testing.jobs.logcursor import LogCursor, split_stamp

T1 = "2026-12-01T09:00:01.000000100Z"
T1B = "2026-12-01T09:00:01.5Z"
T2 = "2026-12-01T09:00:02.000000001Z"


def _read(cursor: LogCursor, lines: list[str]) -> list[str]:
    cursor.restart()
    return [text for raw in lines if (text := cursor.accept(raw)) is not None]


def test_a_re_read_from_the_last_second_skips_what_was_taken() -> None:
    cursor = LogCursor()
    assert _read(cursor, [f"{T1} a", f"{T1B} b"]) == ["a", "b"]
    assert cursor.since_time() == "2026-12-01T09:00:01Z"
    # the server answers from the whole second: a and b again, then new lines
    assert _read(cursor, [f"{T1} a", f"{T1B} b", f"{T1B} c", f"{T2} d"]) == ["c", "d"]
    assert cursor.taken == 4


def test_lines_with_one_timestamp_are_counted() -> None:
    cursor = LogCursor()
    assert _read(cursor, [f"{T1} x", f"{T1} x"]) == ["x", "x"]
    assert _read(cursor, [f"{T1} x", f"{T1} x", f"{T1} x"]) == ["x"]


def test_rotation_loses_the_early_lines_but_not_the_position() -> None:
    """After rotation the re-read starts later than the first read did: counting would skip
    new lines, the timestamp does not."""
    cursor = LogCursor()
    assert _read(cursor, [f"{T1} early", f"{T1B} mid"]) == ["early", "mid"]
    assert _read(cursor, [f"{T2} late-1", f"{T2} late-2"]) == ["late-1", "late-2"]


def test_unstamped_logs_fall_back_to_counting() -> None:
    cursor = LogCursor()
    assert _read(cursor, ["a", "b"]) == ["a", "b"]
    assert cursor.since_time() is None
    assert _read(cursor, ["a", "b", "c"]) == ["c"]


def test_split_stamp_keeps_the_text_verbatim() -> None:
    assert split_stamp(f"{T1}   indented") == (("2026-12-01T09:00:01", 100), "  indented")
    assert split_stamp(f"{T1} ") == (("2026-12-01T09:00:01", 100), "")
    assert split_stamp("no stamp here") == (None, "no stamp here")

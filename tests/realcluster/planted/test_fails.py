"""Planted: one test passes, one fails (a red run, not an infrastructure failure)."""


def test_passes() -> None:
    assert True


def test_fails() -> None:
    assert 1 + 1 == 3, "planted failure"

"""Planted: allocates well beyond the test pod's memory limit (the tier's 1Gi)."""


def test_allocates_beyond_the_limit() -> None:
    hog = b"x" * (3 * 1024**3)
    assert len(hog) > 0

"""Planted: one test passes, the next allocates 3 GiB under the tier's 1 GiB limit (the kernel
OOM-kills pytest mid-run), a third never runs. What comes back is partial: the first test
passed, the second as an error naming the crash."""


def test_passes_before_the_oom() -> None:
    assert True


def test_allocates_beyond_the_limit() -> None:
    hog = b"x" * (3 * 1024**3)
    assert len(hog) > 0


def test_never_runs() -> None:
    assert True

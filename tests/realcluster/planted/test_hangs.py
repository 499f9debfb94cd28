"""Planted: never finishes on its own (the tier deadline must stop it)."""

import threading


def test_hangs() -> None:
    threading.Event().wait(600)

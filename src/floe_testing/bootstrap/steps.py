"""What one bootstrap check found or did; the CLI prints these, the tests compare them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One thing the bootstrap ensured and what it had to do: created, updated or exists."""

    what: str
    outcome: str

    def __str__(self) -> str:
        return f"{self.what}: {self.outcome}"

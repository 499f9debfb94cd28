"""Isolated resource names: DNS-1123 safe, at most 63 characters, unique across runs.

Parallel runs (shards, CI jobs, two developers on one cluster) share catalogs and namespaces,
so every name a test creates carries a random suffix wide enough that collisions are not a
practical concern (50 bits), plus an in-process register so one process never repeats itself.
Names also start with a letter, which makes them valid DNS-1035 labels (Service names) too.
"""

from __future__ import annotations

import re
import secrets
import threading

MAX_LENGTH = 63
SUFFIX_LENGTH = 10
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_INVALID = re.compile(r"[^a-z0-9]+")
DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")

_issued: set[str] = set()
_lock = threading.Lock()


def _suffix() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(SUFFIX_LENGTH))


def sanitize(prefix: str, separator: str = "-") -> str:
    """Lower-case ``prefix`` and fold every run of invalid characters into ``separator``."""
    cleaned = _INVALID.sub(separator, prefix.lower()).strip(separator)
    if not cleaned or not cleaned[0].isalpha():
        cleaned = f"t{separator}{cleaned}" if cleaned else "t"
    return cleaned


def unique_name(prefix: str = "t", *, max_length: int = MAX_LENGTH, separator: str = "-") -> str:
    """``<prefix>-<10 random base-36 characters>``, truncating the prefix to fit ``max_length``.

    ``separator="_"`` gives identifiers for SQL and Iceberg namespaces, where ``-`` would
    need quoting; the result is still unique and at most ``max_length`` long.
    """
    if separator not in ("-", "_"):
        raise ValueError("separator must be '-' or '_'")
    room = max_length - SUFFIX_LENGTH - 1
    if room < 1:
        raise ValueError(f"max_length must be at least {SUFFIX_LENGTH + 2}")
    head = sanitize(prefix, separator)[:room].rstrip(separator) or "t"
    with _lock:
        while True:
            name = f"{head}{separator}{_suffix()}"
            if name not in _issued:
                _issued.add(name)
                return name


def is_dns_label(name: str) -> bool:
    """True for a valid DNS-1123 label that also starts with a letter (<= 63 characters)."""
    return len(name) <= MAX_LENGTH and bool(DNS_LABEL.match(name))

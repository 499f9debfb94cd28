"""Deterministic source data at any scale, generated in bounded memory.

Scale 1 is 500 customers and 4,000 orders; scale N is N times that (``--scale 100`` is
50,000 customers and 400,000 orders). Rows come in batches of at most ``BATCH`` and each
batch has its own random generator seeded from (seed, table, batch index), so a batch never
depends on how many came before it: the same seed and scale always yield the same rows, and
memory stays at one batch however large the scale.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

SEED = 20261124
CUSTOMERS = 500
ORDERS = 4000
BATCH = 10_000
MAX_SCALE = 10_000
SEGMENTS = ("Consumer", "Corporate", "Small Business")
STATUSES = ("completed", "completed", "completed", "shipped", "cancelled")
FIRST_DAY = date(2026, 1, 1)
DAYS = 90


@dataclass(frozen=True)
class Customer:
    customer_id: int
    name: str
    segment: str
    signup_date: date


@dataclass(frozen=True)
class Order:
    order_id: int
    customer_id: int
    order_date: date
    amount: float
    status: str


def check_scale(scale: int) -> int:
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between 1 and {MAX_SCALE}, not {scale}")
    return scale


def _rng(seed: int, table: str, batch: int) -> random.Random:
    # a str seed is hashed with SHA-512 by random.seed: stable across processes and versions
    return random.Random(f"{seed}/{table}/{batch}")  # noqa: S311 - reproducible, not secret


def _batches(total: int) -> Iterator[tuple[int, int, int]]:
    """(batch index, first id, last id) covering ids 1..total in BATCH-sized pieces."""
    for index, first in enumerate(range(1, total + 1, BATCH)):
        yield index, first, min(first + BATCH - 1, total)


def customer_batches(seed: int = SEED, scale: int = 1) -> Iterator[list[Customer]]:
    for index, first, last in _batches(CUSTOMERS * check_scale(scale)):
        rng = _rng(seed, "customers", index)
        yield [
            Customer(
                customer_id=i,
                # untrimmed names and mixed-case segments on purpose: staging cleans them
                name=f" customer-{i:05d} ",
                segment=rng.choice(SEGMENTS).upper() if i % 7 == 0 else rng.choice(SEGMENTS),
                signup_date=FIRST_DAY - timedelta(days=rng.randint(0, 365)),
            )
            for i in range(first, last + 1)
        ]


def order_batches(seed: int = SEED, scale: int = 1) -> Iterator[list[Order]]:
    customer_count = CUSTOMERS * check_scale(scale)
    for index, first, last in _batches(ORDERS * scale):
        rng = _rng(seed, "orders", index)
        yield [
            Order(
                order_id=i,
                customer_id=rng.randint(1, customer_count),
                order_date=FIRST_DAY + timedelta(days=rng.randrange(DAYS)),
                amount=round(rng.uniform(5, 500), 2),
                status=rng.choice(STATUSES),
            )
            for i in range(first, last + 1)
        ]


def customers(seed: int = SEED, scale: int = 1) -> list[Customer]:
    """All customers as one list: for small scales (tests); pipelines use the batches."""
    return [c for batch in customer_batches(seed, scale) for c in batch]


def orders(seed: int = SEED, scale: int = 1) -> list[Order]:
    """All orders as one list: for small scales (tests); pipelines use the batches."""
    return [o for batch in order_batches(seed, scale) for o in batch]


@lru_cache(maxsize=8)
def expected_row_counts(seed: int = SEED, scale: int = 1) -> dict[str, int]:
    """Row counts each asset must report, computed from the generator alone (no database).

    Streams the batches: one byte per customer (its segment) and a set of at most
    DAYS x segments (day, segment) pairs, whatever the scale.
    """
    segment_index = {name: i for i, name in enumerate(SEGMENTS)}
    segment_of = bytearray(CUSTOMERS * check_scale(scale) + 1)
    for customer_batch in customer_batches(seed, scale):
        for c in customer_batch:
            segment_of[c.customer_id] = segment_index[c.segment.strip().title()]
    kept = 0
    days_and_segments: set[tuple[date, int]] = set()
    for batch in order_batches(seed, scale):
        for o in batch:
            if o.status != "cancelled":
                kept += 1
                days_and_segments.add((o.order_date, segment_of[o.customer_id]))
    return {
        "raw_customers": CUSTOMERS * scale,
        "raw_orders": ORDERS * scale,
        "stg_customers": CUSTOMERS * scale,
        "stg_orders": kept,
        "daily_revenue_by_segment": len(days_and_segments),
    }

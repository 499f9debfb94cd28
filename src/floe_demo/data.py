"""Deterministic source data: the same seed always yields the same customers and orders."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

SEED = 20261124
CUSTOMERS = 500
ORDERS = 4000
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


def customers(seed: int = SEED, count: int = CUSTOMERS) -> list[Customer]:
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    return [
        Customer(
            customer_id=i,
            # untrimmed names and mixed-case segments on purpose: staging cleans them
            name=f" customer-{i:05d} ",
            segment=rng.choice(SEGMENTS).upper() if i % 7 == 0 else rng.choice(SEGMENTS),
            signup_date=FIRST_DAY - timedelta(days=rng.randint(0, 365)),
        )
        for i in range(1, count + 1)
    ]


def orders(seed: int = SEED, count: int = ORDERS, customer_count: int = CUSTOMERS) -> list[Order]:
    rng = random.Random(seed + 1)  # noqa: S311 - reproducible demo data, not secrets
    return [
        Order(
            order_id=i,
            customer_id=rng.randint(1, customer_count),
            order_date=FIRST_DAY + timedelta(days=rng.randrange(DAYS)),
            amount=round(rng.uniform(5, 500), 2),
            status=rng.choice(STATUSES),
        )
        for i in range(1, count + 1)
    ]


def expected_row_counts(seed: int = SEED) -> dict[str, int]:
    """Row counts each asset must report, computed from the generator alone (no database).

    Integration tests compare these with the materialization metadata the platform reports.
    """
    order_rows = orders(seed)
    kept = [o for o in order_rows if o.status != "cancelled"]
    segment_of = {c.customer_id: c.segment.strip().title() for c in customers(seed)}
    days_and_segments = {(o.order_date, segment_of[o.customer_id]) for o in kept}
    return {
        "raw_customers": CUSTOMERS,
        "raw_orders": ORDERS,
        "stg_customers": CUSTOMERS,
        "stg_orders": len(kept),
        "daily_revenue_by_segment": len(days_and_segments),
    }

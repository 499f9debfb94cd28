"""What the demo pipeline must publish, computed from floe_demo's generator alone.

Plain Python over the generated records (no DuckDB, no SQL, no floe_demo.transforms), so the
e2e assertions are independent of the code that builds the mart.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from floe_demo import data


@dataclass(frozen=True)
class MartRow:
    order_date: date
    segment: str
    orders: int
    revenue: Decimal


def mart() -> dict[tuple[date, str], MartRow]:
    """(day, segment) -> orders and revenue of non-cancelled orders."""
    segment_of = {c.customer_id: c.segment.strip().title() for c in data.customers()}
    orders: dict[tuple[date, str], int] = defaultdict(int)
    revenue: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for order in data.orders():
        if order.status == "cancelled":
            continue
        key = (order.order_date, segment_of[order.customer_id])
        orders[key] += 1
        revenue[key] += Decimal(str(order.amount))
    return {key: MartRow(*key, orders[key], revenue[key]) for key in orders}


def revenue_by_segment() -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in mart().values():
        totals[row.segment] += row.revenue
    return dict(totals)


def revenue_by_day() -> dict[date, Decimal]:
    totals: dict[date, Decimal] = defaultdict(Decimal)
    for row in mart().values():
        totals[row.order_date] += row.revenue
    return dict(totals)

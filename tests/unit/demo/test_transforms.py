"""The demo transforms on an in-memory DuckDB: deterministic data, clean staging, right mart."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from floe_demo import data, transforms


@pytest.fixture
def conn() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(":memory:") as connection:
        transforms.load_raw_customers(connection, data.customer_batches())
        transforms.load_raw_orders(connection, data.order_batches())
        yield connection


def test_generation_is_deterministic() -> None:
    assert data.orders() == data.orders()
    assert data.customers(seed=1) != data.customers(seed=2)
    assert len(data.customers()) == data.CUSTOMERS
    assert len(data.orders()) == data.ORDERS


def test_every_scale_is_deterministic_and_batched() -> None:
    """Scale 3 spans several batches; each batch is bounded and reproducible on its own."""
    first = [len(batch) for batch in data.order_batches(scale=3)]
    assert first == [data.BATCH, data.ORDERS * 3 - data.BATCH]
    assert data.orders(scale=3) == data.orders(scale=3)
    assert data.orders(scale=3) != data.orders(scale=2)
    ids = [o.order_id for o in data.orders(scale=3)]
    assert ids == list(range(1, data.ORDERS * 3 + 1))
    assert max(o.customer_id for o in data.orders(scale=3)) > data.CUSTOMERS * 2
    counts = data.expected_row_counts(scale=3)
    assert counts["raw_orders"] == 3 * data.ORDERS
    assert counts["raw_customers"] == 3 * data.CUSTOMERS


def test_scale_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="between 1 and"):
        next(data.order_batches(scale=0))


def test_staging_trims_names_and_unifies_segments(conn: duckdb.DuckDBPyConnection) -> None:
    assert transforms.build_stg_customers(conn) == data.CUSTOMERS
    segments = {
        row[0] for row in conn.execute("SELECT DISTINCT segment FROM staging.customers").fetchall()
    }
    assert segments == set(data.SEGMENTS)
    untrimmed = conn.execute(
        "SELECT count(*) FROM staging.customers WHERE name <> trim(name)"
    ).fetchone()
    assert untrimmed == (0,)


def test_staging_drops_cancelled_orders(conn: duckdb.DuckDBPyConnection) -> None:
    kept = transforms.build_stg_orders(conn)
    cancelled = sum(1 for order in data.orders() if order.status == "cancelled")
    assert cancelled > 0
    assert kept == data.ORDERS - cancelled
    assert conn.execute(
        "SELECT count(*) FROM staging.orders WHERE status = 'cancelled'"
    ).fetchone() == (0,)


def test_mart_revenue_adds_up_to_staged_orders(conn: duckdb.DuckDBPyConnection) -> None:
    transforms.build_stg_customers(conn)
    transforms.build_stg_orders(conn)
    rows = transforms.build_daily_revenue_by_segment(conn)
    assert rows == data.expected_row_counts()["daily_revenue_by_segment"]
    mart_total, staged_total = conn.execute(
        "SELECT (SELECT sum(revenue) FROM marts.daily_revenue_by_segment), "
        "(SELECT sum(amount) FROM staging.orders)"
    ).fetchone() or (None, None)
    assert mart_total == staged_total
    orders = conn.execute("SELECT sum(orders) FROM marts.daily_revenue_by_segment").fetchone()
    assert orders == (transforms.row_count(conn, "staging.orders"),)


def test_quality_helpers_detect_problems(conn: duckdb.DuckDBPyConnection) -> None:
    transforms.build_stg_customers(conn)
    transforms.build_stg_orders(conn)
    assert transforms.duplicate_count(conn, "staging.orders", "order_id") == 0
    assert transforms.null_count(conn, "staging.orders", ["order_id", "amount"]) == 0
    assert transforms.orphan_orders(conn) == 0
    (kept_id,) = conn.execute("SELECT min(order_id) FROM staging.orders").fetchone() or (None,)
    conn.execute(
        "INSERT INTO staging.orders VALUES (?, 999999, DATE '2026-01-01', NULL, 'completed')",
        [kept_id],
    )
    assert transforms.duplicate_count(conn, "staging.orders", "order_id") == 1
    assert transforms.null_count(conn, "staging.orders", ["order_id", "amount"]) == 1
    assert transforms.orphan_orders(conn) == 1


def test_expected_row_counts_match_the_transforms(conn: duckdb.DuckDBPyConnection) -> None:
    built = {
        "raw_customers": transforms.row_count(conn, "raw.customers"),
        "raw_orders": transforms.row_count(conn, "raw.orders"),
        "stg_customers": transforms.build_stg_customers(conn),
        "stg_orders": transforms.build_stg_orders(conn),
        "daily_revenue_by_segment": transforms.build_daily_revenue_by_segment(conn),
    }
    assert built == data.expected_row_counts()

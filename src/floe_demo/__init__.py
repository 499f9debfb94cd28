"""floe_demo: the demo pipelines of the floe platform that the test tiers exercise.

Ingestion (deterministic customers and orders) -> staging -> a daily revenue mart in DuckDB,
with asset checks; plus a failure canary job. Kept apart from ``floe_testing``.
"""

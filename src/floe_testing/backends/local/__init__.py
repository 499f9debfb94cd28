"""The local backend: the platform as supervised processes on this machine (Dagster, DuckDB and,
for the full profile, SeaweedFS, the catalog and Cube), the suite as a local pytest."""

"""Idempotent bootstrap of the platform's state: the warehouse bucket, the catalog, its
principals and grants, the demo namespaces. The chart's hook Job and the local backend run the
same code (``floe-test bootstrap catalog``)."""

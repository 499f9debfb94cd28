"""Kept platforms: one started (``floe-test platform up``) and left running, so that many runs
(``floe-test run TIER --platform NAME``) reuse it until ``floe-test platform down`` removes it.

``state``: the registry, one JSON file per platform under the cache root, written atomically
and locked against concurrent commands. ``lifecycle``: up, status, attach and down, each
driving the backend's ``Keeper`` (``floe_testing.backends.kept``) — the registry does not
know what a backend keeps, and the backends do not know the registry.
"""

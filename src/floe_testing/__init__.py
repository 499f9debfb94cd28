"""floe-test: Kubernetes-native testing infrastructure for the floe data platform.

A test run is a pipeline: plan -> provision -> deploy -> run -> collect -> report -> teardown.
Tiers, profiles and the service contract are configuration (``[tool.floe-test]``);
backends (local, kind, cluster) implement one small protocol.
"""

__version__ = "0.1.0"

"""Tests as Kubernetes Jobs: the cluster backend's parts, one concern per module.

- ``manifest``: the one Job generator (submission, ``floe-test manifest``, checked-in files)
- ``shards``: the deterministic split of a suite across Indexed Job pods
- ``pod_runner`` / ``shard_plugin``: what runs inside each pod (pytest + result framing)
- ``frames``: results through the pod log and termination message only
- ``kube``: the thin adapter over lightkube (the only module that talks to the API server)
- ``classify``: pod and Job states -> fail-fast infrastructure causes
- ``monitor``: watch with resume, live shard logs, the wait loop
- ``results`` / ``diagnostics``: JUnit merge and the failure bundle
"""

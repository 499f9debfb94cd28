"""Tests as Kubernetes Jobs, seen from the host: one concern per module.

- ``manifest``: the one Job generator (submission, ``floe-test manifest``, checked-in files)
- ``schedule``: the staging tier's CronJob form of the same Job
- ``classify``: pod and Job states -> fail-fast infrastructure causes
- ``monitor``: watch with resume, live shard logs, the wait loop
- ``results`` / ``diagnostics``: JUnit merge and the failure bundle
- ``logcursor``: resuming a pod's log from the last line seen

What runs inside the pod is ``floe_testing.runner``; what both sides agree on (frames, shard
split) is ``floe_testing.protocol``.
"""

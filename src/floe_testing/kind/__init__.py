"""The kind backend's parts: preflight, thin tool adapters, images, cluster, deploy, readiness.

Every external engine (docker or podman, kind, helm) sits behind one small adapter in
``tools``/``engine``/``kindcli``/``helm`` so the orchestration in ``backends.kind`` reads like
the operator's own steps and tests can replace the binaries with stand-ins on ``PATH``.
"""

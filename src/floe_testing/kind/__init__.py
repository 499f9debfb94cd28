"""The kind backend's own parts: preflight, container engine, kind CLI, images, cluster.

Every external engine (docker or podman, kind) sits behind one small adapter in
``engine``/``kindcli`` (both run through ``floe_testing.deploy.tools``) so the orchestration
in ``backends.kind`` reads like the operator's own steps and tests can replace the binaries
with stand-ins on ``PATH``. Deploying the chart is not here: it is cluster-neutral and lives
in ``floe_testing.deploy``, shared with the cluster backend.
"""

"""The kind backend: an ephemeral Kind cluster (preflight, cluster lifecycle, image loading),
then the same chart install and Jobs as the cluster backend.

The external tools it drives (docker or podman, kind) sit behind ``floe_testing.tools``.
"""

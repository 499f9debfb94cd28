"""Images built and run without a registry: local base images, the build, the smoke run.

``scripts/images build|smoke`` calls ``python -m floe_testing.images``; the build itself is
``floe_testing.images.build.build_images`` (the kind backend's image step uses it too).
"""
